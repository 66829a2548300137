// The maps and the reports page in chromium: markers where /latest says (10 vehicles), at 1,000 cells that count them all and, zoomed in, markers where /positions says; a click opens the vehicle or zooms into a cell, the replay slider moves the marker, MAP_TILE_URL=none asks no other host, tiles (intercepted) pass the CSP, the reports table and its CSV; writes docs/map.png, docs/map-cells.png and docs/reports.png.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OSM_TILE_URL } from '../../core/config.js';
import type { Reading } from '../../core/contract.js';
import type { LatestBody, PositionsBody } from '../../core/dashboard-contract.js';
import { MAP_MARKERS_MAX, type MapViewRequest } from '../../core/map-wire.js';
import type { Dashboard } from '../../dashboard/dashboard.js';
import type { FleetMapProbe } from '../../dashboard/page/fleet-map.js';
import { STATUS_COLOURS } from '../../dashboard/page/map-colours.js';
import type { SummaryRow } from '../../dashboard/page/reports-page.js';
import { fleetIds } from '../../devices/create-device.js';
import { waitFor } from '../../harness/wait.js';
import { rng, TrackBuilder, workingDay } from '../geo/tracks.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { send } from '../security/dashboard-http.js';
import { GeoPipeline, readingOf } from '../tracking/geo-pipeline.js';
import { CHROMIUM, ROOT } from './browser-fixture.js';
import { testDashboard } from './helpers.js';

const DAY = 86_400_000;
/** Yesterday (UTC): van_1 drives a working day around HOME. */
const D0 = Math.floor(Date.now() / DAY) * DAY - DAY;
const DAY0 = new Date(D0).toISOString().slice(0, 10);
const HOME = { lat: 52.52, lon: 13.405 };
const TOKEN = 'map-browser-test-token-0123456789';
const IDS = fleetIds('vehicle_', 10);
/** Ten cities: the vehicles' last fixes, spread over Europe so the outlines show. */
const CITIES: Array<[number, number]> = [
  [48.8566, 2.3522],
  [51.5072, -0.1276],
  [40.4168, -3.7038],
  [41.9028, 12.4964],
  [52.3676, 4.9041],
  [48.2082, 16.3738],
  [50.0755, 14.4378],
  [59.3293, 18.0686],
  [52.2297, 21.0122],
  [38.7223, -9.1393],
];

let p: GeoPipeline;
let dashboard: Dashboard;
let tiles: Dashboard;
let base: string;
let browser: Browser;
/** Every URL any page of the offline dashboard asked for. */
const requested: string[] = [];
const pageErrors: string[] = [];

/**
 * docs/map.png, docs/map-cells.png and docs/reports.png are committed; written again with UPDATE_SCREENSHOTS=1 (or
 * when missing), else to a temp dir, so a plain `npm test` leaves the working tree clean.
 */
const shot = (name: string): string => {
  const docs = join(ROOT, 'docs', name);
  return process.env.UPDATE_SCREENSHOTS === '1' || !existsSync(docs) ? docs : join(tempDir(), name);
};

async function newPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on('request', (r) => requested.push(r.url()));
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return page;
}

beforeAll(async () => {
  p = await GeoPipeline.start(tempDir(), {
    DASHBOARD_API_TOKEN: TOKEN,
    DASHBOARD_RATE_LIMIT_PER_MIN: '100000',
  });
  const b = new TrackBuilder(D0, HOME.lat, HOME.lon, rng(5));
  workingDay(b, D0);
  const van = b.samples.map((s) => readingOf('van_1', s));
  for (let i = 0; i < van.length; i += 1000) await p.publish(van.slice(i, i + 1000));
  const now = Date.now();
  const fleet: Reading[] = IDS.map((id, k) => ({
    device_id: id,
    seq: 0,
    timestamp: new Date(now - 1000).toISOString(),
    values: {
      lat: (CITIES[k] as [number, number])[0],
      lon: (CITIES[k] as [number, number])[1],
      heading: k * 36,
      speed: 10 * k,
    },
  }));
  await p.publish(fleet);
  await p.waitAck('van_1', van.length - 1, 120_000);
  for (const id of IDS) await p.waitAck(id, 0);
  dashboard = testDashboard(p.config);
  await dashboard.start();
  base = `http://127.0.0.1:${dashboard.port}`;
  const zone = await send(base, '/api/geofences', {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'depot',
      shape: { type: 'circle', center: [HOME.lon, HOME.lat], radius_m: 5000 },
      speed_limit_kmh: 30,
    }),
  });
  expect(zone.status).toBe(201);
  // The same data with OpenStreetMap's tiles (the test answers for the tile host).
  tiles = testDashboard({
    ...p.config,
    dashboard: { ...p.config.dashboard, mapTileUrl: OSM_TILE_URL },
  });
  await tiles.start();
  browser = await chromium.launch(CHROMIUM);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await tiles?.stop();
  await dashboard?.stop();
  await p?.stop();
  removeTempDirs();
});

