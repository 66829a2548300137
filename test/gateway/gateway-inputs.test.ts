// The gateway end to end with a real broker: each input's fixes become telemetry readings with seqs 0, 1, 2, …, resends are stored once, acks empty the queue.
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ackTopic, encodeReading, speedTopic } from '../../core/contract.js';
import { encodeAvlPacket, TeltonikaClient } from '../../harness/teltonika-client.js';
import { waitFor } from '../../harness/wait.js';
import { removeTempDirs } from '../helpers/tmp.js';
import { type GatewayFixture, osmandUrl, startGatewayFixture } from './fixture.js';

let f: GatewayFixture;

beforeAll(async () => {
  f = await startGatewayFixture();
});

afterAll(async () => {
  await f?.stop();
  removeTempDirs();
});

const T0 = Math.floor(Date.now() / 1000) - 600;

describe('OsmAnd', () => {
  it('answers 200 once stored, publishes telemetry with seq 0.., and stores a resend once', async () => {
    const q = (t: number, speed: number) =>
      `id=phone_1&timestamp=${t}&lat=52.52&lon=13.405&speed=${speed}&bearing=90&altitude=34&accuracy=5&batt=80`;
    const first = await fetch(osmandUrl(f, q(T0, 10)));
    expect(first.status).toBe(200);
    const again = await fetch(osmandUrl(f, q(T0, 10)), { method: 'POST' });
    expect(again.status).toBe(200);
    const second = await fetch(osmandUrl(f, q(T0 + 5, 20)), { method: 'POST' });
    expect(second.status).toBe(200);
    const rows = await waitFor(
      () => f.backend.rows('phone_1'),
      (r) => r.length >= 2,
      { what: 'two readings of phone_1' },
    );
    expect(rows).toEqual([
      {
        seq: 0,
        timestamp: new Date(T0 * 1000).toISOString(),
        speed: 18.52,
        lat: 52.52,
        lon: 13.405,
        alt: 34,
        acc: 5,
        heading: 90,
        battery_pct: 80,
      },
      expect.objectContaining({ seq: 1, speed: 37.04 }),
    ]);
    await waitFor(
      () => f.gateway.parts.queue.queued('phone_1'),
      (n) => n === 0,
      { what: 'the queue emptied by acks' },
    );
    expect(f.gateway.stats().intake.duplicates).toBe(1);
  });

  it('takes a form body and the Traccar Client 9 JSON body', async () => {
    const form = await fetch(osmandUrl(f, ''), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `id=phone_2&timestamp=${T0}&lat=1&lon=2`,
    });
    expect(form.status).toBe(200);
    const json = await fetch(osmandUrl(f, ''), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        device_id: 'phone_2',
        location: {
          timestamp: new Date(T0 * 1000 + 1000).toISOString(),
          coords: { latitude: 1, longitude: 2, speed: 10 },
          battery: { level: 0.5 },
        },
      }),
    });
    expect(json.status).toBe(200);
    const rows = await waitFor(
      () => f.backend.rows('phone_2'),
      (r) => r.length >= 2,
      { what: 'two readings of phone_2' },
    );
    expect(rows.map((r) => [r.seq, r.speed, r.battery_pct])).toEqual([
      [0, undefined, undefined],
      [1, 36, 50],
    ]);
  });

  it('answers 400 with the reason for bad input', async () => {
    const bad = await fetch(osmandUrl(f, 'id=phone_3&lat=abc&lon=2'));
    expect(bad.status).toBe(400);
    expect(await bad.text()).toBe('lat: not a number\n');
    const noSignal = await fetch(osmandUrl(f, 'id=phone_3'));
    expect(noSignal.status).toBe(400);
    expect(await noSignal.text()).toBe('nothing to store: no_signals\n');
    const future = await fetch(osmandUrl(f, `id=phone_3&lat=1&lon=2&timestamp=${T0 + 86_400 * 3}`));
    expect(future.status).toBe(400);
    const badId = await fetch(osmandUrl(f, 'id=a%20b&lat=1&lon=2'));
    expect(badId.status).toBe(400);
  });
});

