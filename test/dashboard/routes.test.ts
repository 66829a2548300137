// REST routes against a real SQLite store holding known readings and a real Mosquitto: bodies, 4xx classes, 503.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpeedReading } from '../../core/contract.js';
import { SqliteStore } from '../../core/store/sqlite-store.js';
import type { Dashboard } from '../../dashboard/dashboard.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { waitFor } from '../../harness/wait.js';
import { testConfig } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { getJson, TEST_VERSION, testDashboard } from './helpers.js';

const BASE = Date.parse('2026-01-01T00:00:00.000Z');
const NOW = BASE + 10 * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();
const reading = (device_id: string, seq: number, at: number, speed: number): SpeedReading => ({
  device_id,
  seq,
  timestamp: iso(at),
  speed,
});
const DAY = 86_400_000;

/** vehicle_01: one old reading, then two pairs 2 s apart; vehicle_02: one a second ago; vehicle_03: 24 h at 1 Hz. */
const READINGS: SpeedReading[] = [
  reading('vehicle_01', 0, BASE + 60_000, 99),
  reading('vehicle_01', 1, BASE + 540_000, 10),
  reading('vehicle_01', 2, BASE + 541_000, 20),
  reading('vehicle_01', 3, BASE + 542_000, 30),
  reading('vehicle_01', 4, BASE + 543_500, 50),
  reading('vehicle_02', 7, NOW - 1000, 42.5),
  ...Array.from({ length: DAY / 1000 }, (_, i) =>
    reading('vehicle_03', i, NOW - DAY + 1000 + i * 1000, (i % 120) + 0.25),
  ),
];

let broker: MosquittoProcess;
let dashboard: Dashboard;
let base: string;
const dir = tempDir();

beforeAll(async () => {
  broker = new MosquittoProcess({ dir });
  await broker.start();
  const config = testConfig(dir, broker.port, { OFFLINE_AFTER_S: '10' });
  const seedStore = new SqliteStore({ path: config.store.sqlitePath });
  await seedStore.start();
  await seedStore.write(READINGS);
  await seedStore.stop();
  dashboard = testDashboard(config, { now: () => NOW });
  await dashboard.start();
  await dashboard.subscribed;
  base = `http://127.0.0.1:${dashboard.port}`;
});

afterAll(async () => {
  await dashboard?.stop();
  await broker?.stop();
  removeTempDirs();
});

const get = (path: string) => getJson(base, path);