const probe = (page: Page) =>
  page.evaluate(() => (window as unknown as { fleetMap: FleetMapProbe }).fleetMap.markers());
/** Waits until the map draws the server's answer for the zoom it is at (a view is sent 200 ms after a move). */
const settled = (page: Page) =>
  page.waitForFunction(() => {
    const m = (window as unknown as { fleetMap: FleetMapProbe }).fleetMap;
    const z = m.map.getZoom();
    return m.view()?.zoom === z && Number(m.map.getContainer().dataset.zoom) === z;
  });
/** Coordinates travel rounded to 1e-5 degree (about a metre): a marker is where its fix rounds to. */
const e5 = (deg: number | undefined): number => Math.round((deg ?? Number.NaN) * 1e5);

describe('the fleet map', () => {
  it('shows a marker where /latest says for each of 10 vehicles; a click opens the vehicle', async () => {
    const page = await newPage();
    await page.goto(`${base}/`);
    await page.waitForSelector('#fleet-map[data-markers="11"]');
    await page.waitForSelector('#fleet-map[data-basemap-ready="true"]');
    await page.waitForSelector('#fleet-map[data-geofences="1"]');
    const markers = new Map((await probe(page)).map((m) => [m.id, m]));
    for (const id of IDS) {
      const latest = (await send(base, `/api/devices/${id}/latest`)).json as LatestBody;
      const m = markers.get(id);
      expect([e5(m?.lat), e5(m?.lon)], id).toEqual([
        e5(latest.position?.lat),
        e5(latest.position?.lon),
      ]);
    }
    await settled(page);
    await page.locator('.map-section').screenshot({ path: shot('map.png') });
    const at = await page.evaluate(() =>
      (window as unknown as { fleetMap: FleetMapProbe }).fleetMap.point('vehicle_03'),
    );
    expect(at).not.toBeNull();
    await page.mouse.click(at?.x ?? 0, at?.y ?? 0);
    await page.waitForURL(`${base}/vehicles/vehicle_03`, { waitUntil: 'commit' });
    await page.close();
  });

  it('draws tiles from MAP_TILE_URL, allowed by the CSP (tile host intercepted)', async () => {
    const page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
      'base64',
    );
    let tileRequests = 0;
    await page.route('https://tile.openstreetmap.org/**', (route) => {
      tileRequests++;
      return route.fulfill({ status: 200, contentType: 'image/png', body: png });
    });
    await page.goto(`http://127.0.0.1:${tiles.port}/`);
    await page.waitForSelector('#fleet-map[data-basemap="tiles"]');
    await page.waitForSelector('#fleet-map img.leaflet-tile-loaded');
    expect(tileRequests).toBeGreaterThan(0);
    expect(await page.locator('.leaflet-control-attribution').textContent()).toContain(
      'OpenStreetMap',
    );
    await page.close();
  });
});

