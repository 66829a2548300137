// The dashboard on influxd 1.6.7 as a READ-only user: it serves history and latest, it cannot write, and hostile parameters change nothing.
import { randomBytes } from 'node:crypto';
import { setLogger } from '@influxdata/influxdb-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../core/config.js';
import { readingOfSpeed } from '../../core/contract.js';
import { InfluxStore } from '../../core/store/influx-store.js';
import type { Dashboard } from '../../dashboard/dashboard.js';
import { InfluxdProcess } from '../../harness/influxd.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { getJson, testDashboard } from '../dashboard/helpers.js';
import { NOW, READINGS } from '../dashboard/route-fixture.js';
import { testConfig } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { ATTACK_BUDGET, attackShapes, attackSlot, slots } from './dashboard-hostile.js';

const DB = 'vehicle-data';
const ADMIN = `admin:${randomBytes(16).toString('hex')}`;
const READER = `dashboard_reader:${randomBytes(16).toString('hex')}`;
const influxd = new InfluxdProcess({ dir: tempDir('influxd-'), authEnabled: true });
const broker = new MosquittoProcess({ dir: tempDir() });
let config: Config;
let dashboard: Dashboard;
let base: string;
// The official client logs each failed write to the console; the refusal asserted here is expected.
setLogger({ error: () => {}, warn: () => {} });

/** Everything an admin can see: databases, users and their grants, series, every point. */
async function everything(): Promise<unknown> {
  const q = (statement: string, db?: string) => influxd.query(statement, db, ADMIN);
  return {
    databases: await q('SHOW DATABASES'),
    users: await q('SHOW USERS'),
    grants: await q('SHOW GRANTS FOR "dashboard_reader"'),
    measurements: await q('SHOW MEASUREMENTS', DB),
    series: await q('SHOW SERIES', DB),
    points: await q('SELECT * FROM vehicle_speed', DB),
  };
}

const influxOverrides = (token: string) => ({
  STORE: 'influxdb',
  INFLUXDB_URL: influxd.url,
  INFLUXDB_BUCKET: DB,
  INFLUXDB_TOKEN: token,
  INFLUXDB_API: 'v1',
});

beforeAll(async () => {
  await Promise.all([influxd.start(), broker.start()]);
  const [user, password] = ADMIN.split(':');
  await influxd.createAdmin(user as string, password as string);
  // What the collector would have written (everything but the 24 h of vehicle_03).
  const writer = new InfluxStore({
    url: influxd.url,
    token: ADMIN,
    org: 'my-org',
    bucket: DB,
    api: 'v1',
  });
  await writer.start();
  await writer.write(READINGS.filter((r) => r.device_id !== 'vehicle_03').map(readingOfSpeed));
  await writer.stop();
  const [reader, readerPassword] = READER.split(':');
  await influxd.query(
    `CREATE USER "${reader}" WITH PASSWORD '${readerPassword}'`,
    undefined,
    ADMIN,
  );
  await influxd.query(`GRANT READ ON "${DB}" TO "${reader}"`, undefined, ADMIN);

  config = testConfig(tempDir(), broker.port, {
    ...influxOverrides(READER),
    DASHBOARD_RATE_LIMIT_PER_MIN: String(ATTACK_BUDGET),
  });
  dashboard = testDashboard(config, { now: () => NOW });
  await dashboard.start();
  await dashboard.subscribed;
  base = `http://127.0.0.1:${dashboard.port}`;
});

afterAll(async () => {
  await dashboard?.stop();
  await Promise.all([influxd.stop(), broker.stop()]);
  removeTempDirs();
});

describe('a READ-only InfluxDB user is all the dashboard needs', () => {
  it('health, status, latest and history answer from the store', async () => {
    expect((await getJson(base, '/api/health')).body).toMatchObject({ status: 'ok', store: 'ok' });
    expect(Object.keys((await getJson(base, '/api/devices/status')).body as object)).toEqual([
      'vehicle_01',
      'vehicle_02',
    ]);
    expect(await getJson(base, '/api/devices/vehicle_01/latest')).toMatchObject({
      status: 200,
      body: { device_id: 'vehicle_01', speed: 50, timestamp: '2026-01-01T00:09:03.500Z', seq: 4 },
    });
    // The same answer as on SQLite (test/dashboard/routes.test.ts).
    expect((await getJson(base, '/api/devices/vehicle_01/history')).body).toEqual({
      device_id: 'vehicle_01',
      from: '2026-01-01T00:05:00.000Z',
      to: '2026-01-01T00:10:00.000Z',
      window_ms: 2000,
      data_points: [
        { timestamp: '2026-01-01T00:09:00.000Z', speed: 15, min: 10, max: 20, count: 2 },
        { timestamp: '2026-01-01T00:09:02.000Z', speed: 40, min: 30, max: 50, count: 2 },
      ],
    });
  });

  it('the same credentials cannot write, nor create a database', async () => {
    const misuse = new InfluxStore({
      url: influxd.url,
      token: READER,
      org: 'my-org',
      bucket: DB,
      api: 'v1',
      timeoutMs: 5000,
    });
    await misuse.start();
    try {
      await expect(
        misuse.write([
          readingOfSpeed({
            device_id: 'intruder',
            seq: 0,
            timestamp: new Date(NOW).toISOString(),
            speed: 1,
          }),
        ]),
      ).rejects.toThrow(/403|not authorized/);
    } finally {
      await misuse.stop();
    }
    const other = new InfluxStore({
      url: influxd.url,
      token: READER,
      org: 'my-org',
      bucket: 'another-db',
      api: 'v1',
      timeoutMs: 5000,
    });
    await expect(other.start()).rejects.toThrow(/403|not authorized/);
    await other.stop();
  });
});

describe('hostile values in every parameter of the store routes, on InfluxDB', () => {
  let before: unknown;
  beforeAll(async () => {
    before = await everything();
  });

  it.each(slots('store').map((s) => [s.what, s] as const))(
    '%s → 400/404, nothing echoed',
    async (_what, slot) => {
      expect(await attackSlot(base, slot)).toEqual([]);
    },
  );

  it('repeated parameters, arrays, objects, prototype keys, raw and double escapes', async () => {
    expect(await attackShapes(base)).toEqual([]);
  });

  it('InfluxDB is unchanged: databases, users, grants, series, points', async () => {
    expect(await everything()).toEqual(before);
    expect(JSON.stringify(before)).toContain('"vehicle_01"');
    expect((await getJson(base, '/api/devices/vehicle_02/latest')).body).toMatchObject({ seq: 7 });
  });
});
