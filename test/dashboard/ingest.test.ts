// POST /api/readings on a real dashboard (SQLite, Mosquitto): mixed valid, invalid and duplicate items, durability, limits, allow-list, and the collector's acks after it.
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ackTopic, DEVICE_ID_PATTERN, encodeReading, speedTopic } from '../../core/contract.js';
import { waitFor } from '../../harness/wait.js';
import { inProcessCollector, testConfig } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { HOSTILE } from '../security/dashboard-hostile.js';
import { isCleanErrorBody, send } from '../security/dashboard-http.js';
import { NOW, type RouteFixture, startRouteFixture } from './route-fixture.js';

const TOKEN = randomBytes(24).toString('hex');
let fixture: RouteFixture;
let allowlisted: RouteFixture;

beforeAll(async () => {
  [fixture, allowlisted] = await Promise.all([
    startRouteFixture({ DASHBOARD_API_TOKEN: TOKEN, DASHBOARD_RATE_LIMIT_PER_MIN: '100000' }),
    startRouteFixture({ DASHBOARD_API_TOKEN: TOKEN, DEVICE_ALLOWLIST: 'true' }),
  ]);
});

afterAll(async () => {
  await Promise.all([fixture?.stop(), allowlisted?.stop()]);
  removeTempDirs();
});

const ingest = (f: RouteFixture, body: string, token = TOKEN) =>
  send(f.base, '/api/readings', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
  });
const at = (ms: number) => new Date(ms).toISOString();
const r = (device_id: string, seq: number, speed = 50, ms = NOW - 60_000 + seq) => ({
  device_id,
  seq,
  timestamp: at(ms),
  speed,
});

function rows(path: string, deviceId: string): Array<{ seq: number; ts: number; speed: number }> {
  const db = new Database(path, { readonly: true });
  try {
    return db
      .prepare('SELECT seq, ts, speed FROM readings WHERE device_id = ? ORDER BY seq')
      .all(deviceId) as Array<{ seq: number; ts: number; speed: number }>;
  } finally {
    db.close();
  }
}

