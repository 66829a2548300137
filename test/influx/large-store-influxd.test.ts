// The collector, as `npm run collector` runs it (same heap flags), on influxd 1.6.7 holding 5 M readings of one vehicle.
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ackTopic, encodeReading, speedTopic } from '../../core/contract.js';
import { InfluxdProcess } from '../../harness/influxd.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { ProgramProcess } from '../../harness/program.js';
import { waitFor } from '../../harness/wait.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { fillInfluxStore } from './fill.js';

const DEVICE = 'vehicle_01';
const DB = 'vehicle-data';
const STORED = 5_000_000;
/** Stored before the "crash" that left them out of the checkpoint: the start must read them back. */
const UNVOUCHED = 1000;
const NEW = 200;
const INTERVAL_MS = 100; // 5 M readings span 5.8 days: inside RETENTION_RAW's default 30 days
const dir = tempDir('large-influx-');
const influxd = new InfluxdProcess({ dir: `${dir}/influxd` });
const broker = new MosquittoProcess({ dir: `${dir}/mosquitto` });
let device: MqttClient;
let lastAck = -2;
const end = Date.now() - 60_000;

function collector(): ProgramProcess {
  return ProgramProcess.fromNpmScript('collector', [], {
    MQTT_BROKER_HOST: '127.0.0.1',
    MQTT_BROKER_PORT: String(broker.port),
    STORE: 'influxdb',
    INFLUXDB_URL: influxd.url,
    INFLUXDB_BUCKET: DB,
    LOG_LEVEL: 'info',
    // Trips on (the default): the first batch after the start carries old duplicates, which once
    // made geo replay days of history before its acks; they must not move the geo start back.
  });
}

const reading = (seq: number, time: number) =>
  encodeReading({ device_id: DEVICE, seq, timestamp: new Date(time).toISOString(), speed: 42.5 });

type Answer = { results: Array<{ series?: Array<{ values: unknown[][] }> }> };
const values = async (q: string) =>
  ((await influxd.query(q, DB)) as Answer).results[0]?.series?.[0]?.values ?? [];
const count = async (where: string) =>
  Number((await values(`SELECT count("seq") FROM "vehicle_speed" ${where}`))[0]?.[1] ?? 0);

async function startedCollector(): Promise<ProgramProcess> {
  const c = collector();
  c.start();
  await waitFor(
    () => c.stderr,
    (e) => e.includes('"msg":"subscribed"') || !c.running,
    { timeoutMs: 30_000, what: 'collector subscribed' },
  );
  expect(c.running, c.stderr.slice(-2000)).toBe(true);
  return c;
}

async function ackOf(seq: number, what: string): Promise<void> {
  await waitFor(
    () => lastAck,
    (s) => s === seq,
    { timeoutMs: 90_000, what },
  );
}

beforeAll(async () => {
  await Promise.all([influxd.start(), broker.start()]);
  await fillInfluxStore(influxd, {
    database: DB,
    deviceId: DEVICE,
    count: STORED,
    intervalMs: INTERVAL_MS,
    end,
    checkpointed: STORED - UNVOUCHED,
  });
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
  await Promise.all([broker.stop(), influxd.stop()]);
  removeTempDirs();
});

describe('collector on influxd 1.6.7 holding 5 M readings (npm script heap flags: 96 MB old space)', {
  timeout: 300_000,
}, () => {
  it('starts from the checkpoint, reads back only what lies above it, stores new readings once and acks exactly, also after a kill', async () => {
    const first = await startedCollector();
    // The 1,000 readings above the checkpoint were found: the ack covers every stored seq.
    await ackOf(STORED - 1, 'ack of the stored history');
    expect(first.stderr).toContain('"msg":"InfluxDB coverage loaded"');
    expect(first.stderr).not.toContain('reading their seqs once');

    const now = Date.now();
    for (let seq = 0; seq < 100; seq++) {
      device.publish(speedTopic(DEVICE), reading(seq, end - (STORED - seq) * INTERVAL_MS), {
        qos: 1,
      });
    }
    for (let seq = STORED - 100; seq < STORED; seq++)
      device.publish(speedTopic(DEVICE), reading(seq, end - 1000), { qos: 1 });
    for (let i = 0; i < NEW; i++)
      device.publish(speedTopic(DEVICE), reading(STORED + i, now + i), { qos: 1 });
    await ackOf(STORED + NEW - 1, 'ack of the new readings');
    expect(await first.kill('SIGTERM')).toBe(0);
    expect(first.stderr).toContain('"duplicates":200');
    expect(await count('')).toBe(STORED + NEW);
    expect(await count(`WHERE "seq" >= ${STORED}`)).toBe(NEW);

    // New readings, then SIGKILL at once: whatever no checkpoint holds yet is read back.
    const second = await startedCollector();
    await ackOf(STORED + NEW - 1, 'ack after a clean restart');
    const later = Date.now();
    for (let i = NEW; i < 2 * NEW; i++)
      device.publish(speedTopic(DEVICE), reading(STORED + i, later + i), { qos: 1 });
    await ackOf(STORED + 2 * NEW - 1, 'ack before the kill');
    await second.kill('SIGKILL');
    await device.publishAsync(ackTopic(DEVICE), '', { qos: 1, retain: true });
    lastAck = -2;
    const third = await startedCollector();
    await ackOf(STORED + 2 * NEW - 1, 'ack after the kill');
    expect(await third.kill('SIGTERM')).toBe(0);
    expect(await count(`WHERE "seq" >= ${STORED}`)).toBe(2 * NEW);

    // The buckets the new and replayed readings landed in equal aggregates of the raw points.
    const hourBefore = Math.floor((end - 3 * 3_600_000) / 3_600_000) * 3_600_000;
    const where = `WHERE time >= ${hourBefore}ms AND time < ${Date.now() + 3_600_000}ms`;
    for (const [rp, m, w] of [
      ['rollup_1m', 'vehicle_speed_1m', '1m'],
      ['rollup_1h', 'vehicle_speed_1h', '1h'],
    ] as const) {
      const fromRaw = await values(
        `SELECT count("speed"), min("speed"), max("speed") FROM "vehicle_speed" ${where} GROUP BY time(${w}) fill(none)`,
      );
      const stored = await values(`SELECT "count", "min", "max" FROM "${rp}"."${m}" ${where}`);
      expect(stored, rp).toEqual(fromRaw);
    }
  });
});