describe('Teltonika', () => {
  it('answers the handshake and each packet with its record count; readings keep record order', async () => {
    const client = new TeltonikaClient(f.gateway.parts.teltonika?.port ?? 0);
    await client.connect();
    expect(await client.handshake('356307042441013')).toBe(true);
    const rec = (i: number) => ({
      timestampMs: T0 * 1000 + i * 1000,
      lat: 54.6872,
      lon: 25.2797,
      altitude: 112,
      angle: 45,
      satellites: 8,
      speed: 50 + i,
      io: { 239: [1, 1], 16: [4, 1_000_000 + i] as const, 66: [2, 13_800] } as const,
    });
    expect(await client.send(encodeAvlPacket([rec(0), rec(1), rec(2)], 0x8e))).toBe(3);
    expect(await client.send(encodeAvlPacket([rec(2), rec(3)]))).toBe(2);
    client.close();
    const rows = await waitFor(
      () => f.backend.rows('imei_356307042441013'),
      (r) => r.length >= 4,
      { what: 'four Teltonika readings' },
    );
    expect(rows.map((r) => [r.seq, r.speed, r.odometer_km])).toEqual([
      [0, 50, 1000],
      [1, 51, 1000.001],
      [2, 52, 1000.002],
      [3, 53, 1000.003],
    ]);
    expect(rows[0]).toMatchObject({ ignition: true, battery_v: 13.8, heading: 45 });
  });
});

describe('OwnTracks', () => {
  it('stores a location once though the broker redelivers it retained; ignores other types', async () => {
    const phone = await mqtt.connectAsync(`mqtt://127.0.0.1:${f.broker.port}`, { clean: true });
    const loc = { _type: 'location', lat: 48.85, lon: 2.35, tst: T0, vel: 30, batt: 70 };
    await phone.publishAsync('owntracks/alice/pixel', JSON.stringify(loc), {
      qos: 1,
      retain: true,
    });
    await phone.publishAsync('owntracks/alice/pixel', JSON.stringify({ _type: 'transition' }), {
      qos: 1,
    });
    await phone.endAsync();
    await waitFor(
      async () => (await f.backend.rows('alice_pixel')).length,
      (n) => n === 1,
      { what: 'the OwnTracks reading' },
    );
    // A restart resubscribes: the retained location comes again and is recognised.
    await f.restart();
    await waitFor(
      () => f.gateway.stats().ownTracks?.duplicates ?? 0,
      (n) => n === 1,
      { what: 'the retained redelivery' },
    );
    expect(await f.backend.rows('alice_pixel')).toEqual([
      expect.objectContaining({
        seq: 0,
        speed: 30,
        battery_pct: 70,
        lat: 48.85,
        lon: 2.35,
      }),
    ]);
  });
});

describe('OwnTracks persistent session', () => {
  it('gets what phones sent while the gateway was stopped', async () => {
    await f.gateway.stop();
    const phone = await mqtt.connectAsync(`mqtt://127.0.0.1:${f.broker.port}`, { clean: true });
    const loc = (t: number) => JSON.stringify({ _type: 'location', lat: 45, lon: 7, tst: t });
    await phone.publishAsync('owntracks/bob/iphone', loc(T0), { qos: 1 });
    await phone.publishAsync('owntracks/bob/iphone', loc(T0 + 30), { qos: 1 });
    await phone.endAsync();
    await f.restart();
    const rows = await waitFor(
      () => f.backend.rows('bob_iphone'),
      (r) => r.length === 2,
      { what: 'the two locations sent meanwhile' },
    );
    expect(rows.map((r) => [r.seq, r.timestamp])).toEqual([
      [0, new Date(T0 * 1000).toISOString()],
      [1, new Date((T0 + 30) * 1000).toISOString()],
    ]);
  });
});

describe('a device id the collector already knows', () => {
  it('continues above its stored seqs (the retained ack, awaited with a probe)', async () => {
    const vehicle = await mqtt.connectAsync(`mqtt://127.0.0.1:${f.broker.port}`, { clean: true });
    for (let seq = 0; seq < 5; seq++) {
      const timestamp = new Date((T0 - 100 + seq) * 1000).toISOString();
      await vehicle.publishAsync(
        speedTopic('reused_id'),
        encodeReading({ device_id: 'reused_id', seq, timestamp, speed: 10 }),
        { qos: 1 },
      );
    }
    // Its retained ack says seq 4 (two senders on one id at the same moment would collide:
    // docs/gateway.md says so).
    const acks: string[] = [];
    vehicle.on('message', (_t, p) => acks.push(p.toString()));
    await vehicle.subscribeAsync(ackTopic('reused_id'), { qos: 1 });
    await waitFor(
      () => acks.at(-1) ?? '',
      (a) => a.includes('"seq":4'),
      { what: "the collector's ack of the vehicle's five readings" },
    );
    await vehicle.endAsync();
    expect(
      (await fetch(osmandUrl(f, `id=reused_id&timestamp=${T0}&lat=1&lon=2&speed=5`))).status,
    ).toBe(200);
    const rows = await waitFor(
      () => f.backend.rows('reused_id'),
      (r) => r.length === 6,
      { what: "the phone's reading after them" },
    );
    expect(rows.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(rows[5]).toMatchObject({ lat: 1, lon: 2, speed: 9.26 });
  });
});
