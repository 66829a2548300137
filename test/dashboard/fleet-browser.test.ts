// The fleet overview and the vehicle page in chromium at 10 and 1,000 vehicles: sort, filter, virtualized rows, open a vehicle, ranges, CSV export, offline and alarm states live, no sideways scroll.

import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import mqtt, { type MqttClient } from 'mqtt';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAlarmMessage } from '../../core/alarm-wire.js';
import { alarmTopic, readingOfSpeed, type SpeedReading } from '../../core/contract.js';
import { BUILTIN_CATALOG } from '../../core/signals/catalog.js';
import { SqliteStore } from '../../core/store/sqlite-store.js';
import type { Dashboard } from '../../dashboard/dashboard.js';
import { fleetIds } from '../../devices/create-device.js';
import { FleetTraffic } from '../../harness/fleet-traffic.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { waitFor } from '../../harness/wait.js';
import { testConfig } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { CHROMIUM } from './browser-fixture.js';
import { testDashboard } from './helpers.js';

/** Stored: one reading every 10 s for the last 10 minutes, 5 s off the minute (custom ranges are whole minutes). */
const STORED_EVERY_MS = 10_000;
const storedAt = (end: number): number[] => {
  const first = Math.floor(end / 60_000) * 60_000 - 600_000 + 5000;
  return Array.from({ length: 60 }, (_, k) => first + k * STORED_EVERY_MS).filter((t) => t < end);
};

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch(CHROMIUM);
});
afterAll(async () => {
  await browser?.close();
  removeTempDirs();
});

const noSidewaysScroll = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
const renderedRows = (page: Page) =>
  page.$$eval('#latest-body tr[data-device]', (rows) =>
    rows.map((r) => ({
      id: (r as HTMLElement).dataset.device ?? '',
      status: (r as HTMLElement).dataset.status ?? '',
      speed: Number(r.querySelector('td.speed')?.textContent),
      alarms: r.querySelector('.alarm-badge')?.textContent ?? '',
    })),
  );

