// GET /api/devices/:id/readings on a real dashboard (SQLite, Mosquitto): pages, cursor, bounds, speed band, bad parameters, exports parsed back.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_CATALOG } from '../../core/signals/catalog.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { runScript } from '../scripts/run-script.js';
import { send } from '../security/dashboard-http.js';
import { getJson } from './helpers.js';
import { BASE, DAY, NOW, type RouteFixture, startRouteFixture } from './route-fixture.js';

let fixture: RouteFixture;

beforeAll(async () => {
  fixture = await startRouteFixture({ DASHBOARD_RATE_LIMIT_PER_MIN: '100000' });
});

afterAll(async () => {
  await fixture?.stop();
  removeTempDirs();
});

interface Row {
  seq: number;
  timestamp: string;
  speed: number;
}
interface Page {
  device_id: string;
  readings: Row[];
  next_cursor: string | null;
}

/** node:http without keep-alive: a loaded machine cannot hit a socket the server is closing. */
const page = async (path: string) => {
  const res = await send(fixture.base, path);
  expect(res.status, res.text.slice(0, 200)).toBe(200);
  return res.json as Page;
};
const text = async (path: string) => {
  const res = await send(fixture.base, path);
  return { res, body: res.text };
};

/** Every row of the store for a device, as the route renders it, in (ts, seq) order. */
function storeRows(path: string, deviceId: string, order: 'ASC' | 'DESC' = 'ASC'): Row[] {
  const db = new Database(path, { readonly: true });
  try {
    return (
      db
        .prepare(
          `SELECT seq, ts, speed FROM readings WHERE device_id = ? ORDER BY ts ${order}, seq ${order}`,
        )
        .all(deviceId) as Array<{ seq: number; ts: number; speed: number }>
    ).map((r) => ({ seq: r.seq, timestamp: new Date(r.ts).toISOString(), speed: r.speed }));
  } finally {
    db.close();
  }
}

/** Follows next_cursor from the first page (the cursor carries the query; limit is per page). */
async function allPages(path: string, query: string): Promise<{ rows: Row[]; pages: number }> {
  const limit = /limit=(\d+)/.exec(query)?.[1];
  const rows: Row[] = [];
  let p = await page(`${path}?${query}`);
  let pages = 1;
  rows.push(...p.readings);
  while (p.next_cursor !== null) {
    p = await page(`${path}?cursor=${p.next_cursor}${limit ? `&limit=${limit}` : ''}`);
    pages += 1;
    rows.push(...p.readings);
  }
  return { rows, pages };
}