describe('JSON routes', () => {
  it('GET /api/health: broker connected, store answering, version', async () => {
    expect(await get('/api/health')).toEqual({
      status: 200,
      contentType: 'application/json; charset=utf-8',
      body: { status: 'ok', broker: 'connected', store: 'ok', version: TEST_VERSION },
    });
  });

  it('GET /api/devices/status: every stored device, offline once silent for OFFLINE_AFTER_S', async () => {
    expect((await get('/api/devices/status')).body).toEqual({
      vehicle_01: {
        status: 'offline',
        last_seen: '2026-01-01T00:09:03.500Z',
        time_since_last_seen: 56.5,
      },
      vehicle_02: {
        status: 'online',
        last_seen: '2026-01-01T00:09:59.000Z',
        time_since_last_seen: 1,
      },
      vehicle_03: {
        status: 'online',
        last_seen: '2026-01-01T00:10:00.000Z',
        time_since_last_seen: 0,
      },
    });
  });

  it('GET /api/devices/:id/latest: the newest stored reading', async () => {
    expect(await get('/api/devices/vehicle_02/latest')).toMatchObject({
      status: 200,
      body: { device_id: 'vehicle_02', speed: 42.5, timestamp: '2026-01-01T00:09:59.000Z', seq: 7 },
    });
    expect((await get('/api/devices/vehicle_01/latest')).body).toEqual({
      device_id: 'vehicle_01',
      speed: 50,
      timestamp: '2026-01-01T00:09:03.500Z',
      seq: 4,
    });
  });

  it('history, default 5 minutes ending now, 300 points: 2 s windows with mean/min/max/count', async () => {
    expect(await get('/api/devices/vehicle_01/history')).toEqual({
      status: 200,
      contentType: 'application/json; charset=utf-8',
      body: {
        device_id: 'vehicle_01',
        from: '2026-01-01T00:05:00.000Z',
        to: '2026-01-01T00:10:00.000Z',
        window_ms: 2000,
        data_points: [
          { timestamp: '2026-01-01T00:09:00.000Z', speed: 15, min: 10, max: 20, count: 2 },
          { timestamp: '2026-01-01T00:09:02.000Z', speed: 40, min: 30, max: 50, count: 2 },
        ],
      },
    });
  });

  it('history with from and to (inclusive), and with more points: 10 ms windows', async () => {
    const q = 'from=2026-01-01T00:09:00Z&to=2026-01-01T00:09:02.000Z';
    expect((await get(`/api/devices/vehicle_01/history?${q}`)).body).toEqual({
      device_id: 'vehicle_01',
      from: '2026-01-01T00:09:00.000Z',
      to: '2026-01-01T00:09:02.000Z',
      window_ms: 10,
      data_points: [
        { timestamp: '2026-01-01T00:09:00.000Z', speed: 10, min: 10, max: 10, count: 1 },
        { timestamp: '2026-01-01T00:09:01.000Z', speed: 20, min: 20, max: 20, count: 1 },
        { timestamp: '2026-01-01T00:09:02.000Z', speed: 30, min: 30, max: 30, count: 1 },
      ],
    });
  });

  it('history: duration anchored by from or to; from alone runs until now; offsets accepted', async () => {
    const span = async (q: string) => {
      const body = (await get(`/api/devices/vehicle_01/history?${q}`)).body as {
        from: string;
        to: string;
        data_points: unknown[];
      };
      return [body.from, body.to, body.data_points.length];
    };
    // 10 min / 300 points → 5 s windows: the old reading, then all four recent ones in one window.
    expect(await span('duration=10m')).toEqual([iso(BASE), iso(NOW), 2]);
    expect(await span('from=2026-01-01T00:00:30Z&duration=1m')).toEqual([
      '2026-01-01T00:00:30.000Z',
      '2026-01-01T00:01:30.000Z',
      1,
    ]);
    expect(await span('to=2026-01-01T00:09:01Z&duration=2s')).toEqual([
      '2026-01-01T00:08:59.000Z',
      '2026-01-01T00:09:01.000Z',
      2,
    ]);
    expect(await span('from=2026-01-01T00:09:02Z')).toEqual([
      '2026-01-01T00:09:02.000Z',
      iso(NOW),
      2,
    ]);
    expect(await span('to=2026-01-01T02:09:01%2B02:00&points=2')).toEqual([
      '2026-01-01T00:04:01.000Z',
      '2026-01-01T00:09:01.000Z',
      1,
    ]);
    // A device seen live or stored but quiet in the range: 200 with no points, not a 404.
    expect(await span('duration=1s')).toEqual([iso(NOW - 1000), iso(NOW), 0]);
  });

  it('history of 24 h at 1 Hz answers in a few hundred 5-minute windows holding every reading', async () => {
    const res = await get('/api/devices/vehicle_03/history?duration=24h');
    const body = res.body as { window_ms: number; data_points: Array<{ count: number }> };
    expect(body.window_ms).toBe(300_000);
    expect(body.data_points.length).toBeGreaterThan(280);
    expect(body.data_points.length).toBeLessThanOrEqual(300);
    expect(body.data_points.reduce((n, p) => n + p.count, 0)).toBe(DAY / 1000);
    expect(Math.max(...body.data_points.map((p) => p.count))).toBeLessThanOrEqual(300);
  });

  it('boundaries are accepted: 30d, 720h, points 2 and 10000', async () => {
    for (const q of [
      'duration=30d',
      'duration=720h',
      'points=2',
      'points=10000',
      'duration=0030d',
    ]) {
      expect((await get(`/api/devices/vehicle_01/history?${q}`)).status, q).toBe(200);
    }
  });
});

