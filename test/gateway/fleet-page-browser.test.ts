// Chromium shows a phone reporting over OsmAnd on the fleet page: the gateway, the real collector and dashboard, one request in, its row and speed on the page.
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dashboard } from '../../dashboard/dashboard.js';
import { CHROMIUM } from '../dashboard/browser-fixture.js';
import { testDashboard } from '../dashboard/helpers.js';
import { removeTempDirs } from '../helpers/tmp.js';
import { type GatewayFixture, osmandUrl, startGatewayFixture } from './fixture.js';

let browser: Browser;
let f: GatewayFixture;
let dashboard: Dashboard;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  // No registry publisher of the fixture's own: the dashboard owns the registry here.
  f = await startGatewayFixture({}, {}, null);
  dashboard = testDashboard(f.config);
  await dashboard.start();
  await dashboard.subscribed;
  browser = await chromium.launch(CHROMIUM);
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (err) => pageErrors.push(err.message));
});

afterAll(async () => {
  await page?.close();
  await browser?.close();
  await dashboard?.stop();
  await f?.stop();
  removeTempDirs();
});

describe('an OsmAnd phone on the fleet page', () => {
  it('appears, online, with its speed, once the phone has reported', async () => {
    await page.goto(`http://127.0.0.1:${dashboard.port}/`);
    await page.locator('#latest-body').waitFor({ state: 'attached' });
    const row = page.locator('#latest-body tr[data-device="phone_live"]');
    expect(await row.count()).toBe(0);
    const sentAt = Date.now();
    const t = Math.floor(sentAt / 1000);
    // 27 knots = 50.004 km/h.
    const answer = await fetch(
      osmandUrl(f, `id=phone_live&timestamp=${t}&lat=52.52&lon=13.405&speed=27`),
    );
    expect(answer.status).toBe(200);
    await row.waitFor({ timeout: 30_000 });
    // The delay is a figure for the record (the benchmark measures it), not a pass/fail bound here.
    console.log(`gateway → fleet page: row visible ${Date.now() - sentAt} ms after the request`);
    await expect.poll(() => row.getAttribute('data-status')).toBe('online');
    await expect.poll(() => row.locator('td.speed').textContent()).toMatch(/^50(\.0)?$/);
    expect(pageErrors).toEqual([]);
  });
});