describe('JSON pages', () => {
  it('answers every reading in time order; "last N" is order=desc&limit=N', async () => {
    expect(await page('/api/devices/vehicle_01/readings')).toEqual({
      device_id: 'vehicle_01',
      readings: [
        { seq: 0, timestamp: '2026-01-01T00:01:00.000Z', speed: 99 },
        { seq: 1, timestamp: '2026-01-01T00:09:00.000Z', speed: 10 },
        { seq: 2, timestamp: '2026-01-01T00:09:01.000Z', speed: 20 },
        { seq: 3, timestamp: '2026-01-01T00:09:02.000Z', speed: 30 },
        { seq: 4, timestamp: '2026-01-01T00:09:03.500Z', speed: 50 },
      ],
      next_cursor: null,
    });
    const last2 = await page('/api/devices/vehicle_01/readings?order=desc&limit=2');
    expect(last2.readings.map((r) => r.seq)).toEqual([4, 3]);
    expect(last2.next_cursor).toEqual(expect.any(String));
  });

  it('from and to (inclusive), min_speed and max_speed (inclusive)', async () => {
    const range = await page(
      '/api/devices/vehicle_01/readings?from=2026-01-01T00:09:00Z&to=2026-01-01T00:09:02.000Z',
    );
    expect(range.readings.map((r) => r.seq)).toEqual([1, 2, 3]);
    const band = await page('/api/devices/vehicle_01/readings?min_speed=20&max_speed=50');
    expect(band.readings.map((r) => r.speed)).toEqual([20, 30, 50]);
    const offset = await page(
      '/api/devices/vehicle_01/readings?from=2026-01-01T01:09:00%2B01:00&min_speed=25.5',
    );
    expect(offset.readings.map((r) => r.seq)).toEqual([3, 4]);
  });

  it('the cursor walks a day of readings in pages, each exactly once, both orders', async () => {
    for (const order of ['asc', 'desc'] as const) {
      const { rows, pages } = await allPages(
        '/api/devices/vehicle_03/readings',
        `order=${order}&limit=10000`,
      );
      expect(pages).toBe(9);
      expect(rows).toEqual(
        storeRows(fixture.sqlitePath, 'vehicle_03', order === 'asc' ? 'ASC' : 'DESC'),
      );
    }
    const band = await allPages('/api/devices/vehicle_03/readings', 'min_speed=100&limit=700');
    expect(band.rows).toEqual(
      storeRows(fixture.sqlitePath, 'vehicle_03').filter((r) => r.speed >= 100),
    );
  });

  it('a cursor repeats its query: the same parameters may be given again, others not', async () => {
    const first = await page('/api/devices/vehicle_01/readings?order=desc&limit=2&max_speed=60');
    const cursor = first.next_cursor as string;
    const again = await page(
      `/api/devices/vehicle_01/readings?cursor=${cursor}&order=desc&max_speed=60&limit=2`,
    );
    expect(again.readings.map((r) => r.seq)).toEqual([2, 1]);
    const bad = await getJson(
      fixture.base,
      `/api/devices/vehicle_01/readings?cursor=${cursor}&order=asc`,
    );
    expect(bad).toMatchObject({
      status: 400,
      body: {
        error: 'invalid_parameter',
        message:
          'cursor belongs to another query: leave out from, to, order, signals, min_speed and max_speed, or repeat them',
      },
    });
    const other = await getJson(fixture.base, `/api/devices/vehicle_02/readings?cursor=${cursor}`);
    expect(other.body).toEqual({
      error: 'invalid_parameter',
      message: 'cursor belongs to another device',
    });
  });

  it('a registered vehicle without readings has an empty page; an unknown one is a 404', async () => {
    expect(await getJson(fixture.base, '/api/devices/vehicle_99/readings')).toMatchObject({
      status: 404,
      body: { error: 'not_found', message: 'unknown device vehicle_99' },
    });
    const range = await page(
      `/api/devices/vehicle_02/readings?from=${new Date(NOW).toISOString()}`,
    );
    expect(range.readings).toEqual([]);
  });
});

describe('bad parameters: 400 {error, message}', () => {
  const bad = (message: string) => ({ error: 'invalid_parameter', message });
  const LIMIT = 'limit must be an integer from 1 to 10000';
  const MIN = 'min_speed must be a number from 0 to 300 (up to 6 decimals)';
  const CURSOR = 'cursor is not one this server gave out (pass next_cursor as it came)';
  const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const cases: Array<[string, unknown]> = [
    ['limit=0', bad(LIMIT)],
    ['limit=10001', bad(LIMIT)],
    ['limit=1.5', bad(LIMIT)],
    ['limit=-1', bad(LIMIT)],
    ['limit=1e3', bad(LIMIT)],
    ['order=up', bad('order must be asc or desc')],
    ['order=ASC', bad('order must be asc or desc')],
    ['min_speed=-1', bad(MIN)],
    ['min_speed=301', bad(MIN)],
    ['min_speed=1e2', bad(MIN)],
    ['min_speed=0x10', bad(MIN)],
    ['min_speed=1.1234567', bad(MIN)],
    ['min_speed=NaN', bad(MIN)],
    ['min_speed=50&max_speed=40', bad('min_speed must not be above max_speed')],
    ['from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z', bad('from must not be after to')],
    ['from=yesterday', bad('from must be an ISO 8601 date-time with Z or an offset')],
    ['format=xml', bad('format must be csv or ndjson')],
    [
      'format=csv&limit=10',
      bad('format streams the whole range: cursor and limit are for JSON pages'),
    ],
    ['cursor=abc', bad(CURSOR)],
    ['cursor=%7B%7D', bad(CURSOR)],
    [`cursor=${'A'.repeat(513)}`, bad(CURSOR)],
    [`cursor=${forged({ v: 1, d: 'vehicle_01', o: 'sideways' })}`, bad(CURSOR)],
    [
      `cursor=${forged({ v: 1, d: 'vehicle_01', o: 'asc', f: 0, t: 1, lo: null, hi: null, ts: 0, sq: -5 })}`,
      bad(CURSOR),
    ],
    [
      `cursor=${forged({ v: 1, d: 'vehicle_01', o: 'asc', f: -1e300, t: 1, lo: null, hi: null, ts: 0, sq: 0 })}`,
      bad(CURSOR),
    ],
    ['limit=5&limit=6', bad('limit must appear once; given more than once')],
    ['duration=5m', bad('unknown parameter: duration')],
  ];
  it.each(cases)('%s', async (query, body) => {
    expect(await getJson(fixture.base, `/api/devices/vehicle_01/readings?${query}`)).toMatchObject({
      status: 400,
      body,
    });
  });
});

