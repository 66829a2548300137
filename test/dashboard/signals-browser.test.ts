// Chromium on vehicles that send telemetry: the vehicle page shows every signal a vehicle sends (charts, an ignition band, the last position as text) live, and the fleet table's fuel, battery, ignition and last-fix columns, live and sortable.

import mqtt, { type MqttClient } from 'mqtt';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTelemetry, type Reading, telemetryTopic } from '../../core/contract.js';
import { SqliteStore } from '../../core/store/sqlite-store.js';
import type { Dashboard } from '../../dashboard/dashboard.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { waitFor } from '../../harness/wait.js';
import { testConfig } from '../helpers/pipeline.js';
import { fullReading } from '../helpers/telemetry.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { CHROMIUM } from './browser-fixture.js';
import { testDashboard } from './helpers.js';

/**
 * truck_1: every built-in signal. van_2: speed, a position, fuel and ignition only (no battery,
 * rpm, coolant…). bike_3: speed only. Fuel and battery differ per vehicle, so sorting shows.
 */
const TRUCK = 'truck_1';
const VAN = 'van_2';
const BIKE = 'bike_3';
const FUEL: Record<string, number> = { [TRUCK]: 71.5, [VAN]: 18.25 };
const BATTERY: Record<string, number> = { [TRUCK]: 12.3 };

let browser: Browser;
let broker: MosquittoProcess;
let dashboard: Dashboard;
let publisher: MqttClient;
let base: string;
const seqs = new Map<string, number>();
const pageErrors: string[] = [];

/** A reading of `id` now (or `ageMs` ago), its signals as that vehicle sends them, `change` on top. */
function readingOf(id: string, change: Record<string, number | boolean> = {}, ageMs = 0): Reading {
  const seq = (seqs.get(id) ?? 100) + 1;
  seqs.set(id, seq);
  const full = fullReading(id, seq, Date.now() - ageMs);
  const v = full.values;
  const values: Reading['values'] =
    id === TRUCK
      ? { ...v, fuel_pct: FUEL[TRUCK] as number, battery_v: BATTERY[TRUCK] as number }
      : id === VAN
        ? {
            speed: v.speed as number,
            lat: v.lat as number,
            lon: v.lon as number,
            fuel_pct: FUEL[VAN] as number,
            ignition: true,
          }
        : { speed: v.speed as number };
  return { ...full, values: { ...values, ...change } };
}

async function publish(r: Reading): Promise<void> {
  await publisher.publishAsync(telemetryTopic(r.device_id), encodeTelemetry(r), { qos: 1 });
}

/** Opaque pixels of the ignition band's green (#15803d and its fill) on a canvas. */
const greenPixels = (page: Page, selector: string) =>
  page.$eval(selector, (root) => {
    const canvas = root.querySelector('canvas');
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return 0;
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      const [r = 0, g = 0, b = 0, a = 0] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
      if (a > 100 && g > 100 && g > r + 30 && g > b + 30) n++;
    }
    return n;
  });
/** Opens a vehicle's page and waits until the server serves it its view (live readings flow then). */
async function openVehicle(page: Page, id: string): Promise<void> {
  await page.goto(`${base}/vehicles/${id}`);
  await expect
    .poll(() => page.locator('body').getAttribute('data-status'), { timeout: 15_000 })
    .not.toBeNull();
}
const noSidewaysScroll = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);

beforeAll(async () => {
  browser = await chromium.launch(CHROMIUM);
  const dir = tempDir();
  broker = new MosquittoProcess({ dir });
  await broker.start();
  const config = testConfig(dir, broker.port, { OFFLINE_AFTER_S: '30' });
  // The store exists before the dashboard opens it (read-only); one old speed reading of the bike.
  const store = new SqliteStore({ path: config.store.sqlitePath });
  await store.start();
  await store.write([
    {
      device_id: BIKE,
      seq: 1,
      timestamp: new Date(Date.now() - 3_600_000).toISOString(),
      values: { speed: 12 },
    },
  ]);
  await store.stop();
  dashboard = testDashboard(config);
  await dashboard.start();
  await dashboard.subscribed;
  base = `http://127.0.0.1:${dashboard.port}`;
  publisher = await mqtt.connectAsync({
    host: '127.0.0.1',
    port: broker.port,
    clientId: 'signals-test',
  });
  // A few seconds of each vehicle, a second apart.
  for (let k = 5; k >= 0; k--) {
    for (const id of [TRUCK, VAN, BIKE]) await publish(readingOf(id, {}, k * 1000));
  }
  await waitFor(
    () => dashboard.board.summary(Date.now()).online,
    (n) => n === 3,
    { what: 'three vehicles online', timeoutMs: 10_000 },
  );
});