describe('the page and its libraries come from this server (no CDN)', () => {
  it('GET / is the page, with a CSP that allows scripts from this origin only', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self';");
    const html = await res.text();
    expect(html.match(/(?:src|href)="[^"]+"/g)).toEqual([
      'href="data:,"',
      'href="/vendor/uplot/uPlot.min.css"',
      'href="/style.css"',
      'src="/vendor/uplot/uPlot.iife.min.js"',
      'src="/app.js"',
    ]);
  });

  it.each([
    ['/app.js', 'text/javascript; charset=utf-8'],
    ['/style.css', 'text/css; charset=utf-8'],
    ['/vendor/uplot/uPlot.iife.min.js', 'text/javascript; charset=utf-8'],
    ['/vendor/uplot/uPlot.min.css', 'text/css; charset=utf-8'],
    ['/socket.io/socket.io.esm.min.js', 'application/javascript; charset=utf-8'],
  ])('GET %s → 200 %s', async (path, type) => {
    const res = await fetch(`${base}${path}`);
    expect([res.status, res.headers.get('content-type')]).toEqual([200, type]);
    expect((await res.text()).length).toBeGreaterThan(1000);
  });

  it('the page module imports the Socket.IO client from this server', async () => {
    const js = await (await fetch(`${base}/app.js`)).text();
    expect(js).toContain('from "/socket.io/socket.io.esm.min.js"');
    expect(js).not.toMatch(/https?:\/\//);
  });

  it('nothing else from node_modules is served', async () => {
    expect((await fetch(`${base}/vendor/uplot/uPlot.cjs.js`)).status).toBe(404);
    expect((await fetch(`${base}/vendor/uplot/../package.json`)).status).toBe(404);
  });
});

describe('bad input answers 400/404 {error, message}, never a stack trace', () => {
  const bad = (message: string) => ({ error: 'invalid_parameter', message });
  const cases: Array<[string, number, unknown]> = [
    // duration format
    ['duration=abc', 400, bad('duration must look like 30s, 5m, 1h or 7d')],
    ['duration=5', 400, bad('duration must look like 30s, 5m, 1h or 7d')],
    ['duration=m5', 400, bad('duration must look like 30s, 5m, 1h or 7d')],
    ['duration=5M', 400, bad('duration must look like 30s, 5m, 1h or 7d')],
    ['duration=5%20m', 400, bad('duration must look like 30s, 5m, 1h or 7d')],
    ['duration=-5m', 400, bad('duration must look like 30s, 5m, 1h or 7d')],
    ['duration=1.5h', 400, bad('duration must look like 30s, 5m, 1h or 7d')],
    ['duration=2w', 400, bad('duration must look like 30s, 5m, 1h or 7d')],
    ['duration=', 400, bad('duration must look like 30s, 5m, 1h or 7d')],
    // duration value
    ['duration=0s', 400, bad('duration must be greater than 0')],
    ['duration=31d', 400, bad('duration must be at most 30d')],
    ['duration=721h', 400, bad('duration must be at most 30d')],
    ['duration=2592001s', 400, bad('duration must be at most 30d')],
    ['duration=99999999999999999999d', 400, bad('duration must be at most 30d')],
    // points
    ['points=1', 400, bad('points must be an integer from 2 to 10000')],
    ['points=0', 400, bad('points must be an integer from 2 to 10000')],
    ['points=10001', 400, bad('points must be an integer from 2 to 10000')],
    ['points=1.5', 400, bad('points must be an integer from 2 to 10000')],
    ['points=-5', 400, bad('points must be an integer from 2 to 10000')],
    ['points=1e3', 400, bad('points must be an integer from 2 to 10000')],
    ['points=abc', 400, bad('points must be an integer from 2 to 10000')],
    // from / to
    ['from=yesterday', 400, bad('from must be an ISO 8601 date-time with Z or an offset')],
    [
      'from=2026-13-01T00:00:00Z',
      400,
      bad('from must be an ISO 8601 date-time with Z or an offset'),
    ],
    [
      'from=2026-02-30T00:00:00Z',
      400,
      bad('from must be an ISO 8601 date-time with Z or an offset'),
    ],
    ['to=2026-01-01', 400, bad('to must be an ISO 8601 date-time with Z or an offset')],
    ['to=2026-01-01T00:00:00', 400, bad('to must be an ISO 8601 date-time with Z or an offset')],
    ['from=2026-01-01T00:09:00Z&to=2026-01-01T00:08:00Z', 400, bad('from must not be after to')],
    [
      'from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z',
      400,
      bad('from..to must span at most 30d'),
    ],
    [
      'from=2026-01-01T00:00:00Z&to=2026-01-01T00:01:00Z&duration=1m',
      400,
      bad('give at most two of from, to and duration'),
    ],
    // shape of the query
    ['duration=5m&duration=1h', 400, bad('duration must appear once; given more than once')],
    ['durations=5m', 400, bad('unknown parameter: durations')],
    // several problems at once are all reported
    [
      'duration=5x&points=1',
      400,
      bad('duration must look like 30s, 5m, 1h or 7d; points must be an integer from 2 to 10000'),
    ],
  ];

  it.each(cases)('history?%s → %i', async (query, status, body) => {
    expect(await get(`/api/devices/vehicle_01/history?${query}`)).toEqual({
      status,
      body,
      contentType: 'application/json; charset=utf-8',
    });
  });

  const badId = {
    error: 'invalid_parameter',
    message: 'device id must match ^[A-Za-z0-9_-]{1,64}$',
  };
  const ids: Array<[string, number, unknown]> = [
    [encodeURIComponent('<script>alert(1)</script>'), 400, badId],
    [encodeURIComponent('"><img src=x onerror=alert(1)>'), 400, badId],
    ['a'.repeat(65), 400, badId],
    ['bad.id', 400, badId],
    ['a%20b', 400, badId],
    ['..%2F..%2Fetc', 400, badId],
    ['%E0%A4%A', 400, { error: 'bad_request', message: 'malformed request' }],
    [
      'vehicle_99',
      404,
      { error: 'not_found', message: 'no readings stored for device vehicle_99' },
    ],
  ];

  it.each(ids)('latest of device %s → %i', async (id, status, body) => {
    expect(await get(`/api/devices/${id}/latest`)).toMatchObject({ status, body });
  });

  it.each(ids)(
    'history of device %s → 400, or 404 for an unknown device',
    async (id, status, body) => {
      const expected =
        status === 404 ? { error: 'not_found', message: 'unknown device vehicle_99' } : body;
      expect(await get(`/api/devices/${id}/history?duration=5m`)).toMatchObject({
        status,
        body: expected,
      });
    },
  );

  it('unknown API routes answer a JSON 404', async () => {
    expect(await get('/api/nope')).toMatchObject({
      status: 404,
      body: { error: 'not_found', message: 'no route GET /api/nope' },
    });
  });

  it('no error body carries more than {error, message}, or anything like a stack', async () => {
    const paths = [
      ...cases.map(([q]) => `/api/devices/vehicle_01/history?${q}`),
      ...ids.map(([id]) => `/api/devices/${id}/latest`),
    ];
    for (const path of paths) {
      const { body } = await get(path);
      expect(Object.keys(body as object).sort(), path).toEqual(['error', 'message']);
      expect(JSON.stringify(body), path).not.toMatch(/\bat \S+:\d+|node_modules|\/work\/|Error:/);
    }
  });
});

