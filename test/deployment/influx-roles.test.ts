// Least-privilege InfluxDB users per role, on influxd 1.6.7 with auth: the collector writes with WRITE only, the dashboard reads with READ only.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { setLogger } from '@influxdata/influxdb-client';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollector } from '../../collector/create-collector.js';
import type { ConfigOverrides } from '../../core/config.js';
import { InfluxdProcess } from '../../harness/influxd.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { waitFor } from '../../harness/wait.js';
import { getJson, testDashboard } from '../dashboard/helpers.js';
import { testConfig } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const DB = 'vehicle-data';
const secret = () => randomBytes(16).toString('hex');
const ADMIN = `admin:${secret()}`;
const WRITER = `collector_w:${secret()}`;
const READ_WRITE = `collector_rw:${secret()}`;
const READER = `dashboard_r:${secret()}`;
const influxd = new InfluxdProcess({ dir: tempDir('influxd-'), authEnabled: true });
const broker = new MosquittoProcess({ dir: tempDir() });
setLogger({ error: () => {}, warn: () => {} });

async function createUser(credentials: string, grant: 'READ' | 'WRITE' | 'ALL'): Promise<void> {
  const [user, password] = credentials.split(':');
  await influxd.query(`CREATE USER "${user}" WITH PASSWORD '${password}'`, undefined, ADMIN);
  await influxd.query(`GRANT ${grant} ON "${DB}" TO "${user}"`, undefined, ADMIN);
}

const count = async (): Promise<number> => {
  const r = (await influxd.query('SELECT COUNT(speed) FROM vehicle_speed', DB, ADMIN)) as {
    results: Array<{ series?: Array<{ values: number[][] }> }>;
  };
  return r.results[0]?.series?.[0]?.values[0]?.[1] ?? 0;
};

const roleConfig = (token: string, extra: ConfigOverrides = {}) =>
  testConfig(tempDir(), broker.port, {
    STORE: 'influxdb',
    INFLUXDB_URL: influxd.url,
    INFLUXDB_BUCKET: DB,
    INFLUXDB_TOKEN: token,
    ...extra,
  });

/** The collector as `npm run collector` builds it, with its warnings captured. */
function collectorFor(token: string) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const collector = createCollector(roleConfig(token), pino({ level: 'warn' }, sink));
  return { collector, warnings: () => lines.map((l) => (JSON.parse(l) as { msg: string }).msg) };
}

async function publish(deviceId: string, seqs: number[]): Promise<void> {
  const client = await mqtt.connectAsync({
    host: '127.0.0.1',
    port: broker.port,
    clientId: `pub-${deviceId}`,
  });
  for (const seq of seqs) {
    const reading = {
      device_id: deviceId,
      seq,
      timestamp: new Date(Date.now() - 1000 + seq).toISOString(),
      speed: seq,
    };
    await client.publishAsync(`vehicles/${deviceId}/speed`, JSON.stringify(reading), { qos: 1 });
  }
  await client.endAsync();
}

beforeAll(async () => {
  await Promise.all([influxd.start(), broker.start()]);
  const [user, password] = ADMIN.split(':');
  await influxd.createAdmin(user as string, password as string);
  // The operator creates the database (on InfluxDB 2: the bucket, at setup); no role can.
  await influxd.query(`CREATE DATABASE "${DB}"`, undefined, ADMIN);
  await createUser(WRITER, 'WRITE');
  await createUser(READ_WRITE, 'ALL');
  await createUser(READER, 'READ');
});

afterAll(async () => {
  await Promise.all([influxd.stop(), broker.stop()]);
  removeTempDirs();
});

describe('one InfluxDB user per role', () => {
  it('the collector stores with a WRITE-only user (and says it cannot rebuild its acks from the store)', async () => {
    const { collector, warnings } = collectorFor(WRITER);
    await collector.start();
    await collector.subscribed;
    try {
      await publish('vehicle_01', [0, 1, 2, 3, 4]);
      await waitFor(count, (n) => n === 5, { what: '5 readings stored' });
      // The collector counts a batch once its write has returned; InfluxDB may show it first.
      await waitFor(
        () => collector.stats().stored,
        (n) => n === 5,
        { what: 'stored counted' },
      );
      expect(warnings()).toContain('cannot read stored coverage back; watermarks start empty');
      // Trips read their checkpoints back: without READ they are off, said once, readings still stored.
      expect(warnings()).toContain(
        'trips, stops and geofence events need READ on the database: off for this run',
      );
    } finally {
      await collector.stop();
    }
  });

  it('with READ as well on the same database, a restarted collector rebuilds them', async () => {
    const { collector, warnings } = collectorFor(READ_WRITE);
    await collector.start();
    await collector.subscribed;
    try {
      await publish('vehicle_01', [5, 6]);
      await waitFor(count, (n) => n === 7, { what: '7 readings stored' });
      expect(warnings()).not.toContain('cannot read stored coverage back; watermarks start empty');
    } finally {
      await collector.stop();
    }
  });

  it('the dashboard reads everything with a READ-only user', async () => {
    const dashboard = testDashboard(roleConfig(READER));
    await dashboard.start();
    try {
      const base = `http://127.0.0.1:${dashboard.port}`;
      expect((await getJson(base, '/api/devices/vehicle_01/latest')).body).toMatchObject({
        device_id: 'vehicle_01',
        seq: 6,
        speed: 6,
      });
      expect((await getJson(base, '/api/health')).body).toMatchObject({ store: 'ok' });
    } finally {
      await dashboard.stop();
    }
  });

  it('each user can do only its part', async () => {
    const q = (auth: string, statement: string) => influxd.query(statement, DB, auth);
    await expect(q(WRITER, 'SELECT * FROM vehicle_speed')).rejects.toThrow(/403|not authorized/);
    await expect(q(READER, 'DROP MEASUREMENT vehicle_speed')).rejects.toThrow(/403|not authorized/);
    await expect(q(READ_WRITE, 'DROP DATABASE "vehicle-data"')).rejects.toThrow(
      /403|not authorized/,
    );
    expect(await count()).toBe(7);
  });
});
