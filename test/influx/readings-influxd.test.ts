// The raw readings route and HTTP ingest on influxd 1.6.7: pages, cursor, speed band, CSV/NDJSON exports parsed back equal to what was written.
import { randomBytes } from 'node:crypto';
import { setLogger } from '@influxdata/influxdb-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readingOfSpeed, type SpeedReading } from '../../core/contract.js';
import { BUILTIN_CATALOG } from '../../core/signals/catalog.js';
import { InfluxStore } from '../../core/store/influx-store.js';
import type { Dashboard } from '../../dashboard/dashboard.js';
import { InfluxdProcess } from '../../harness/influxd.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { getJson, testDashboard } from '../dashboard/helpers.js';
import { NOW, READINGS } from '../dashboard/route-fixture.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { send } from '../security/dashboard-http.js';
import { influxConfig } from './helpers.js';

const TOKEN = randomBytes(24).toString('hex');
const influxd = new InfluxdProcess({ dir: tempDir('influxd-') });
const broker = new MosquittoProcess({ dir: tempDir() });
let dashboard: Dashboard;
let base: string;
setLogger({ error: () => {}, warn: () => {} });

interface Row {
  seq: number;
  timestamp: string;
  speed: number;
}
const rowsOf = (deviceId: string, filter: (r: SpeedReading) => boolean = () => true): Row[] =>
  READINGS.filter((r) => r.device_id === deviceId && filter(r)).map(
    ({ seq, timestamp, speed }) => ({
      seq,
      timestamp,
      speed,
    }),
  );

beforeAll(async () => {
  await Promise.all([influxd.start(), broker.start()]);
  const config = influxConfig(tempDir(), broker.port, influxd.url, {
    INFLUXDB_API: 'v1',
    DASHBOARD_API_TOKEN: TOKEN,
    DASHBOARD_RATE_LIMIT_PER_MIN: '100000',
    // The fixture's readings are dated around NOW (2026-01-01): no retention policy may drop them
    // as too old, neither the one this writer sets nor the dashboard's ingest store.
    RETENTION_RAW: '0',
    RETENTION_1M: '0',
  });
  const writer = new InfluxStore({
    ...config.store.influx,
    retention: config.store.retention,
    readonly: false,
  });
  await writer.start();
  await writer.write(READINGS.map(readingOfSpeed));
  await writer.stop();
  dashboard = testDashboard(config, { now: () => NOW });
  await dashboard.start();
  await dashboard.subscribed;
  base = `http://127.0.0.1:${dashboard.port}`;
}, 120_000);

afterAll(async () => {
  await dashboard?.stop();
  await Promise.all([influxd.stop(), broker.stop()]);
  removeTempDirs();
});

