// The OwnTracks decoder against the booklet's JSON format (owntracks/booklet docs/tech/json.md): `_type: location` fields and units, other types ignored.
import { describe, expect, it } from 'vitest';
import { decodeOwnTracks, ownTracksDeviceId } from '../../gateway/owntracks.js';

const msg = (m: unknown) => Buffer.from(JSON.stringify(m));

describe('OwnTracks', () => {
  it('maps a location: vel km/h, cog, alt, acc, batt, tst seconds', () => {
    const r = decodeOwnTracks(
      'owntracks/alice/pixel',
      msg({
        _type: 'location',
        lat: 48.85661,
        lon: 2.35222,
        tst: 1765015200,
        vel: 42,
        cog: 180,
        alt: 35,
        acc: 12,
        vac: 3,
        batt: 64,
        bs: 1,
        tid: 'ap',
        t: 'u',
        conn: 'm',
        created_at: 1765015201,
      }),
    );
    expect(r).toEqual({
      kind: 'location',
      deviceId: 'alice_pixel',
      fix: {
        fixMs: 1765015200_000,
        values: {
          lat: 48.85661,
          lon: 2.35222,
          speed: 42,
          heading: 180,
          alt: 35,
          acc: 12,
          battery_pct: 64,
        },
      },
    });
  });

  it('leaves out what OwnTracks omits when zero', () => {
    const r = decodeOwnTracks('owntracks/a/b', msg({ _type: 'location', lat: 1, lon: 2, tst: 3 }));
    expect(r).toEqual({
      kind: 'location',
      deviceId: 'a_b',
      fix: { fixMs: 3000, values: { lat: 1, lon: 2 } },
    });
  });

  it('ignores other types by name, and an empty (cleared retained) message', () => {
    expect(decodeOwnTracks('owntracks/a/b', msg({ _type: 'transition', event: 'enter' }))).toEqual({
      kind: 'ignored',
      type: 'transition',
    });
    expect(decodeOwnTracks('owntracks/a/b', msg({ _type: 'lwt', tst: 1 }))).toEqual({
      kind: 'ignored',
      type: 'lwt',
    });
    expect(decodeOwnTracks('owntracks/a/b', msg({ _type: 'x'.repeat(100) }))).toEqual({
      kind: 'ignored',
      type: 'other',
    });
    expect(decodeOwnTracks('owntracks/a/b', Buffer.alloc(0))).toEqual({
      kind: 'ignored',
      type: 'empty',
    });
  });

  it('refuses bad topics, JSON, fields and oversized payloads', () => {
    expect(ownTracksDeviceId('owntracks/al ice/p')).toBeUndefined();
    expect(ownTracksDeviceId('owntracks/a/b/event')).toBeUndefined();
    expect(decodeOwnTracks('owntracks/a/b', Buffer.from('{'))).toEqual({
      kind: 'invalid',
      reason: 'not JSON',
    });
    expect(
      decodeOwnTracks('owntracks/a/b', msg({ _type: 'location', lat: '1', lon: 2, tst: 3 })),
    ).toMatchObject({
      kind: 'invalid',
    });
    expect(
      decodeOwnTracks('owntracks/a/b', msg({ _type: 'location', lat: 1, lon: 2, tst: 3.5 })),
    ).toEqual({
      kind: 'invalid',
      reason: 'tst: not epoch seconds',
    });
    expect(decodeOwnTracks('owntracks/a/b', Buffer.alloc(20_000, 0x20))).toMatchObject({
      kind: 'invalid',
    });
  });
});