afterAll(async () => {
  await publisher?.endAsync();
  await dashboard?.stop();
  await broker?.stop();
  await browser?.close();
  removeTempDirs();
});

describe('the vehicle page shows the signals live', () => {
  let page: Page;
  beforeAll(async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });
  afterAll(async () => {
    await page?.close();
  });

  const shown = () =>
    page.$$eval('#signal-charts .signal-chart', (figs) =>
      figs.map((f) => (f as HTMLElement).dataset.signal ?? ''),
    );
  const shownValue = (key: string) =>
    page.locator(`.signal-chart[data-signal="${key}"] .signal-value`).textContent();
  /** Readings the signal's chart holds (its windows' counts). */
  const readingsOf = async (key: string) =>
    Number(
      await page
        .locator(`.signal-chart[data-signal="${key}"] .signal-plot`)
        .getAttribute('data-readings'),
    );

  it('a vehicle sending every signal: a chart for each (ignition as a band, first), none for the position keys', async () => {
    await openVehicle(page, TRUCK);
    await publish(readingOf(TRUCK));
    await expect
      .poll(shown)
      .toEqual([
        'ignition',
        'odometer_km',
        'fuel_pct',
        'battery_v',
        'battery_pct',
        'coolant_c',
        'rpm',
      ]);
    expect(await page.locator('#signals-empty').isHidden()).toBe(true);
    await expect.poll(() => shownValue('fuel_pct')).toBe('71.5 %');
    expect(await shownValue('battery_v')).toBe('12.3 V');
    // The speed chart is still the one big chart.
    expect(await page.locator('#vehicle-chart .chart').count()).toBe(1);
    expect(await noSidewaysScroll(page)).toBe(true);
  });

  it('new readings change values and charts without a reload', async () => {
    const before = await readingsOf('coolant_c');
    await publish(readingOf(TRUCK, { fuel_pct: 64.25, coolant_c: 91 }));
    await expect.poll(() => shownValue('fuel_pct')).toBe('64.25 %');
    await expect.poll(() => shownValue('coolant_c')).toBe('91 °C');
    await expect.poll(() => readingsOf('coolant_c')).toBe(before + 1);
    // A late reading (measured before what is shown) lands in its window but does not replace the value.
    const fuel = await readingsOf('fuel_pct');
    await publish(readingOf(TRUCK, { fuel_pct: 99 }, 20_000));
    await expect.poll(() => readingsOf('fuel_pct')).toBe(fuel + 1);
    expect(await shownValue('fuel_pct')).toBe('64.25 %');
    const drawn = await page
      .locator('.signal-chart[data-signal="fuel_pct"] .signal-plot')
      .getAttribute('data-drawn');
    expect(drawn).toBe('true');
  });

  it('ignition is a band: on fills it, the value says on/off', async () => {
    for (let k = 3; k >= 0; k--) await publish(readingOf(TRUCK, { ignition: true }, k * 1000));
    await expect.poll(() => shownValue('ignition')).toBe('on');
    await expect
      .poll(() => greenPixels(page, '.signal-chart[data-signal="ignition"] .signal-plot'))
      .toBeGreaterThan(50);
    await publish(readingOf(TRUCK, { ignition: false }));
    await expect.poll(() => shownValue('ignition')).toBe('off');
  });

  it('the last position as text; a flagged fix is noted, never shown as the position', async () => {
    const fix = readingOf(TRUCK, { lat: 52.51234, lon: 13.41234, heading: 271.5, acc: 4, alt: 35 });
    await publish(fix);
    await expect.poll(() => page.locator('#pos-latlon').textContent()).toBe('52.51234, 13.41234');
    expect(await page.locator('#pos-heading').textContent()).toBe('271.5° (W)');
    expect(await page.locator('#pos-acc').textContent()).toBe('± 4 m');
    expect(await page.locator('#pos-alt').textContent()).toBe('35 m');
    await expect.poll(() => page.locator('#pos-age').textContent()).toMatch(/^\d+ s ago \(/);
    // (0, 0) is flagged zero_fix by the dashboard's validation: said, and the fix before stays.
    await publish(readingOf(TRUCK, { lat: 0, lon: 0 }));
    await expect
      .poll(() => page.locator('#position-note').getAttribute('data-flag'))
      .toBe('zero_fix');
    expect(await page.locator('#position-note').textContent()).toContain('was not used');
    expect(await page.locator('#pos-latlon').textContent()).toBe('52.51234, 13.41234');
    // A newer usable fix replaces the position and clears the note.
    await publish(readingOf(TRUCK, { lat: 52.5125, lon: 13.4125 }));
    await expect.poll(() => page.locator('#pos-latlon').textContent()).toBe('52.51250, 13.41250');
    expect(await page.locator('#position-note').textContent()).toBe('');
  });

  it('a vehicle shows only what it sends: charts appear when a signal first arrives', async () => {
    await openVehicle(page, VAN);
    await publish(readingOf(VAN));
    await expect.poll(shown).toEqual(['ignition', 'fuel_pct']);
    await expect.poll(() => page.locator('#pos-latlon').textContent()).not.toBe('–');
    await publish(readingOf(VAN, { coolant_c: 40 }));
    await expect.poll(shown).toEqual(['ignition', 'fuel_pct', 'coolant_c']);
    await openVehicle(page, BIKE);
    await publish(readingOf(BIKE));
    await expect.poll(() => page.locator('.chart').getAttribute('data-points')).not.toBe('0');
    expect(await shown()).toEqual([]);
    expect(await page.locator('#signals-empty').isVisible()).toBe(true);
    expect(await page.locator('#position-empty').isVisible()).toBe(true);
  });

  it('fits a phone (390 px) and 2560 px without sideways scroll', async () => {
    for (const width of [390, 2560]) {
      const other = await browser.newPage({ viewport: { width, height: 900 } });
      try {
        await openVehicle(other, TRUCK);
        await publish(readingOf(TRUCK));
        await expect.poll(() => other.locator('.signal-chart').count()).toBe(7);
        expect(await noSidewaysScroll(other)).toBe(true);
      } finally {
        await other.close();
      }
    }
    expect(pageErrors).toEqual([]);
  });
});

