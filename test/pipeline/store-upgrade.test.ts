// A month of speed-only readings written by the previous release, upgraded by `npm run collector` (as users run it): killed mid-upgrade it resumes intact; after it, history is unchanged and telemetry is stored.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ackTopic, encodeTelemetry, telemetryTopic } from '../../core/contract.js';
import { SqliteStore } from '../../core/store/sqlite-store.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { ProgramProcess } from '../../harness/program.js';
import { fillSqliteStore } from '../../harness/sqlite-fill.js';
import { waitFor } from '../../harness/wait.js';
import { fullReading } from '../helpers/telemetry.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const DEVICE = 'vehicle_01';
/** A month of two vehicles at one reading every 2 s: 2.6 M rows. */
const STORED = 15 * 86_400;
const NEW = 50;
const dir = tempDir('store-upgrade-');
const path = join(dir, 'telemetry.db');
const broker = new MosquittoProcess({ dir: join(dir, 'mosquitto') });
const END = Date.now() - 120_000;
let device: MqttClient;
let lastAck = -2;

function collector(env: Record<string, string> = {}): ProgramProcess {
  return ProgramProcess.fromNpmScript('collector', [], {
    MQTT_BROKER_HOST: '127.0.0.1',
    MQTT_BROKER_PORT: String(broker.port),
    SQLITE_PATH: path,
    COLLECTOR_STATE_PATH: join(dir, 'collector-state.db'),
    // Keep every row: this test compares the whole month before and after.
    RETENTION_RAW: '0',
    RETENTION_1M: '0',
    LOG_LEVEL: 'info',
    ...env,
  });
}

function read<T>(fn: (db: Database.Database) => T): T {
  const db = new Database(path, { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** Speed per day from the 1-hour tier, under whatever names the schema gives its columns. */
function dailySpeed(n: string, sum: string, min: string, max: string) {
  return read((db) =>
    db
      .prepare(
        `SELECT bucket - bucket % 86400000 AS day, sum(${n}) AS n, sum(${sum}) AS s,
                min(${min}) AS lo, max(${max}) AS hi
         FROM rollup_1h WHERE device_id = ? GROUP BY day ORDER BY day`,
      )
      .all(DEVICE),
  );
}

beforeAll(async () => {
  fillSqliteStore(path, {
    deviceIds: [DEVICE, 'vehicle_02'],
    perDevice: STORED,
    intervalMs: 2000,
    end: END,
    layout: 'v1',
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
}, 180_000);

afterAll(async () => {
  await device?.endAsync();
  await broker.stop();
  removeTempDirs();
});

describe('upgrading a month-sized speed-only store (schema v1 → v2)', () => {
  it('killed mid-upgrade leaves v1 intact; the next start upgrades; history equal, telemetry stored', async () => {
    const before = dailySpeed('n', 'sum', 'min', 'max');
    const rows = read((db) => db.prepare('SELECT count(*) FROM readings').pluck().get());
    expect(rows).toBe(2 * STORED);

    // SIGKILLed inside the upgrade's transaction (test-only fault): nothing of it remains.
    const crashing = collector({ FAULT_INJECTION: 'store-migration-crash' });
    crashing.start();
    expect(await crashing.exited()).toBeNull(); // killed by a signal, no exit code
    expect(crashing.stderr).toContain('SIGKILL inside the upgrade');
    expect(read((db) => db.pragma('user_version', { simple: true }))).toBe(1);
    expect(dailySpeed('n', 'sum', 'min', 'max')).toEqual(before);

    // The next start upgrades (readers waited meanwhile) and takes telemetry at once.
    const upgrading = collector();
    upgrading.start();
    await waitFor(
      () => upgrading.stderr,
      (e) => e.includes('"msg":"subscribed"') || !upgrading.running,
      { timeoutMs: 30_000, what: 'collector subscribed' },
    );
    expect(upgrading.running, upgrading.stderr.slice(-2000)).toBe(true);
    expect(upgrading.stderr).toContain('store upgraded from schema v1 to v4 (no row copied)');
    const now = Date.now() - 10_000;
    for (let i = 0; i < NEW; i++) {
      const r = fullReading(DEVICE, STORED + i, now + i * 100);
      device.publish(telemetryTopic(DEVICE), encodeTelemetry(r), { qos: 1 });
    }
    await waitFor(
      () => lastAck,
      (seq) => seq === STORED + NEW - 1,
      { what: 'ack of the telemetry readings' },
    );
    expect(await upgrading.kill('SIGTERM')).toBe(0);

    expect(read((db) => db.pragma('user_version', { simple: true }))).toBe(4);
    const after = dailySpeed('speed_n', 'speed_sum', 'speed_min', 'speed_max');
    // Every day of the month as before; the new readings' day gained exactly them.
    const newDay = Math.floor(now / 86_400_000) * 86_400_000;
    const speedSum = Array.from({ length: NEW }, (_, i) => fullReading(DEVICE, STORED + i, 0))
      .map((r) => r.values.speed as number)
      .reduce((a, b) => a + b, 0);
    const expected = (
      before as Array<{ day: number; n: number; s: number; lo: number; hi: number }>
    ).map((d) => (d.day === newDay ? { ...d, n: d.n + NEW, s: d.s + speedSum } : d));
    expect(
      (after as typeof expected).map((d) => ({ ...d, s: Math.round(d.s * 1000) / 1000 })),
    ).toEqual(
      expected.map((d) => ({
        ...d,
        s: Math.round(d.s * 1000) / 1000,
        lo: expect.any(Number),
        hi: expect.any(Number),
      })),
    );

    const store = new SqliteStore({ path, readonly: true });
    await store.start();
    try {
      const latest = await store.latest(DEVICE);
      const last = fullReading(DEVICE, STORED + NEW - 1, now + (NEW - 1) * 100);
      expect(latest?.seq).toBe(STORED + NEW - 1);
      for (const [key, value] of Object.entries(last.values)) {
        expect(latest?.signals[key], key).toEqual({ value, time: now + (NEW - 1) * 100 });
      }
      // The other vehicle, untouched since the upgrade, keeps its latest speed.
      expect((await store.latest('vehicle_02'))?.signals.speed?.time).toBe(END);
      const history = await store.history({
        deviceId: DEVICE,
        signal: 'fuel_pct',
        from: now - 1000,
        to: now + 60_000,
        maxPoints: 10,
        now: Date.now(),
      });
      expect(history.points.reduce((n, p) => n + p.count, 0)).toBe(NEW);
    } finally {
      await store.stop();
    }
  }, 240_000);
});
