// End to end in Debian's chromium (playwright-core): Mosquitto, collector, 10 vehicles, dashboard; the page as a user sees it.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Collector } from '../../collector/collector.js';
import type { SpeedReading } from '../../core/contract.js';
import { silentLogger } from '../../core/log.js';
import type { Dashboard } from '../../dashboard/dashboard.js';
import { createDevice } from '../../devices/create-device.js';
import type { Device } from '../../devices/device.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { waitFor } from '../../harness/wait.js';
import { startedCollector, testConfig } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import {
  CHROMIUM,
  cardStatus as cardStatusOf,
  chartPoints as chartPointsOf,
  deviceProcess,
  IDS,
  linePixels as linePixelsOf,
  rowStatus as rowStatusOf,
  SCREENSHOT,
  storeEarlierRun,
  tableSpeeds as tableSpeedsOf,
  tableTimes as tableTimesOf,
} from './browser-fixture.js';
import { testDashboard } from './helpers.js';

const INTERVAL_MS = 200;
const OFFLINE_AFTER_S = 2;

let broker: MosquittoProcess;
let collector: Collector;
let dashboard: Dashboard;
let devices: Device[] = [];
/** vehicle_10 runs as its own process so it can be frozen (SIGSTOP): connected but silent. */
let frozenChild: ChildProcess;
let browser: Browser;
let page: Page;
let publisher: MqttClient;
let url: string;
const pageErrors: string[] = [];
/** When the page started receiving live data. */
let liveSince = 0;
let shotDir: string;

beforeAll(async () => {
  const dir = tempDir();
  shotDir = dir;
  broker = new MosquittoProcess({ dir });
  await broker.start();
  const config = testConfig(dir, broker.port, {
    DEVICE_COUNT: '10',
    PUBLISH_INTERVAL_MS: String(INTERVAL_MS),
    OFFLINE_AFTER_S: String(OFFLINE_AFTER_S),
  });
  await storeEarlierRun(config);
  collector = await startedCollector(config);
  dashboard = testDashboard(config);
  await dashboard.start();
  await dashboard.subscribed;
  url = `http://127.0.0.1:${dashboard.port}/`;
  devices = IDS.slice(0, 9).map((id, i) =>
    createDevice(config, id, silentLogger(), { phaseMs: (i * INTERVAL_MS) / 10 }),
  );
  await Promise.all(devices.map((d) => d.start()));
  frozenChild = deviceProcess(config, 'vehicle_10');
  publisher = await mqtt.connectAsync({ host: '127.0.0.1', port: broker.port, clientId: 'tester' });
  browser = await chromium.launch(CHROMIUM);
  // Every vehicle publishing before the page opens: the first view is a realistic one.
  await waitFor(
    () =>
      Object.values(dashboard.board.latestData(Date.now())).filter((d) => d.status === 'online'),
    (online) => online.length === 10,
    { what: '10 vehicles online', timeoutMs: 20_000 },
  );
});

afterAll(async () => {
  await browser?.close();
  if (frozenChild?.pid !== undefined && frozenChild.exitCode === null) {
    frozenChild.kill('SIGCONT');
    frozenChild.kill('SIGKILL');
  }
  await publisher?.endAsync();
  await Promise.all(devices.map((d) => d.stop()));
  await dashboard?.stop();
  await collector?.stop();
  await broker?.stop();
  removeTempDirs();
});

const cardStatus = (id: string) => cardStatusOf(page, id);
const rowStatus = (id: string) => rowStatusOf(page, id);
const chartPoints = () => chartPointsOf(page);
const tableSpeeds = () => tableSpeedsOf(page);
const tableTimes = () => tableTimesOf(page);
const linePixels = () => linePixelsOf(page);