describe('the vehicle page', () => {
  it("draws the range's track; the replay slider moves the marker with its time and speed", async () => {
    const page = await newPage();
    const q = new URLSearchParams({
      from: new Date(D0).toISOString(),
      to: new Date(D0 + DAY).toISOString(),
    });
    await page.goto(`${base}/vehicles/van_1?${q}`);
    await page.waitForFunction(
      () => Number(document.getElementById('replay')?.dataset.points) > 10,
    );
    const state = () =>
      page.evaluate(() => {
        const r = document.getElementById('replay') as HTMLElement;
        return {
          lat: Number(r.dataset.lat),
          lon: Number(r.dataset.lon),
          time: r.dataset.time ?? '',
          points: Number(r.dataset.points),
          shownTime: document.getElementById('replay-time')?.textContent ?? '',
          speed: document.getElementById('replay-speed')?.textContent ?? '',
          marker: (() => {
            const el = document.querySelector('#track-map .leaflet-overlay-pane canvas');
            return el !== null;
          })(),
        };
      });
    const first = await state();
    const track = (await send(base, `/api/devices/van_1/track?${q}`)).json as {
      features: Array<{ geometry: { coordinates: number[][] }; properties: { times: string[] } }>;
    };
    const all = track.features.flatMap((f) => f.properties.times);
    expect(first.points).toBe(all.length);
    expect(first.time).toBe(all[0]);
    const k = Math.floor(first.points / 2);
    await page.evaluate((value) => {
      const slider = document.getElementById('replay-slider') as HTMLInputElement;
      slider.value = String(value);
      slider.dispatchEvent(new Event('input'));
    }, k);
    const moved = await state();
    expect(moved.time).toBe(all[k]);
    expect([moved.lat, moved.lon]).not.toEqual([first.lat, first.lon]);
    const coords = track.features.flatMap((f) => f.geometry.coordinates);
    expect([moved.lon, moved.lat]).toEqual(coords[k]?.slice(0, 2));
    expect(moved.shownTime).not.toBe(first.shownTime);
    expect(moved.speed).toMatch(/km\/h$/);
    // The marker itself (a canvas circle): where the slider says, in the map's own state.
    await page.close();
  });
});

describe('the reports page', () => {
  it('shows the rows of /api/reports/summary, a bar per day, and a working CSV link', async () => {
    const page = await newPage();
    const from = new Date(D0 - 6 * DAY).toISOString().slice(0, 10);
    await page.goto(`${base}/reports?from=${from}&to=${DAY0}`);
    await page.waitForFunction(() => document.body.dataset.rows !== undefined);
    const api = (await send(base, `/api/reports/summary?from=${from}&to=${DAY0}&group_by=day`))
      .json as SummaryRow[];
    expect(api.length).toBeGreaterThan(0);
    const shown = await page.$$eval('#report-rows tr', (rows) =>
      rows.map((r) => ({
        id: (r as HTMLElement).dataset.device,
        day: (r as HTMLElement).dataset.day,
        km: r.children[2]?.textContent,
      })),
    );
    expect(shown).toEqual(
      api.map((r) => ({ id: r.device_id, day: r.day, km: r.distance_km.toFixed(1) })),
    );
    const van = api.find((r) => r.device_id === 'van_1' && r.day === DAY0);
    expect(van?.distance_km).toBeGreaterThan(1);
    const bar = await page
      .locator(`#report-chart rect[data-day="${DAY0}"]`)
      .getAttribute('data-km');
    const dayKm = api.filter((r) => r.day === DAY0).reduce((s, r) => s + r.distance_km, 0);
    expect(Number(bar)).toBeCloseTo(dayKm, 2);
    const href = await page.locator('#report-csv').getAttribute('href');
    const csv = await send(base, href ?? '');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.text.trim().split('\n')).toHaveLength(api.length + 1);
    await page.screenshot({ path: shot('reports.png'), fullPage: true });
    // The vehicle filter narrows it to one vehicle.
    await page.selectOption('#report-vehicle', 'van_1');
    await page.click('#report-form button[type="submit"]');
    await waitFor(
      () =>
        page.$$eval('#report-rows tr', (rows) =>
          rows.map((r) => (r as HTMLElement).dataset.device),
        ),
      (ids) => ids.length > 0 && ids.every((id) => id === 'van_1'),
      { what: 'only van_1 rows' },
    );
    expect(await page.locator('#report-csv').getAttribute('href')).toContain('device_id=van_1');
    await page.close();
  });
});

