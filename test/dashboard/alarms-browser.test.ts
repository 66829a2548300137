// Chromium: an alarm appears in the panel and as a badge, is acknowledged with the API token field, and clears; health and the warning state per vehicle.
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Collector } from '../../collector/collector.js';
import { encodeHealth, healthTopic } from '../../core/contract.js';
import { silentLogger } from '../../core/log.js';
import type { Dashboard } from '../../dashboard/dashboard.js';
import { createDevice } from '../../devices/create-device.js';
import type { Device } from '../../devices/device.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { alarmCollector, Publisher, writeRules } from '../alarms/helpers.js';
import { testConfig } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { CHROMIUM } from './browser-fixture.js';
import { testDashboard } from './helpers.js';

const TOKEN = 'browser-ack-token-0123456789abcdef';
const RULES = `
notify: {group_wait: 100ms}
rules:
  - {name: overspeed, type: threshold, above: speed_limit, for: 1s, clear_margin: 10, clear_for: 1s}
  - {name: offline, type: offline, severity: major, for: 1s}
`;

let broker: MosquittoProcess;
let collector: Collector;
let dashboard: Dashboard;
let device: Device;
let pub: Publisher;
let browser: Browser;
let page: Page;
let dir: string;
const pageErrors: string[] = [];
/** vehicle_03 speeds along in the background (its readings keep coming, its health does not). */
let background: NodeJS.Timeout | undefined;

beforeAll(async () => {
  dir = tempDir();
  broker = new MosquittoProcess({ dir });
  await broker.start();
  const config = testConfig(dir, broker.port, {
    ALERT_RULES_FILE: writeRules(dir, RULES),
    DASHBOARD_API_TOKEN: TOKEN,
    PUBLISH_INTERVAL_MS: '200',
    HEALTH_INTERVAL_S: '0.5',
    OFFLINE_AFTER_S: '5',
  });
  collector = alarmCollector(config).collector;
  await collector.start();
  await collector.subscribed;
  dashboard = testDashboard(config);
  await dashboard.start();
  await dashboard.subscribed;
  device = createDevice(config, 'vehicle_01', silentLogger());
  await device.start();
  pub = await Publisher.connect(broker.port);
  browser = await chromium.launch(CHROMIUM);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(`http://127.0.0.1:${dashboard.port}/`);
});

afterAll(async () => {
  clearInterval(background);
  await browser?.close();
  await device?.stop();
  await pub?.end();
  await dashboard?.stop();
  await collector?.stop();
  await broker?.stop();
  removeTempDirs();
});

const alarmItem = (deviceId: string) => page.locator(`#alarm-list li[data-device="${deviceId}"]`);
const badge = (deviceId: string) => page.locator(`.card[data-device="${deviceId}"] .alarm-badge`);