describe('the dashboard page in chromium', () => {
  it('shows 10 charts preloaded from history, each with points drawn, and a connected socket', async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });
    const historyRequests: string[] = [];
    page.on('request', (req) => {
      if (req.url().includes('/history')) historyRequests.push(req.url());
    });
    const openedAt = Date.now();
    liveSince = openedAt;
    await page.goto(url);
    await page.evaluate(() => {
      (window as unknown as { loadedOnce: boolean }).loadedOnce = true;
    });
    await expect.poll(() => page.locator('.card').count()).toBe(10);
    // 5 minutes of 1 s windows come from the store; live data alone could not fill 100 of them yet.
    await expect
      .poll(chartPoints, { timeout: 5000 })
      .toSatisfy((points: number[]) => points.every((n) => n > 100));
    expect(Date.now() - openedAt).toBeLessThan(10_000);
    expect(historyRequests).toHaveLength(10);
    for (const id of IDS) {
      expect(
        historyRequests.some((u) => u.includes(`/api/devices/${id}/history?duration=5m`)),
      ).toBe(true);
    }
    await expect
      .poll(linePixels)
      .toSatisfy((px: number[]) => px.length === 10 && px.every((n) => n > 300));
    expect(await page.locator('#connection').textContent()).toBe('connected');
    expect(await page.$$eval('.card h2', (h) => h.map((e) => e.textContent))).toEqual(IDS);
    for (const id of IDS) expect(await cardStatus(id)).toBe('online');
  });

  it('live values in the latest table change within 3 s', async () => {
    // Every row shows a newer reading; the speeds change too, but a vehicle waiting at a red light
    // or idling before it drives off shows 0 km/h for a while, so not necessarily all ten.
    const before = await tableTimes();
    const speedsBefore = await tableSpeeds();
    expect(before).toHaveLength(10);
    const start = Date.now();
    await expect
      .poll(async () => (await tableTimes()).filter((s, i) => s !== before[i]).length, {
        timeout: 3000,
        interval: 100,
      })
      .toBe(10);
    expect(Date.now() - start).toBeLessThan(3000);
    await expect
      .poll(async () => (await tableSpeeds()).filter((s, i) => s !== speedsBefore[i]).length, {
        timeout: 3000,
      })
      .toBeGreaterThan(0);
    // Charts follow: every line grows at its right end.
    const points = await chartPoints();
    await expect
      .poll(chartPoints, { timeout: 3000 })
      .toSatisfy((now: number[]) => now.every((n, i) => n !== points[i] || n > 250));
  });

  it('saves a screenshot of the running dashboard (several seconds of live data)', async () => {
    await waitFor(
      () => Date.now() - liveSince,
      (ms) => ms > 6000,
      { what: 'six seconds of live data', timeoutMs: 10_000 },
    );
    // docs/dashboard.png is committed; refresh it with UPDATE_SCREENSHOTS=1 (or when it is missing)
    // so that a plain `npm test` leaves the working tree clean.
    const path =
      process.env.UPDATE_SCREENSHOTS === '1' || !existsSync(SCREENSHOT)
        ? SCREENSHOT
        : join(shotDir, 'dashboard.png');
    mkdirSync(dirname(path), { recursive: true });
    const png = await page.screenshot({ path, fullPage: true });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(50_000);
    expect(pageErrors).toEqual([]);
  });

  it('a reading replayed late from a device queue shows a visible note, and is not drawn as "now"', async () => {
    expect(await page.locator('#late-note').isVisible()).toBe(false);
    // vehicle_02's seq 0 again, measured 90 s ago: the store already has it (a duplicate), the
    // dashboard sees what a replayed queue looks like.
    const late: SpeedReading = {
      device_id: 'vehicle_02',
      seq: 0,
      timestamp: new Date(Date.now() - 90_000).toISOString(),
      speed: 12.5,
    };
    await publisher.publishAsync('vehicles/vehicle_02/speed', JSON.stringify(late), { qos: 1 });
    const note = page.locator('#late-note');
    await expect.poll(() => note.isVisible(), { timeout: 3000 }).toBe(true);
    const items = await note.locator('li').allTextContents();
    expect(items).toHaveLength(1);
    // 90 s measured against the newest reading the page holds (up to a few seconds old itself).
    const late_s = /^vehicle_02: 1 reading arrived up to 1 min (\d+) s late$/.exec(items[0] ?? '');
    expect(late_s, items[0]).not.toBeNull();
    expect(Number(late_s?.[1])).toBeGreaterThanOrEqual(25);
    expect(Number(late_s?.[1])).toBeLessThanOrEqual(40);
    expect(
      await page.locator('#latest-body tr[data-device="vehicle_02"]').getAttribute('class'),
    ).toBe('late');
    expect(await page.locator('.card[data-device="vehicle_02"] .late-badge').isVisible()).toBe(
      true,
    );
    // The table keeps showing the newest reading, not the replayed one.
    expect(
      await page.locator('#latest-body tr[data-device="vehicle_02"] td.speed').textContent(),
    ).not.toBe('12.5');
  });

  it('a hostile device id or label cannot inject markup', async () => {
    const hostile = '<img src=x onerror="window.injected=1">';
    const now = new Date().toISOString();
    await publisher.publishAsync(
      `vehicles/${hostile}/speed`,
      JSON.stringify({ device_id: hostile, seq: 0, timestamp: now, speed: 10 }),
      { qos: 1 },
    );
    await publisher.publishAsync(
      `vehicles/${hostile}/status`,
      JSON.stringify({ device_id: hostile, status: 'online', timestamp: now }),
      { qos: 1 },
    );
    await publisher.publishAsync(
      'vehicles/vehicle_03/speed',
      JSON.stringify({ device_id: 'vehicle_03', seq: 1, timestamp: now, speed: 1, label: hostile }),
      { qos: 1 },
    );
    await waitFor(
      () => dashboard.live.rejected.get('invalid_device_id') ?? 0,
      (n) => n >= 2,
      { what: 'the hostile messages rejected' },
    );
    // Later messages reached the page (the table keeps changing), so the hostile ones had their chance.
    const before = await tableSpeeds();
    await expect.poll(async () => (await tableSpeeds()).some((v, i) => v !== before[i])).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { injected?: number }).injected)).toBe(
      undefined,
    );
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('.card').count()).toBe(10);
    expect(await page.locator('body').innerText()).not.toContain('<img');
  });

  it("the range selector reloads every chart's history (5 m → 1 h → 24 h → 5 m)", async () => {
    const expectations: Array<[string, string, number, number]> = [
      // range, window_ms, at least / at most windows in the chart
      ['1h', '10000', 100, 400],
      ['24h', '300000', 250, 300],
      ['5m', '1000', 250, 310],
    ];
    const redrawMs: Record<string, number> = {};
    for (const [range, windowMs, least, most] of expectations) {
      const requests: string[] = [];
      const onRequest = (req: { url: () => string }) => {
        if (req.url().includes(`/history?duration=${range}&`)) requests.push(req.url());
      };
      page.on('request', onRequest);
      await page.locator(`#range button[data-range="${range}"]`).click();
      await expect.poll(() => requests.length).toBe(10);
      page.off('request', onRequest);
      await expect
        .poll(() =>
          page.$$eval('.chart', (charts) =>
            charts.map(
              (c) => `${(c as HTMLElement).dataset.range}/${(c as HTMLElement).dataset.windowMs}`,
            ),
          ),
        )
        .toEqual(Array(10).fill(`${range}/${windowMs}`));
      const points = await chartPoints();
      for (const n of points) {
        expect(n).toBeGreaterThanOrEqual(least);
        expect(n).toBeLessThanOrEqual(most);
      }
      expect(
        await page.locator(`#range button[data-range="${range}"]`).getAttribute('aria-pressed'),
      ).toBe('true');
      expect(new URL(page.url()).searchParams.get('range')).toBe(range);
      await expect.poll(linePixels).toSatisfy((px: number[]) => px.every((n) => n > 300));
      // The next full redraw after this range loaded.
      const body = page.locator('body');
      const redraws = Number(await body.getAttribute('data-redraws'));
      await expect
        .poll(async () => Number(await body.getAttribute('data-redraws')))
        .toBeGreaterThan(redraws);
      redrawMs[range] = Number(await body.getAttribute('data-redraw-ms'));
    }
    // Redrawing all ten charts costs milliseconds, at every range (bound loose for a loaded CI box).
    console.log('redraw of 10 charts, ms:', redrawMs);
    for (const ms of Object.values(redrawMs)) expect(ms).toBeLessThan(200);
  });

  it('a stopped device turns offline without a reload: by its status message, and by going silent', async () => {
    // vehicle_01 stops cleanly: it publishes `offline` (retained).
    await (devices[0] as Device).stop();
    await expect.poll(() => cardStatus('vehicle_01'), { timeout: 3000 }).toBe('offline');
    expect(await rowStatus('vehicle_01')).toBe('offline');
    expect(await page.locator('.card[data-device="vehicle_01"] .status').textContent()).toBe(
      'offline',
    );
    // vehicle_10 hangs: connected, no last will, just no data. OFFLINE_AFTER_S (2 s) decides.
    process.kill(frozenChild.pid as number, 'SIGSTOP');
    const frozenAt = Date.now();
    await expect.poll(() => cardStatus('vehicle_10'), { timeout: 6000 }).toBe('offline');
    expect(Date.now() - frozenAt).toBeGreaterThan(OFFLINE_AFTER_S * 1000 - 500);
    expect(await rowStatus('vehicle_10')).toBe('offline');
    for (const id of IDS.slice(1, 9)) expect(await cardStatus(id)).toBe('online');
    // Same document all along.
    expect(
      await page.evaluate(() => (window as unknown as { loadedOnce?: boolean }).loadedOnce),
    ).toBe(true);
    expect(pageErrors).toEqual([]);
  });

  it('works on a phone-sized screen: no horizontal overflow, every chart visible', async () => {
    const phone = await browser.newPage({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    try {
      await phone.goto(url);
      await expect.poll(() => phone.locator('.card').count()).toBe(10);
      await expect
        .poll(() =>
          phone.$$eval('.chart', (c) => c.map((e) => Number((e as HTMLElement).dataset.points))),
        )
        .toSatisfy((p: number[]) => p.every((n) => n > 100));
      expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(
        390,
      );
      const boxes = await phone.$$eval('.chart canvas', (canvases) =>
        canvases
          .filter((c) => c.closest('.chart')?.querySelector('canvas') === c)
          .map((c) => {
            const r = c.getBoundingClientRect();
            return { left: r.left, right: r.right, width: r.width };
          }),
      );
      expect(boxes).toHaveLength(10);
      for (const b of boxes) {
        expect(b.left).toBeGreaterThanOrEqual(0);
        expect(b.right).toBeLessThanOrEqual(390);
        expect(b.width).toBeGreaterThan(250);
      }
      // The table comes first on a phone, fully visible at the top.
      const table = await phone.locator('.latest table').boundingBox();
      expect(table?.x).toBeGreaterThanOrEqual(0);
      expect((table?.x ?? 0) + (table?.width ?? 0)).toBeLessThanOrEqual(390);
    } finally {
      await phone.close();
    }
  });
});