describe('at 1,000 vehicles', () => {
  it('cells that count every vehicle; zoomed in, every marker where GET /api/devices/positions says, in its status colour', async () => {
    const now = Date.now();
    const more = fleetIds('car_', 990);
    const random = rng(11);
    await p.publish(
      more.map((id, k) => ({
        device_id: id,
        seq: 0,
        timestamp: new Date(now - 1000).toISOString(),
        values: {
          lat: 36 + random() * 24,
          lon: -9 + random() * 33,
          heading: (k * 7) % 360,
          speed: random() * 120,
        },
      })),
    );
    for (const id of more) await p.waitAck(id, 0);
    const api = (await send(base, '/api/devices/positions')).json as PositionsBody;
    expect(api).toHaveLength(1001);
    const page = await newPage();
    await page.goto(`${base}/`);
    // Fitted to the fleet, more than MAP_MARKERS_MAX in view: aggregates whose counts sum to all.
    await page.waitForSelector('#fleet-map[data-mode="cells"][data-total="1001"]', {
      timeout: 30_000,
    });
    await settled(page);
    const cells = await page.evaluate(() =>
      (window as unknown as { fleetMap: FleetMapProbe }).fleetMap.cells(),
    );
    expect(cells.length).toBeGreaterThan(1);
    expect(cells.reduce((sum, c) => sum + c.count, 0)).toBe(1001);
    for (const c of cells) expect(c.online + c.warning + c.offline, c.key).toBe(c.count);
    expect(await page.locator('#fleet-map').getAttribute('data-markers')).toBe('0');
    await page.locator('.map-section').screenshot({ path: shot('map-cells.png') });
    // A click on the largest cell zooms into it.
    const biggest = cells.reduce((a, b) => (b.count > a.count ? b : a));
    const zoomBefore = await page.evaluate(() =>
      (window as unknown as { fleetMap: FleetMapProbe }).fleetMap.map.getZoom(),
    );
    const at = await page.evaluate(
      (key) => (window as unknown as { fleetMap: FleetMapProbe }).fleetMap.point(key),
      biggest.key,
    );
    await page.mouse.click(at?.x ?? 0, at?.y ?? 0);
    // The view goes out once the zoom's animation has ended (moveend).
    await page.waitForFunction(
      (z) => ((window as unknown as { fleetMap: FleetMapProbe }).fleetMap.view()?.zoom ?? 0) > z,
      zoomBefore,
    );
    // Zoomed into Paris: few enough for markers, each where /positions says.
    // In braces: setView returns the map, which playwright would serialize whole (seconds of CPU).
    await page.evaluate(() => {
      (window as unknown as { fleetMap: FleetMapProbe }).fleetMap.map.setView([48.86, 2.35], 7, {
        animate: false,
      });
    });
    const handle = await page.waitForFunction(
      () => {
        const m = (window as unknown as { fleetMap: FleetMapProbe }).fleetMap;
        return m.mode() === 'vehicles' && m.view()?.zoom === 7 && m.view();
      },
      undefined,
      { timeout: 10_000 },
    );
    const [s, w, n, e] = ((await handle.jsonValue()) as MapViewRequest).bounds;
    const inView = api.filter((v) => v.lat >= s && v.lat <= n && v.lon >= w && v.lon <= e);
    expect(inView.length).toBeGreaterThan(10);
    expect(inView.length).toBeLessThanOrEqual(MAP_MARKERS_MAX);
    await page.waitForSelector(`#fleet-map[data-markers="${inView.length}"]`);
    const shown = new Map((await probe(page)).map((m) => [m.id, m]));
    expect([...shown.keys()].sort()).toEqual(inView.map((v) => v.device_id).sort());
    for (const v of inView) {
      const m = shown.get(v.device_id);
      expect([e5(m?.lat), e5(m?.lon)], v.device_id).toEqual([e5(v.lat), e5(v.lon)]);
    }
    // Status is live (these vehicles fall silent): each marker in the colour of the status it shows.
    for (const m of shown.values()) expect(m.colour, m.id).toBe(STATUS_COLOURS[m.status]);
    await page.close();
  }, 120_000);
});

describe('MAP_TILE_URL=none', () => {
  it('no page asked any other host for anything', () => {
    expect(requested.length).toBeGreaterThan(10);
    const elsewhere = requested.filter(
      (u) => !u.startsWith(`${base}/`) && !u.startsWith('data:') && !u.startsWith('blob:'),
    );
    expect(elsewhere).toEqual([]);
    expect(requested.some((u) => u.includes('/vendor/world-atlas/'))).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