function count(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM readings').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('POST /api/readings', () => {
  it('stores the valid, counts the duplicates, lists each rejected item with its index and reason', async () => {
    const items = [
      r('vehicle_05', 0),
      { device_id: 'vehicle_05', seq: 1, timestamp: at(NOW) }, // no speed, no signal at all
      r('vehicle_05', 1, 12.5),
      '{"device_id":"vehicle_05","seq":2,"timestamp":"TS","speed":1e999}',
      r('vehicle_05', 3, 301),
      r('vehicle_05', 4, 10, Date.now() + 3_600_000),
      r('<script>', 5),
      42,
      r('vehicle_01', 2, 20), // stored already (the fixture's)
      r('vehicle_05', 0), // twice in this request
      r('vehicle_05', 2, 7),
      { ...r('vehicle_05', 6), extra: 'ignored as over MQTT' },
    ];
    const body = `[${items
      .map((i) => (typeof i === 'string' ? i.replace('TS', at(NOW)) : JSON.stringify(i)))
      .join(',')}]`;
    const res = await ingest(fixture, body);
    expect([res.status, res.json]).toEqual([
      200,
      {
        stored: 4,
        duplicates: 2,
        rejected: [
          { index: 1, reason: 'no_signals' },
          { index: 3, reason: 'non_finite' },
          { index: 4, reason: 'out_of_range' },
          { index: 5, reason: 'future_timestamp' },
          { index: 6, reason: 'invalid_device_id' },
          { index: 7, reason: 'invalid_fields' },
        ],
        // `extra` of item 9 is not a signal: that key is dropped and counted, the reading stored.
        invalid_signals: {},
        unknown_signals: 1,
      },
    ]);
    // Durable when answered: another connection reads the rows at once.
    expect(rows(fixture.sqlitePath, 'vehicle_05').map((x) => [x.seq, x.speed])).toEqual([
      [0, 50],
      [1, 12.5],
      [2, 7],
      [6, 50],
    ]);
    // Sent again: everything is a duplicate now, nothing stored twice.
    const again = await ingest(fixture, JSON.stringify([r('vehicle_05', 0), r('vehicle_05', 6)]));
    expect(again.json).toEqual({
      stored: 0,
      duplicates: 2,
      rejected: [],
      invalid_signals: {},
      unknown_signals: 0,
    });
    expect(rows(fixture.sqlitePath, 'vehicle_05')).toHaveLength(4);
    // The other routes serve them, and the live board knows the vehicle.
    const latest = await send(fixture.base, '/api/devices/vehicle_05/latest');
    expect(latest.json).toMatchObject({ seq: 6, speed: 50 });
  });

  it('10,000 readings in one request (a body over the default 16 kB limit)', async () => {
    const many = Array.from({ length: 10_000 }, (_, i) => r('vehicle_06', i, i % 120));
    const res = await ingest(fixture, JSON.stringify(many));
    expect([res.status, res.json]).toEqual([
      200,
      { stored: 10_000, duplicates: 0, rejected: [], invalid_signals: {}, unknown_signals: 0 },
    ]);
    expect(rows(fixture.sqlitePath, 'vehicle_06')).toHaveLength(10_000);
  });

  it('refuses what is not an array of at most 10,000, an oversized body, a missing token', async () => {
    const before = count(fixture.sqlitePath);
    const bad = (message: string) => ({ error: 'invalid_parameter', message });
    const tooMany = JSON.stringify(Array.from({ length: 10_001 }, () => 1));
    expect((await ingest(fixture, tooMany)).json).toEqual(
      bad('at most 10000 readings per request'),
    );
    expect((await ingest(fixture, JSON.stringify(r('vehicle_05', 9)))).json).toEqual(
      bad('the body must be a JSON array of readings'),
    );
    const huge = await ingest(fixture, JSON.stringify([{ pad: 'x'.repeat(5 * 1024 * 1024) }]));
    expect([huge.status, huge.json]).toEqual([
      413,
      { error: 'payload_too_large', message: 'request body too large' },
    ]);
    expect((await ingest(fixture, '[', TOKEN)).status).toBe(400);
    expect((await ingest(fixture, '[]', 'wrong-token')).status).toBe(401);
    expect((await ingest(fixture, '[]')).json).toEqual({
      stored: 0,
      duplicates: 0,
      rejected: [],
      invalid_signals: {},
      unknown_signals: 0,
    });
    expect(count(fixture.sqlitePath)).toBe(before);
  });

  it('hostile text in every field is refused with MQTT’s reasons; the store is unchanged', async () => {
    const before = count(fixture.sqlitePath);
    const items = HOSTILE.flatMap(([, value]) => [
      // "1e308", "-1", "NaN" are well-formed ids: as ids they are data, not an attack.
      ...(DEVICE_ID_PATTERN.test(value) ? [] : [{ ...r('vehicle_05', 100), device_id: value }]),
      { ...r('vehicle_05', 100), timestamp: value },
      { ...r('vehicle_05', 100), speed: value },
      { ...r('vehicle_05', 100), seq: value },
    ]);
    const res = await ingest(fixture, JSON.stringify(items));
    const body = res.json as { stored: number; rejected: Array<{ index: number; reason: string }> };
    expect(body.stored).toBe(0);
    expect(body.rejected.map((x) => x.index)).toEqual(items.map((_, i) => i));
    expect(new Set(body.rejected.map((x) => x.reason))).toEqual(
      new Set(['invalid_device_id', 'invalid_fields']),
    );
    expect(res.text).not.toMatch(/script|DROP/);
    expect(count(fixture.sqlitePath)).toBe(before);
    const bad = await ingest(fixture, '{"__proto__":{"polluted":1}}');
    expect(isCleanErrorBody(bad)).toBe(true);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('DEVICE_ALLOWLIST=true: readings of unregistered vehicles are unknown_device', async () => {
    const reg = await send(allowlisted.base, '/api/devices/vehicle_02', {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(reg.status).toBe(201);
    const res = await ingest(
      allowlisted,
      JSON.stringify([r('vehicle_02', 100), r('vehicle_04', 0), r('bad id', 0)]),
    );
    expect(res.json).toEqual({
      stored: 1,
      duplicates: 0,
      rejected: [
        { index: 1, reason: 'unknown_device' },
        { index: 2, reason: 'invalid_device_id' },
      ],
      invalid_signals: {},
      unknown_signals: 0,
    });
    expect(rows(allowlisted.sqlitePath, 'vehicle_04')).toEqual([]);
  });
});

describe('an HTTP-ingested reading and the vehicle’s end-to-end acks (SQLite)', () => {
  it('its seq is covered: the same seq over MQTT is a duplicate, and the next ack includes it', async () => {
    const config = testConfig(tempDir(), fixture.broker.port, {
      SQLITE_PATH: fixture.sqlitePath,
    });
    const collector = inProcessCollector(config);
    await collector.start();
    const device = await mqtt.connectAsync(`mqtt://127.0.0.1:${fixture.broker.port}`, {
      clientId: 'vehicle_08',
      clean: true,
    });
    try {
      await collector.subscribed;
      const acks: number[] = [];
      device.on('message', (_t, payload) => {
        if (payload.length > 0) acks.push((JSON.parse(payload.toString()) as { seq: number }).seq);
      });
      await device.subscribeAsync(ackTopic('vehicle_08'), { qos: 0 });
      const http = await ingest(
        fixture,
        JSON.stringify(Array.from({ length: 10 }, (_, i) => r('vehicle_08', i))),
      );
      expect(http.json).toMatchObject({ stored: 10 });
      for (const seq of [5, 10]) {
        const now = new Date().toISOString();
        await device.publishAsync(
          speedTopic('vehicle_08'),
          encodeReading({ device_id: 'vehicle_08', seq, timestamp: now, speed: 1 }),
          { qos: 1 },
        );
      }
      await waitFor(
        () => acks.at(-1),
        (a) => a === 10,
        { what: 'the ack covering seqs 0..10' },
      );
      expect(collector.stats()).toMatchObject({ stored: 1, duplicates: 1 });
      expect(rows(fixture.sqlitePath, 'vehicle_08').map((x) => x.seq)).toEqual([
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
      ]);
      // seq 5 kept its HTTP-ingested speed: the MQTT copy was skipped.
      expect(rows(fixture.sqlitePath, 'vehicle_08')[5]?.speed).toBe(50);
    } finally {
      await device.endAsync();
      await collector.stop();
    }
  });
});
