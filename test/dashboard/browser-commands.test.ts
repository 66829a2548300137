// Commands from the page in Debian's chromium: token field, buttons, the live status line (Mosquitto, a vehicle, the dashboard).
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/log.js';
import type { Dashboard } from '../../dashboard/dashboard.js';
import { createDevice } from '../../devices/create-device.js';
import type { Device } from '../../devices/device.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { waitFor } from '../../harness/wait.js';
import { journalSettings, TOKEN } from '../helpers/commands.js';
import { testConfig } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { CHROMIUM } from './browser-fixture.js';
import { testDashboard } from './helpers.js';

let broker: MosquittoProcess;
let dashboard: Dashboard;
let device: Device;
let browser: Browser;
let page: Page;
let queueDir: string;
const pageErrors: string[] = [];

beforeAll(async () => {
  const dir = tempDir('browser-commands-');
  broker = new MosquittoProcess({ dir });
  await broker.start();
  const config = testConfig(dir, broker.port, {
    DASHBOARD_API_TOKEN: TOKEN,
    PUBLISH_INTERVAL_MS: '200',
  });
  queueDir = config.devices.queueDir;
  dashboard = testDashboard(config, { clientId: 'dashboard-browser-commands' });
  await dashboard.start();
  await Promise.all([dashboard.subscribed, dashboard.commands.subscribed]);
  device = createDevice(config, 'vehicle_01', silentLogger());
  await device.start();
  await waitFor(
    () => dashboard.board.statusOf('vehicle_01', Date.now()),
    (s) => s === 'online',
  );
  browser = await chromium.launch(CHROMIUM);
  page = await browser.newPage({ viewport: { width: 1000, height: 800 } });
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(`http://127.0.0.1:${dashboard.port}/`);
  await page.locator('.card[data-device="vehicle_01"] .commands').waitFor();
});

afterAll(async () => {
  await browser?.close();
  await device?.stop();
  await dashboard?.stop();
  await broker?.stop();
  removeTempDirs();
});

const card = () => page.locator('.card[data-device="vehicle_01"]');
const line = () => card().locator('.command-status');

describe('commands on the page', () => {
  it('without the token the command is refused with a clear message, and nothing is queued', async () => {
    await card().locator('button[data-command="ping"]').click();
    await expect.poll(() => line().textContent()).toMatch(/API token is missing or wrong/);
    expect(await line().getAttribute('data-status')).toBe('refused');
    expect(dashboard.commands.list('vehicle_01', 10)).toEqual([]);
  });

  it('with the token, ping is sent and the line shows it succeed', async () => {
    await page.locator('#api-token').fill(TOKEN);
    await page.click('#token-form button[type="submit"]');
    await card().locator('button[data-command="ping"]').click();
    await expect.poll(() => line().getAttribute('data-status')).toBe('succeeded');
    expect(await line().textContent()).toMatch(/^ping: succeeded \(uptime_s \d+(\.\d+)?\)/);
    // The token lives in the tab's sessionStorage only.
    expect(await page.evaluate(() => sessionStorage.getItem('telemetry.apiToken'))).toBe(TOKEN);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(page.url()).not.toContain(TOKEN);
  });

  it('set speed limit and set interval from their inputs; the vehicle keeps them', async () => {
    await card().locator('input.command-limit').fill('42.5');
    await card().locator('button[data-command="set_speed_limit"]').click();
    await expect
      .poll(() => line().textContent())
      .toMatch(/^set_speed_limit: succeeded \(speed_kmh 42\.5\)/);
    await card().locator('input.command-interval').fill('500');
    await card().locator('button[data-command="set_interval"]').click();
    await expect
      .poll(() => line().textContent())
      .toMatch(/^set_interval: succeeded \(interval_ms 500\)/);
    expect(journalSettings(queueDir, 'vehicle_01')).toEqual({
      interval_ms: 500,
      speed_limit_kmh: 42.5,
    });
    expect(device.intervalMs).toBe(500);
  });

  it('a bad value is answered 400 by the server and shown as text', async () => {
    await card().locator('input.command-interval').fill('5');
    await card().locator('button[data-command="set_interval"]').click();
    await expect
      .poll(() => line().textContent())
      .toMatch(/^not sent: HTTP 400: params\.interval_ms must be an integer from 10 to 60000/);
  });

  it('after a reload the line shows the newest command, and no page error happened', async () => {
    await page.reload();
    await expect.poll(() => line().textContent()).toMatch(/^set_interval: succeeded/);
    expect(await page.locator('#token-state').textContent()).toBe('token set'); // kept for the tab, never shown back
    expect(pageErrors).toEqual([]);
  });
});