describe('alarms and health on the page', () => {
  it('shows each vehicle’s health (queue depth, reconnects, firmware) as text', async () => {
    const health = page.locator('.card[data-device="vehicle_01"] .health');
    await expect
      .poll(() => health.textContent(), { timeout: 10_000 })
      .toMatch(/^queue \d+ · reconnects 0 · dropped 0 · sim-\d+\.\d+\.\d+$/);
    // Firmware is the device's free text: shown as text, never parsed as markup.
    const hostile = '<img src=x onerror=alert(1)>';
    await pub.status('vehicle_04', 'online');
    await pub.client.publishAsync(
      healthTopic('vehicle_04'),
      encodeHealth({
        device_id: 'vehicle_04',
        timestamp: new Date().toISOString(),
        uptime_s: 1,
        queue_depth: 7,
        dropped_total: 0,
        reconnects: 3,
        firmware: hostile,
      }),
      { qos: 1, retain: true },
    );
    const card4 = page.locator('.card[data-device="vehicle_04"] .health');
    await expect
      .poll(() => card4.textContent())
      .toBe(`queue 7 · reconnects 3 · dropped 0 · ${hostile}`);
    expect(await page.locator('.card img').count()).toBe(0);
  });

  it('a vehicle whose readings keep coming but whose health stopped shows warning', async () => {
    await pub.status('vehicle_03', 'online');
    background = setInterval(() => void pub.reading('vehicle_03', 42), 200);
    await pub.client.publishAsync(
      healthTopic('vehicle_03'),
      encodeHealth({
        device_id: 'vehicle_03',
        timestamp: new Date().toISOString(),
        uptime_s: 5,
        queue_depth: 0,
        dropped_total: 0,
        reconnects: 0,
        firmware: 'sim-test',
      }),
      { qos: 1, retain: true },
    );
    const card = page.locator('.card[data-device="vehicle_03"]');
    await expect.poll(() => card.getAttribute('data-status'), { timeout: 10_000 }).toBe('warning');
    expect(
      await page.locator('#latest-body tr[data-device="vehicle_03"]').getAttribute('data-status'),
    ).toBe('warning');
    expect(await page.locator('.card[data-device="vehicle_01"]').getAttribute('data-status')).toBe(
      'online',
    );
  });

  it('an overspeed alarm appears in the panel and as a badge on its vehicle', async () => {
    await pub.drive('vehicle_02', 123.4, 20);
    await expect.poll(() => alarmItem('vehicle_02').count(), { timeout: 10_000 }).toBe(1);
    const item = alarmItem('vehicle_02');
    expect(await item.getAttribute('data-state')).toBe('open');
    expect(await item.locator('.rule').textContent()).toBe('overspeed');
    expect(await item.locator('.message').textContent()).toBe(
      'speed 123.4 km/h above 110 km/h for 1 s or more',
    );
    expect(await page.locator('#alarm-count').textContent()).toBe('1');
    // vehicle_02 is new: its card comes with the next vehicle list (at most a second later).
    await expect.poll(() => badge('vehicle_02').isVisible()).toBe(true);
    expect(await badge('vehicle_02').textContent()).toBe('overspeed');
    expect(await badge('vehicle_01').isVisible()).toBe(false);
    // What a person sees at this point (docs/alarms.png is the same panel in `npm start`).
    const png = await page.screenshot({ path: join(dir, 'alarms.png') });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  });

  it('acknowledging needs the API token: a clear message on 401, then acknowledged with it', async () => {
    const item = alarmItem('vehicle_02');
    await item.locator('button.ack').click();
    await expect.poll(() => page.locator('#alarm-note').textContent()).toContain('(401)');
    expect(await page.locator('#alarm-note').isVisible()).toBe(true);
    expect(await item.locator('button.ack').isEnabled()).toBe(true);
    await page.fill('#api-token', 'not-the-token');
    await page.click('#token-form button[type="submit"]');
    await item.locator('button.ack').click();
    await expect.poll(() => page.locator('#alarm-note').textContent()).toContain('(401)');
    await page.fill('#api-token', TOKEN);
    await page.click('#token-form button[type="submit"]');
    expect(await page.locator('#token-state').textContent()).toBe('token set');
    expect(await page.inputValue('#api-token')).toBe(''); // never shown back
    expect(await page.evaluate(() => sessionStorage.getItem('telemetry.apiToken'))).toBe(TOKEN);
    await item.locator('button.ack').click();
    await expect.poll(() => item.getAttribute('data-state')).toBe('acknowledged');
    expect(await item.locator('button.ack').isDisabled()).toBe(true);
    expect(await badge('vehicle_02').getAttribute('data-state')).toBe('acknowledged');
  });

  it('clears: the alarm leaves the panel and the badge goes', async () => {
    await pub.drive('vehicle_02', 80, 20);
    await expect.poll(() => alarmItem('vehicle_02').count(), { timeout: 10_000 }).toBe(0);
    expect(await badge('vehicle_02').isVisible()).toBe(false);
    expect(await page.locator('#alarm-count').textContent()).toBe('0');
    expect(await page.locator('#alarm-empty').isVisible()).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
