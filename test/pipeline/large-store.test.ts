// The collector, as `npm run collector` runs it (same heap flags), on a store of 5 M readings of one vehicle.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ackTopic, encodeReading, speedTopic } from '../../core/contract.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { ProgramProcess } from '../../harness/program.js';
import { fillSqliteStore } from '../../harness/sqlite-fill.js';
import { waitFor } from '../../harness/wait.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const DEVICE = 'vehicle_01';
const STORED = 5_000_000;
const NEW = 200;
const dir = tempDir('large-store-');
const path = join(dir, 'telemetry.db');
const broker = new MosquittoProcess({ dir: join(dir, 'mosquitto') });
let device: MqttClient;
let lastAck = -2;

function collector(): ProgramProcess {
  return ProgramProcess.fromNpmScript('collector', [], {
    MQTT_BROKER_HOST: '127.0.0.1',
    MQTT_BROKER_PORT: String(broker.port),
    SQLITE_PATH: path,
    COLLECTOR_STATE_PATH: join(dir, 'collector-state.db'),
    LOG_LEVEL: 'info',
  });
}

const reading = (seq: number, time: number) =>
  encodeReading({ device_id: DEVICE, seq, timestamp: new Date(time).toISOString(), speed: 42.5 });

function query<T>(sql: string, ...params: unknown[]): T {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare(sql).get(...params) as T;
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  // 58 days at 1 Hz ending a minute ago: past RETENTION_RAW's default 30 days, so the collector's
  // retention has 2.4 M rows to delete while the test runs.
  fillSqliteStore(path, {
    deviceIds: [DEVICE],
    perDevice: STORED,
    intervalMs: 1000,
    end: Date.now() - 60_000,
  });
  await broker.start();
  device = mqtt.connect(`mqtt://127.0.0.1:${broker.port}`, { clientId: DEVICE, clean: true });
  await new Promise<void>((resolve) => device.once('connect', () => resolve()));
  device.on('message', (topic, payload) => {
    if (topic === ackTopic(DEVICE) && payload.length > 0) {
      lastAck = (JSON.parse(payload.toString()) as { seq: number }).seq;
    }
  });
  await device.subscribeAsync(ackTopic(DEVICE), { qos: 0 });
}, 120_000);

afterAll(async () => {
  await device?.endAsync();
  await broker.stop();
  removeTempDirs();
});

describe('collector on 5 M stored readings (npm script heap flags: 96 MB old space)', {
  timeout: 300_000,
}, () => {
  it('starts without reading history, stores new readings once, acks exactly; retention never lets old seqs back in', async () => {
    const first = collector();
    first.start();
    await waitFor(
      () => first.stderr,
      (e) => e.includes('"msg":"subscribed"') || !first.running,
      {
        timeoutMs: 20_000,
        what: 'collector subscribed',
      },
    );
    expect(first.running, first.stderr.slice(-2000)).toBe(true);
    // The retained ack for a vehicle the collector knows only from its coverage row.
    await waitFor(
      () => lastAck,
      (seq) => seq === STORED - 1,
      { what: 'ack of the stored history' },
    );

    // Let retention finish its first pass (everything older than 30 days), then replay the oldest
    // seqs it deleted and some it kept, with the new readings.
    await waitFor(
      () => first.stderr,
      (e) => e.includes('"msg":"retention pass"'),
      {
        timeoutMs: 60_000,
        what: 'first retention pass',
      },
    );
    const kept = query<{ n: number; lo: number }>(
      'SELECT count(*) AS n, min(seq) AS lo FROM readings',
    );
    expect(kept.lo).toBeGreaterThan(1000);
    const rollupsBefore = query<{ n: number; s: number }>(
      'SELECT sum(speed_n) AS n, sum(speed_sum) AS s FROM rollup_1m WHERE device_id = ?',
      DEVICE,
    );
    const now = Date.now();
    for (let seq = 0; seq < 100; seq++)
      device.publish(speedTopic(DEVICE), reading(seq, now - 58 * 86_400_000), { qos: 1 });
    for (let seq = STORED - 100; seq < STORED; seq++)
      device.publish(speedTopic(DEVICE), reading(seq, now - 60_000), { qos: 1 });
    for (let i = 0; i < NEW; i++)
      device.publish(speedTopic(DEVICE), reading(STORED + i, now + i), { qos: 1 });
    await waitFor(
      () => lastAck,
      (seq) => seq === STORED + NEW - 1,
      { what: 'ack of the new readings', timeoutMs: 90_000 },
    );
    expect(await first.kill('SIGTERM')).toBe(0);

    const after = query<{ n: number; fresh: number; old: number }>(
      `SELECT count(*) AS n, sum(seq >= ?) AS fresh, sum(seq < 100) AS old FROM readings`,
      STORED,
    );
    expect(after.fresh).toBe(NEW);
    expect(after.old).toBe(0);
    expect(after.n).toBeLessThanOrEqual(kept.n + NEW);
    const rollupsAfter = query<{ n: number; s: number }>(
      'SELECT sum(speed_n) AS n, sum(speed_sum) AS s FROM rollup_1m WHERE device_id = ?',
      DEVICE,
    );
    expect(rollupsAfter.n).toBe(rollupsBefore.n + NEW);
    expect(rollupsAfter.s).toBeCloseTo(rollupsBefore.s + NEW * 42.5, 3);
    expect(query('SELECT watermark, last_seq FROM devices WHERE device_id = ?', DEVICE)).toEqual({
      watermark: STORED + NEW - 1,
      last_seq: STORED + NEW - 1,
    });
    expect(first.stderr).toContain('"duplicates":200');

    // A restart acks exactly the same watermark again, from the coverage row alone.
    await device.publishAsync(ackTopic(DEVICE), '', { qos: 1, retain: true });
    lastAck = -2;
    const second = collector();
    second.start();
    await waitFor(
      () => lastAck,
      (seq) => seq === STORED + NEW - 1,
      {
        timeoutMs: 20_000,
        what: 'ack after restart',
      },
    );
    expect(await second.kill('SIGTERM')).toBe(0);
  }, 240_000); // the retention pass deletes 2.4 M rows; CI runs other files beside this one
});
