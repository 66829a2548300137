// REST routes against a real SQLite store holding known readings and a real Mosquitto: exact bodies, assets, 503.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readingOfSpeed } from '../../core/contract.js';
import { SqliteStore } from '../../core/store/sqlite-store.js';
import { waitFor } from '../../harness/wait.js';
import { testConfig } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { getJson, TEST_VERSION, testDashboard } from './helpers.js';
import {
  BASE,
  DAY,
  iso,
  NOW,
  type RouteFixture,
  reading,
  startRouteFixture,
} from './route-fixture.js';

let fixture: RouteFixture;
let base: string;

beforeAll(async () => {
  fixture = await startRouteFixture();
  base = fixture.base;
});

afterAll(async () => {
  await fixture?.stop();
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
      // Every signal with its own time; no fix stored for a speed-only vehicle.
      signals: { speed: { value: 50, timestamp: '2026-01-01T00:09:03.500Z' } },
      position: null,
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

  it('boundaries are accepted: 400d, 9600h, points 2 and 10000', async () => {
    for (const q of [
      'duration=30d',
      'duration=400d',
      'duration=9600h',
      'duration=365d',
      'points=2',
      'points=10000',
      'duration=0400d',
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
      'href="/vendor/leaflet/leaflet.css"',
      'href="/style.css"',
      'src="/vendor/uplot/uPlot.iife.min.js"',
      'src="/vendor/leaflet/leaflet.js"',
      'src="/app.js"',
      'href="/reports"',
    ]);
  });

  it.each([
    ['/app.js', 'text/javascript; charset=utf-8'],
    ['/style.css', 'text/css; charset=utf-8'],
    ['/vendor/uplot/uPlot.iife.min.js', 'text/javascript; charset=utf-8'],
    ['/vendor/uplot/uPlot.min.css', 'text/css; charset=utf-8'],
    ['/vendor/socket.io/socket.io.esm.min.js', 'text/javascript; charset=utf-8'],
  ])('GET %s → 200 %s', async (path, type) => {
    const res = await fetch(`${base}${path}`);
    expect([res.status, res.headers.get('content-type')]).toEqual([200, type]);
    expect((await res.text()).length).toBeGreaterThan(1000);
  });

  it('the page module imports the Socket.IO client from this server', async () => {
    const js = await (await fetch(`${base}/app.js`)).text();
    expect(js).toContain('from "/vendor/socket.io/socket.io.esm.min.js"');
    // URLs only as text: the map's attribution link and the SVG namespace, never something loaded.
    const loose = js
      .replaceAll('https://www.openstreetmap.org/copyright', '')
      .replaceAll('http://www.w3.org/2000/svg', '');
    expect(loose).not.toMatch(/https?:\/\//);
  });

  it('nothing else from node_modules is served', async () => {
    expect((await fetch(`${base}/vendor/uplot/uPlot.cjs.js`)).status).toBe(404);
    expect((await fetch(`${base}/vendor/uplot/../package.json`)).status).toBe(404);
  });
});

describe('a dashboard started before the store exists', () => {
  it('answers 503 until the SQLite file appears, then serves it (no restart)', async () => {
    const emptyDir = tempDir();
    const config = testConfig(emptyDir, fixture.broker.port, {
      SQLITE_PATH: join(emptyDir, 'later.db'),
    });
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
      await writer.write([readingOfSpeed(reading('vehicle_02', 0, Date.now(), 33.3))]);
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