describe("the fleet table's fuel, battery, ignition and last-fix columns", () => {
  let page: Page;
  beforeAll(async () => {
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });
  afterAll(async () => {
    await page?.close();
  });

  const rows = () =>
    page.$$eval('#latest-body tr[data-device]', (trs) =>
      trs.map((tr) => ({
        id: (tr as HTMLElement).dataset.device ?? '',
        fuel: tr.querySelector('td.col-fuel')?.textContent ?? '',
        battery: tr.querySelector('td.col-battery')?.textContent ?? '',
        ignition: tr.querySelector('td.col-ignition')?.textContent ?? '',
        fix: tr.querySelector('td.col-fix')?.textContent ?? '',
      })),
    );
  const ids = async () => (await rows()).map((r) => r.id);

  it('shows each vehicle’s newest values, and "–" for what it never sent', async () => {
    await page.goto(`${base}/`);
    // The page's first rows (a loaded machine may take a while to open it).
    await expect.poll(ids, { timeout: 15_000 }).toHaveLength(3);
    await publish(readingOf(TRUCK, { ignition: true }));
    await expect.poll(async () => (await rows()).find((r) => r.id === TRUCK)?.ignition).toBe('on');
    const byId = new Map((await rows()).map((r) => [r.id, r]));
    expect(byId.get(TRUCK)).toMatchObject({ fuel: '72', battery: '12.3' });
    expect(byId.get(TRUCK)?.fix).toMatch(/^\d+ s ago$/);
    expect(byId.get(VAN)).toMatchObject({ fuel: '18', battery: '–', ignition: 'on' });
    expect(byId.get(BIKE)).toMatchObject({ fuel: '–', battery: '–', ignition: '–', fix: '–' });
  });

  it('updates live: fuel, ignition and the fix age change without a reload', async () => {
    await publish(readingOf(VAN, { fuel_pct: 55, ignition: false }));
    await expect
      .poll(async () => (await rows()).find((r) => r.id === VAN))
      .toMatchObject({ fuel: '55', ignition: 'off' });
  });

  it('sorts by fuel (lowest first, then highest), battery, ignition and last fix, empty values last', async () => {
    await page.click('button[data-sort="fuel_pct"]');
    await expect.poll(ids).toEqual([VAN, TRUCK, BIKE]);
    expect(
      await page.locator('th:has(button[data-sort="fuel_pct"])').getAttribute('aria-sort'),
    ).toBe('ascending');
    await page.click('button[data-sort="fuel_pct"]');
    await expect.poll(ids).toEqual([TRUCK, VAN, BIKE]);
    await page.click('button[data-sort="battery_v"]');
    await expect.poll(ids).toEqual([TRUCK, BIKE, VAN]);
    // Ignition: on first (the truck's last reading has it on, the van's off).
    await page.click('button[data-sort="ignition"]');
    await expect.poll(ids).toEqual([TRUCK, VAN, BIKE]);
    // Last fix, oldest first: the van's fix is older than the truck's newest; the bike has none.
    await publish(readingOf(TRUCK));
    await page.click('button[data-sort="fix_at"]');
    await expect.poll(ids).toEqual([VAN, TRUCK, BIKE]);
    await page.click('button[data-sort="fix_at"]');
    await expect.poll(ids).toEqual([TRUCK, VAN, BIKE]);
    expect(await noSidewaysScroll(page)).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