describe('a dashboard started before the store exists', () => {
  it('answers 503 until the SQLite file appears, then serves it (no restart)', async () => {
    const emptyDir = tempDir();
    const config = testConfig(emptyDir, broker.port, { SQLITE_PATH: join(emptyDir, 'later.db') });
    const early = testDashboard(config, { storeRetryMs: 100 });
    await early.start();
    await early.subscribed;
    try {
      const url = `http://127.0.0.1:${early.port}`;
      expect(await getJson(url, '/api/health')).toMatchObject({
        status: 503,
        body: { status: 'degraded', broker: 'connected', store: 'unavailable' },
      });
      expect(await getJson(url, '/api/devices/vehicle_02/latest')).toMatchObject({
        status: 503,
        body: { error: 'store_unavailable' },
      });
      const writer = new SqliteStore({ path: config.store.sqlitePath });
      await writer.start();
      await writer.write([reading('vehicle_02', 0, Date.now(), 33.3)]);
      await waitFor(
        () => getJson(url, '/api/devices/vehicle_02/latest'),
        (r) => r.status === 200,
        { what: 'the store to open' },
      );
      expect((await getJson(url, '/api/devices/vehicle_02/latest')).body).toMatchObject({
        speed: 33.3,
        seq: 0,
      });
      expect((await getJson(url, '/api/health')).body).toMatchObject({ store: 'ok' });
      // Seeded from the store once open.
      expect(Object.keys((await getJson(url, '/api/devices/status')).body as object)).toEqual([
        'vehicle_02',
      ]);
      await writer.stop();
    } finally {
      await early.stop();
      await early.stop(); // safe twice
    }
  });
});