describe('GET /api/devices/:id/readings on InfluxDB', () => {
  it('the same pages as on SQLite: time order, last N, bounds, speed band', async () => {
    const all = await getJson(base, '/api/devices/vehicle_01/readings');
    expect(all.body).toEqual({
      device_id: 'vehicle_01',
      readings: rowsOf('vehicle_01'),
      next_cursor: null,
    });
    const last2 = (await getJson(base, '/api/devices/vehicle_01/readings?order=desc&limit=2'))
      .body as { readings: Row[] };
    expect(last2.readings.map((r) => r.seq)).toEqual([4, 3]);
    const range = (
      await getJson(
        base,
        '/api/devices/vehicle_01/readings?from=2026-01-01T00:09:00Z&to=2026-01-01T00:09:02.000Z&min_speed=15',
      )
    ).body as { readings: Row[] };
    expect(range.readings.map((r) => r.seq)).toEqual([2, 3]);
  });

  it('the cursor walks a day in pages, each reading exactly once, both orders', async () => {
    for (const order of ['asc', 'desc'] as const) {
      const rows: Row[] = [];
      let path = `/api/devices/vehicle_03/readings?order=${order}&limit=10000&max_speed=60`;
      for (;;) {
        const body = (await getJson(base, path)).body as {
          readings: Row[];
          next_cursor: string | null;
        };
        rows.push(...body.readings);
        if (body.next_cursor === null) break;
        path = `/api/devices/vehicle_03/readings?cursor=${body.next_cursor}&limit=10000`;
      }
      const want = rowsOf('vehicle_03', (r) => r.speed <= 60);
      expect(rows).toEqual(order === 'asc' ? want : want.reverse());
    }
  });

  it('a forged cursor at the edge of time is an answer, not an InfluxDB error', async () => {
    const forged = (ts: number, o: string) =>
      Buffer.from(
        JSON.stringify({
          v: 1,
          d: 'vehicle_01',
          o,
          f: -8.64e15,
          t: 8.64e15,
          lo: null,
          hi: null,
          ts,
          sq: 0,
        }),
      ).toString('base64url');
    const late = await getJson(
      base,
      `/api/devices/vehicle_01/readings?cursor=${forged(8e15, 'asc')}`,
    );
    expect(late).toMatchObject({ status: 200, body: { readings: [], next_cursor: null } });
    const early = await getJson(
      base,
      `/api/devices/vehicle_01/readings?cursor=${forged(-8e15, 'asc')}`,
    );
    expect((early.body as { readings: Row[] }).readings).toHaveLength(5);
    const desc = await getJson(
      base,
      `/api/devices/vehicle_01/readings?cursor=${forged(8e15, 'desc')}`,
    );
    expect((desc.body as { readings: Row[] }).readings.map((r) => r.seq)).toEqual([4, 3, 2, 1, 0]);
  });

  it('CSV and NDJSON exports parse back to exactly what was written', async () => {
    const csv = await (await fetch(`${base}/api/devices/vehicle_03/readings?format=csv`)).text();
    const lines = csv.trimEnd().split('\n');
    // The catalog's columns (BUILTIN_CATALOG.csvColumns()); a speed-only vehicle fills four.
    const header = (lines[0] ?? '').split(',');
    expect(header).toEqual(BUILTIN_CATALOG.csvColumns());
    const col = (name: string) => header.indexOf(name);
    expect(
      lines.slice(1).map((l) => {
        const cells = l.split(',');
        expect(cells.filter((c) => c !== '')).toHaveLength(4);
        return {
          seq: Number(cells[col('seq')]),
          timestamp: cells[col('timestamp')],
          speed: Number(cells[col('speed')]),
        };
      }),
    ).toEqual(rowsOf('vehicle_03'));
    // A fresh connection: right after a CSV export over InfluxDB, the kept-alive one was sometimes
    // reset before the next answer's headers (ECONNRESET; cause not found yet, noted on issue 24).
    const ndjson = (
      await send(base, '/api/devices/vehicle_03/readings?format=ndjson&order=desc&min_speed=100')
    ).text;
    const parsed = ndjson
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as SpeedReading);
    expect(parsed).toEqual(
      READINGS.filter((r) => r.device_id === 'vehicle_03' && r.speed >= 100).reverse(),
    );
  });
});

describe('POST /api/readings on InfluxDB', () => {
  it('writes points the routes then serve; repeats within what it wrote are duplicates', async () => {
    const r = (seq: number) => ({
      device_id: 'vehicle_04',
      seq,
      timestamp: new Date(NOW - 10_000 + seq).toISOString(),
      speed: seq,
    });
    const post = (body: unknown) =>
      send(base, '/api/readings', {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const first = await post([r(0), r(1), r(1), { ...r(2), speed: -1 }]);
    expect(first.json).toEqual({
      stored: 2,
      duplicates: 1,
      rejected: [{ index: 3, reason: 'out_of_range' }],
      invalid_signals: {},
      unknown_signals: 0,
    });
    expect((await post([r(1), r(2)])).json).toEqual({
      stored: 1,
      duplicates: 1,
      rejected: [],
      invalid_signals: {},
      unknown_signals: 0,
    });
    const page = (await getJson(base, '/api/devices/vehicle_04/readings')).body as {
      readings: Row[];
    };
    expect(page.readings.map((x) => x.seq)).toEqual([0, 1, 2]);
  });
});