describe('exports: the whole range streamed, parsed back equal to the store', () => {
  it('CSV: header, one line per reading, time order', async () => {
    const { res, body } = await text('/api/devices/vehicle_03/readings?format=csv');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(
      'attachment; filename="vehicle_03-readings.csv"',
    );
    const lines = body.split('\n');
    // Every column of the catalog; a speed-only vehicle leaves the others empty.
    expect(lines[0]).toBe(BUILTIN_CATALOG.csvColumns().join(','));
    expect(lines.at(-1)).toBe('');
    const empty = ','.repeat(BUILTIN_CATALOG.csvColumns().length - 4);
    const rows = lines.slice(1, -1).map((l) => {
      const [device, seq, timestamp, speed] = l.split(',');
      expect(device).toBe('vehicle_03');
      expect(l.endsWith(`${speed}${empty}`)).toBe(true);
      return { seq: Number(seq), timestamp: timestamp as string, speed: Number(speed) };
    });
    expect(rows).toHaveLength(DAY / 1000);
    expect(rows).toEqual(storeRows(fixture.sqlitePath, 'vehicle_03'));
  });

  it('CSV with signals=speed: the original four columns, byte for byte', async () => {
    const { body } = await text('/api/devices/vehicle_03/readings?format=csv&signals=speed');
    const want = storeRows(fixture.sqlitePath, 'vehicle_03').map(
      (r) => `vehicle_03,${r.seq},${r.timestamp},${r.speed}\n`,
    );
    expect(body).toBe(`device_id,seq,timestamp,speed\n${want.join('')}`);
  });

  it('NDJSON: one speed payload per line, newest first with order=desc, a speed band', async () => {
    const { res, body } = await text(
      '/api/devices/vehicle_03/readings?format=ndjson&order=desc&max_speed=10.25',
    );
    expect(res.headers['content-type']).toBe('application/x-ndjson; charset=utf-8');
    const lines = body.trim().split('\n');
    const parsed = lines.map((l) => JSON.parse(l) as Row & { device_id: string });
    expect(parsed.every((r) => r.device_id === 'vehicle_03')).toBe(true);
    expect(parsed.map(({ seq, timestamp, speed }) => ({ seq, timestamp, speed }))).toEqual(
      storeRows(fixture.sqlitePath, 'vehicle_03', 'DESC').filter((r) => r.speed <= 10.25),
    );
  });

  it('an empty range is a header only; HEAD sends headers and no body', async () => {
    const empty = await text(
      `/api/devices/vehicle_01/readings?format=csv&from=${new Date(BASE + DAY).toISOString()}`,
    );
    expect(empty.body).toBe(`${BUILTIN_CATALOG.csvColumns().join(',')}\n`);
    const head = await send(fixture.base, '/api/devices/vehicle_03/readings?format=ndjson', {
      method: 'HEAD',
    });
    expect([head.status, head.text, head.headers['content-type']]).toEqual([
      200,
      '',
      'application/x-ndjson; charset=utf-8',
    ]);
  });

  it('a client that leaves midway does not disturb the next request', async () => {
    const controller = new AbortController();
    const res = await fetch(`${fixture.base}/api/devices/vehicle_03/readings?format=csv`, {
      signal: controller.signal,
    });
    const reader = res.body?.getReader();
    await reader?.read();
    controller.abort();
    expect((await getJson(fixture.base, '/api/health')).status).toBe(200);
  });

  it('a CSV export imports again with npm run import: the same readings', async () => {
    const dir = tempDir('export-import-');
    const csv = join(dir, 'vehicle_01.csv');
    writeFileSync(csv, (await text('/api/devices/vehicle_01/readings?format=csv')).body);
    const target = join(dir, 'imported.db');
    const run = await runScript('import', [csv, '--json'], { SQLITE_PATH: target });
    expect(run.code, run.stderr).toBe(0);
    expect(storeRows(target, 'vehicle_01')).toEqual(storeRows(fixture.sqlitePath, 'vehicle_01'));
  });
});