describe.each([10, 1000])('%i vehicles', (count) => {
  const ids = fleetIds('vehicle_', count);
  let broker: MosquittoProcess;
  let dashboard: Dashboard;
  let traffic: FleetTraffic;
  let publisher: MqttClient;
  let storePath: string;
  let page: Page;
  let base: string;
  const pageErrors: string[] = [];
  const stored = new Map<string, SpeedReading[]>();

  beforeAll(async () => {
    const dir = tempDir();
    broker = new MosquittoProcess({ dir });
    await broker.start();
    const config = testConfig(dir, broker.port, { OFFLINE_AFTER_S: '5' });
    storePath = config.store.sqlitePath;
    const store = new SqliteStore({ path: storePath });
    await store.start();
    const times = storedAt(Date.now());
    const all: SpeedReading[] = [];
    for (const id of ids) {
      const rows = times.map((t, k) => ({
        device_id: id,
        seq: 1_000_000 + k,
        timestamp: new Date(t).toISOString(),
        speed: 20 + ((k * 7) % 60),
      }));
      stored.set(id, rows);
      all.push(...rows);
    }
    await store.write(all.map(readingOfSpeed));
    await store.stop();
    dashboard = testDashboard(config);
    await dashboard.start();
    await dashboard.subscribed;
    base = `http://127.0.0.1:${dashboard.port}`;
    traffic = new FleetTraffic({ port: broker.port, ids });
    await traffic.start();
    publisher = await mqtt.connectAsync({
      host: '127.0.0.1',
      port: broker.port,
      clientId: 'alarms',
    });
    await waitFor(
      () => dashboard.board.summary(Date.now()).online,
      (n) => n === count,
      { what: `${count} vehicles online`, timeoutMs: 20_000 },
    );
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageErrors.push(msg.text());
    });
  });

  afterAll(async () => {
    await page?.close();
    await traffic?.stop();
    await publisher?.endAsync();
    await dashboard?.stop();
    await broker?.stop();
  });

  it('the overview shows the fleet: summary counts, a virtualized table, a page of charts', async () => {
    await page.goto(`${base}/`);
    await expect.poll(() => page.locator('#sum-devices').textContent()).toBe(String(count));
    // Opening the page loads this one machine (browser, dashboard and traffic share it): a vehicle
    // may read as a warning for a moment; all are online again once it settles.
    await expect
      .poll(() => page.locator('#sum-online').textContent(), { timeout: 15_000 })
      .toBe(String(count));
    const rows = await renderedRows(page);
    expect(rows.length).toBeGreaterThan(Math.min(count, 10) - 1);
    // Only the rows on screen (and a few around them) exist.
    expect(rows.length).toBeLessThanOrEqual(Math.min(count, 60));
    expect(rows.slice(0, 3).map((r) => r.id)).toEqual(ids.slice(0, 3));
    await expect.poll(() => page.locator('.card').count()).toBe(Math.min(count, 12));
    expect(await page.locator('#grid-range').textContent()).toBe(
      `1–${Math.min(count, 12)} of ${count}`,
    );
    const histogram = await page.$$eval('#speed-hist .count', (c) =>
      c.map((e) => Number(e.textContent)),
    );
    expect(histogram.reduce((a, b) => a + b, 0)).toBe(count);
    expect(await noSidewaysScroll(page)).toBe(true);
  });

  it('sorts by speed (both ways) and by id, on the server, for the whole fleet', async () => {
    await page.click('button[data-sort="speed"]');
    const sorted = (desc: boolean) => async () => {
      const speeds = (await renderedRows(page)).map((r) => r.speed);
      return (
        speeds.length > 1 &&
        speeds.every(
          (s, i) =>
            i === 0 || (desc ? s <= (speeds[i - 1] as number) : s >= (speeds[i - 1] as number)),
        )
      );
    };
    await expect.poll(sorted(true)).toBe(true);
    expect(await page.locator('th:has(button[data-sort="speed"])').getAttribute('aria-sort')).toBe(
      'descending',
    );
    await page.click('button[data-sort="speed"]');
    await expect.poll(sorted(false)).toBe(true);
    await page.click('button[data-sort="id"]');
    await expect.poll(async () => (await renderedRows(page))[0]?.id).toBe('vehicle_01');
  });

  it('scrolls through the whole table keeping only the visible rows in the page', async () => {
    await page.locator('#table-scroll').evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
    await expect.poll(async () => (await renderedRows(page)).at(-1)?.id).toBe(ids.at(-1));
    expect((await renderedRows(page)).length).toBeLessThanOrEqual(Math.min(count, 60));
    await page.locator('#table-scroll').evaluate((el) => {
      el.scrollTop = 0;
    });
    await expect.poll(async () => (await renderedRows(page))[0]?.id).toBe('vehicle_01');
  });

  it('filters by text, then by status: a vehicle going offline shows without a reload', async () => {
    await page.fill('#filter-text', 'VEHICLE_07');
    await expect
      .poll(async () => (await renderedRows(page)).map((r) => r.id))
      .toEqual(['vehicle_07']);
    expect(await page.locator('#fleet-count').textContent()).toBe('1 shown');
    await page.fill('#filter-text', '');
    await page.selectOption('#filter-status', 'offline');
    await expect.poll(async () => (await renderedRows(page)).length).toBe(0);
    await traffic.goOffline('vehicle_03');
    await expect
      .poll(async () => (await renderedRows(page)).map((r) => [r.id, r.status]))
      .toEqual([['vehicle_03', 'offline']]);
    expect(await page.locator('#sum-offline').textContent()).toBe('1');
    await page.selectOption('#filter-status', 'all');
  });

  it('an alarm shows on its row, in the count and the panel, and filters, without a reload', async () => {
    const now = new Date().toISOString();
    const alarm = {
      id: randomUUID(),
      device_id: 'vehicle_05',
      rule: 'overspeed',
      severity: 'major' as const,
      state: 'open' as const,
      started_at: now,
      updated_at: now,
      cleared_at: null,
      acknowledged_at: null,
      value: 142,
      message: '<b>142 km/h</b> over the limit',
      version: 1,
    };
    await publisher.publishAsync(alarmTopic('vehicle_05', 'overspeed'), encodeAlarmMessage(alarm), {
      qos: 1,
      retain: true,
    });
    await expect.poll(() => page.locator('#sum-alarms').textContent()).toBe('1');
    await page.check('#filter-alarm');
    await expect
      .poll(async () => (await renderedRows(page)).map((r) => [r.id, r.alarms]))
      .toEqual([['vehicle_05', '1 alarm']]);
    expect(
      await page.locator('#alarm-list li[data-device="vehicle_05"] .message').textContent(),
    ).toBe('<b>142 km/h</b> over the limit');
    expect(await page.locator('#alarm-list b').count()).toBe(0);
    await page.uncheck('#filter-alarm');
  });

  it('fits a phone (390 px) without sideways scroll, the table first', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    try {
      await phone.goto(`${base}/`);
      await expect
        .poll(() => phone.locator('#latest-body tr[data-device]').count())
        .toBeGreaterThan(0);
      expect(await noSidewaysScroll(phone)).toBe(true);
      await phone.goto(`${base}/vehicles/vehicle_02`);
      await expect.poll(() => phone.locator('.chart').getAttribute('data-points')).not.toBe('0');
      expect(await noSidewaysScroll(phone)).toBe(true);
    } finally {
      await phone.close();
    }
  });

  it('fits 2560 px without sideways scroll, and a row is reachable and opened with the keyboard alone', async () => {
    const wide = await browser.newPage({ viewport: { width: 2560, height: 1440 } });
    try {
      await wide.goto(`${base}/`);
      await expect
        .poll(() => wide.locator('#latest-body tr[data-device]').count())
        .toBeGreaterThan(0);
      expect(await noSidewaysScroll(wide)).toBe(true);
      // From the search field, Tab through the filters and sort buttons to the first row's link.
      await wide.focus('#filter-text');
      let inTable = false;
      for (let i = 0; i < 20 && !inTable; i++) {
        await wide.keyboard.press('Tab');
        inTable = await wide.evaluate(
          () => document.activeElement?.closest('#latest-body tr[data-device]') !== null,
        );
      }
      expect(inTable).toBe(true);
      await wide.keyboard.press('Enter');
      // Committed, then its title drawn: the load event waits for every image (map tiles
      // included), which a loaded machine once stretched past 30 s.
      await wide.waitForURL(`${base}/vehicles/vehicle_01`, { waitUntil: 'commit' });
      await expect.poll(() => wide.locator('#vehicle-title').textContent()).toBe('vehicle_01');
      expect(await noSidewaysScroll(wide)).toBe(true);
    } finally {
      await wide.close();
    }
  });

  it('opens a vehicle from its row: its own URL, live status, history with a min/max band', async () => {
    await page.fill('#filter-text', 'vehicle_07');
    await expect
      .poll(async () => (await renderedRows(page)).map((r) => r.id))
      .toEqual(['vehicle_07']);
    await page.locator('#latest-body tr[data-device="vehicle_07"] th a').click();
    await page.waitForURL(`${base}/vehicles/vehicle_07`, { waitUntil: 'commit' });
    await expect.poll(() => page.locator('#vehicle-title').textContent()).toBe('vehicle_07');
    await expect.poll(() => page.locator('body').getAttribute('data-status')).toBe('online');
    await expect
      .poll(async () => Number(await page.locator('.chart').getAttribute('data-points')))
      .toBeGreaterThan(10);
    expect(await page.locator('.chart').getAttribute('data-range')).toBe('5m');
    expect(await noSidewaysScroll(page)).toBe(true);
  });

  it('changes range (1 h, then custom from/to) and the export link downloads the stored rows of the range as CSV', async () => {
    const requests: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/history?')) requests.push(r.url());
    });
    await page.click('#range button[data-range="1h"]');
    await expect.poll(() => page.locator('.chart').getAttribute('data-range')).toBe('1h');
    expect(requests.some((u) => u.includes('duration=1h'))).toBe(true);
    expect(new URL(page.url()).searchParams.get('range')).toBe('1h');
    // Custom: from 8 to 3 minutes ago, whole minutes (what datetime-local gives).
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const [from, to] = [minute - 8 * 60_000, minute - 3 * 60_000];
    const local = (ms: number) =>
      page.evaluate((t) => {
        const d = new Date(t - new Date(t).getTimezoneOffset() * 60_000);
        return d.toISOString().slice(0, 16);
      }, ms);
    await page.fill('#custom-from', await local(from));
    await page.fill('#custom-to', await local(to));
    await page.click('#custom-range button[type="submit"]');
    await expect.poll(() => page.locator('.chart').getAttribute('data-range')).toBe('custom');
    expect(new URL(page.url()).searchParams.get('from')).toBe(new Date(from).toISOString());
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('#export-csv'),
    ]);
    expect(download.suggestedFilename()).toBe('vehicle_07-readings.csv');
    const columns = BUILTIN_CATALOG.csvColumns();
    const empty = ','.repeat(columns.length - 4);
    const csv = readFileSync(await download.path(), 'utf8')
      .trim()
      .split('\n');
    const expected = (stored.get('vehicle_07') ?? [])
      .filter((r) => Date.parse(r.timestamp) >= from && Date.parse(r.timestamp) <= to)
      .map((r) => `vehicle_07,${r.seq},${r.timestamp},${r.speed}${empty}`);
    expect(expected.length).toBe(30);
    // Every column of the catalog; the speed-only vehicle leaves the others empty.
    expect(csv).toEqual([columns.join(','), ...expected]);
    const ndjson = await page.locator('#export-ndjson').getAttribute('href');
    expect(ndjson).toContain('format=ndjson');
  });

  it("the vehicle page lists the vehicle's alarms; an unusable id is a 404 that does not repeat it", async () => {
    await page.goto(`${base}/vehicles/vehicle_05`);
    await expect
      .poll(() => page.locator('#vehicle-alarms li[data-state="open"] .rule').textContent())
      .toBe('overspeed');
    expect(await page.locator('.card .alarm-badge').textContent()).toBe('overspeed');
    const res = await fetch(`${base}/vehicles/${encodeURIComponent('<script>x</script>')}`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('<script>');
    expect(pageErrors).toEqual([]);
  });
});
