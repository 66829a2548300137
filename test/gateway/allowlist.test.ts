// DEVICE_ALLOWLIST=true on every input (OsmAnd 403, Teltonika handshake 0x00, OwnTracks counted and dropped), the registry's protocol field, and IMEI → device id from the registry.
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryEntry } from '../../core/contract.js';
import { encodeAvlPacket, TeltonikaClient } from '../../harness/teltonika-client.js';
import { waitFor } from '../../harness/wait.js';
import { removeTempDirs } from '../helpers/tmp.js';
import { type GatewayFixture, osmandUrl, startGatewayFixture } from './fixture.js';

const entry = (id: string, extra: Partial<RegistryEntry> = {}): RegistryEntry => ({
  device_id: id,
  name: null,
  plate: null,
  speed_limit_kmh: null,
  ...extra,
});

const REGISTRY = [
  entry('phone_ok', { protocol: 'osmand' }),
  entry('truck_7', { imei: '356307042441013', protocol: 'teltonika' }),
  entry('alice_pixel'),
  entry('tracker_only', { protocol: 'teltonika' }),
];

let f: GatewayFixture;
const T = Math.floor(Date.now() / 1000) - 60;

beforeAll(async () => {
  f = await startGatewayFixture({ DEVICE_ALLOWLIST: 'true' }, {}, REGISTRY);
});

afterAll(async () => {
  await f?.stop();
  removeTempDirs();
});

describe('DEVICE_ALLOWLIST=true', () => {
  it('OsmAnd: 403 for an unknown device and for one registered for another input; 200 for a registered one', async () => {
    const unknown = await fetch(osmandUrl(f, `id=stranger&lat=1&lon=2&timestamp=${T}`));
    expect(unknown.status).toBe(403);
    expect(await unknown.text()).toBe('unknown device stranger\n');
    const wrong = await fetch(osmandUrl(f, `id=tracker_only&lat=1&lon=2&timestamp=${T}`));
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).toBe(
      'device tracker_only is registered for teltonika, not osmand\n',
    );
    expect((await fetch(osmandUrl(f, `id=phone_ok&lat=1&lon=2&timestamp=${T}`))).status).toBe(200);
    await waitFor(
      async () => (await f.backend.rows('phone_ok')).length,
      (n) => n === 1,
      { what: "phone_ok's reading" },
    );
    expect(await f.backend.rows('stranger')).toEqual([]);
  });

  it('Teltonika: 0x00 and closed for an unknown IMEI; a registered IMEI is its device id', async () => {
    const stranger = new TeltonikaClient(f.gateway.parts.teltonika?.port ?? 0);
    await stranger.connect();
    expect(await stranger.handshake('359999999999999')).toBe(false);
    expect(await stranger.read(1)).toBeUndefined(); // closed
    const truck = new TeltonikaClient(f.gateway.parts.teltonika?.port ?? 0);
    await truck.connect();
    expect(await truck.handshake('356307042441013')).toBe(true);
    const record = {
      timestampMs: T * 1000,
      lat: 1,
      lon: 2,
      altitude: 0,
      angle: 0,
      satellites: 5,
      speed: 33,
    };
    expect(await truck.send(encodeAvlPacket([record]))).toBe(1);
    truck.close();
    const rows = await waitFor(
      () => f.backend.rows('truck_7'),
      (r) => r.length === 1,
      { what: "truck_7's reading" },
    );
    expect(rows[0]).toMatchObject({ seq: 0, speed: 33 });
    expect(await f.backend.rows('imei_359999999999999')).toEqual([]);
    expect(f.gateway.stats().teltonika?.handshakes).toEqual({ accepted: 1, refused: 1 });
  });

  it('OwnTracks: an unknown phone is counted and dropped; a registered one stored', async () => {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${f.broker.port}`, { clean: true });
    const loc = JSON.stringify({ _type: 'location', lat: 1, lon: 2, tst: T });
    await client.publishAsync('owntracks/mallory/phone', loc, { qos: 1 });
    await client.publishAsync('owntracks/alice/pixel', loc, { qos: 1 });
    await client.endAsync();
    await waitFor(
      async () => (await f.backend.rows('alice_pixel')).length,
      (n) => n === 1,
      { what: "alice_pixel's reading" },
    );
    expect(f.gateway.stats().ownTracks?.refused).toBe(1);
    expect(await f.backend.rows('mallory_phone')).toEqual([]);
  });
});

describe('DEVICE_ALLOWLIST=true before the registry is known', () => {
  it('answers 503 (ask again later) until the first snapshot, then decides by it', async () => {
    const g = await startGatewayFixture({ DEVICE_ALLOWLIST: 'true' }, {}, null);
    try {
      const early = await fetch(osmandUrl(g, `id=phone_ok&lat=1&lon=2&timestamp=${T}`));
      expect(early.status).toBe(503);
      expect(early.headers.get('retry-after')).toBe('30');
      await g.backend.startRegistry(REGISTRY);
      await waitFor(
        async () => (await fetch(osmandUrl(g, `id=phone_ok&lat=1&lon=2&timestamp=${T}`))).status,
        (s) => s === 200,
        { what: 'admitted once the registry arrived' },
      );
    } finally {
      await g.stop();
    }
  });
});
