// The fleet/registry snapshot: encoded by the publisher, parsed whole or refused by followers; the follower keeps the last good one.
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/log.js';
import { RegistryFollower } from '../../registry/follower.js';
import { encodeSnapshot, MAX_SNAPSHOT_BYTES, parseSnapshot } from '../../registry/snapshot.js';

const NOW = Date.parse('2026-11-24T10:00:00.000Z');
const entry = (id: string, extra = {}) => ({
  device_id: id,
  name: null,
  plate: null,
  speed_limit_kmh: null,
  ...extra,
});
const bytes = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));

describe('registry snapshot', () => {
  it('round-trips every field', () => {
    const devices = [
      entry('vehicle_01', { name: 'Müller & Söhne #2', plate: 'B MW 1234', speed_limit_kmh: 80 }),
      entry('vehicle_02'),
    ];
    const parsed = parseSnapshot(Buffer.from(encodeSnapshot(devices, NOW)));
    expect(parsed).toEqual({
      ok: true,
      snapshot: { devices, timestamp: '2026-11-24T10:00:00.000Z' },
    });
  });

  it.each([
    ['empty', ''],
    ['not JSON', '{"devices": ['],
    ['an array', '[]'],
    ['no timestamp', { devices: [] }],
    ['an unknown key', { devices: [], timestamp: '2026-11-24T10:00:00Z', extra: 1 }],
    ['a bad device id', { devices: [entry('<script>')], timestamp: '2026-11-24T10:00:00Z' }],
    [
      'markup in a name',
      { devices: [entry('v1', { name: '<img src=x>' })], timestamp: '2026-11-24T10:00:00Z' },
    ],
    [
      'a limit out of range',
      { devices: [entry('v1', { speed_limit_kmh: 1e9 })], timestamp: '2026-11-24T10:00:00Z' },
    ],
    ['a device twice', { devices: [entry('v1'), entry('v1')], timestamp: '2026-11-24T10:00:00Z' }],
  ])('refuses %s', (_what, value) => {
    expect(parseSnapshot(bytes(value)).ok).toBe(false);
  });

  it('refuses an oversized message before parsing it', () => {
    const verdict = parseSnapshot(Buffer.alloc(MAX_SNAPSHOT_BYTES + 1, 0x20));
    expect(verdict).toEqual({ ok: false, problem: expect.stringContaining('bytes') });
  });

  it('the follower applies a good snapshot, keeps it over a bad one, and tells its listeners', () => {
    const follower = new RegistryFollower(silentLogger());
    const seen: number[] = [];
    follower.onSnapshot((s) => seen.push(s.devices.length));
    expect(follower.ready).toBe(false);
    expect(follower.lookup('vehicle_01')).toBeUndefined();
    const good = [entry('vehicle_01', { speed_limit_kmh: 70 })];
    expect(follower.accept(Buffer.from(encodeSnapshot(good, NOW)))).toBe(true);
    expect(follower.ready).toBe(true);
    expect(follower.lookup('vehicle_01')?.speed_limit_kmh).toBe(70);
    expect(follower.accept(bytes('garbage'))).toBe(false);
    expect(follower.lookup('vehicle_01')?.speed_limit_kmh).toBe(70);
    expect(follower.accept(Buffer.from(encodeSnapshot([], NOW)))).toBe(true);
    expect(follower.lookup('vehicle_01')).toBeUndefined();
    expect(seen).toEqual([1, 0]);
    expect([follower.applied, follower.refused]).toEqual([2, 1]);
  });
});
