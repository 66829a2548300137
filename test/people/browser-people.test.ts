// Chromium with AUTH_MODE=local: sign in, see only the group's vehicles and alarms, the controls the role allows, the account and admin pages, sign out.
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM } from '../dashboard/browser-fixture.js';
import { removeTempDirs } from '../helpers/tmp.js';
import { IN, PASSWORD, type PeopleFixture, startPeopleFixture } from './fixture.js';

let f: PeopleFixture;
let browser: Browser;
const pageErrors: string[] = [];

beforeAll(async () => {
  f = await startPeopleFixture();
  browser = await chromium.launch(CHROMIUM);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await f?.route.stop();
  removeTempDirs();
});

async function signedIn(username: string, password: string, path = '/'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await page.goto(`${f.base}${path}`);
  await page.waitForURL(/\/login\?next=/, { waitUntil: 'commit' });
  await page.locator('#login-username').fill(username);
  await page.locator('#login-password').fill(password);
  await page.locator('#login-form button[type="submit"]').click();
  await page.waitForURL((url) => url.pathname === path, { waitUntil: 'commit' });
  return page;
}

const rows = (page: Page) =>
  page
    .locator('#latest-body tr[data-device]')
    .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-device')));

describe('signed in on the page', () => {
  it('a wrong password says so and stays on the sign-in page', async () => {
    const page = await browser.newPage();
    await page.goto(`${f.base}/`);
    await page.waitForURL(/\/login/, { waitUntil: 'commit' });
    await page.locator('#login-username').fill('operator');
    await page.locator('#login-password').fill('not the password at all');
    await page.locator('#login-form button[type="submit"]').click();
    await expect
      .poll(() => page.locator('#login-note').textContent())
      .toBe('Wrong username or password.');
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.close();
  });

  it('an operator sees only the group’s vehicle and its alarm, has commands, no token box, no admin link; then signs out', async () => {
    const page = await signedIn('operator', PASSWORD);
    await expect.poll(() => rows(page), { timeout: 15_000 }).toEqual([IN]);
    await expect.poll(() => page.locator('#sum-devices').textContent()).toBe('1');
    await expect.poll(() => page.locator('.card[data-device]').count()).toBe(1);
    expect(await page.locator('.card[data-device]').getAttribute('data-device')).toBe(IN);
    await expect.poll(() => page.locator('#alarm-list li').count()).toBe(1);
    expect(await page.locator('#alarm-list li').getAttribute('data-device')).toBe(IN);
    expect(await page.locator('#alarm-list li button.ack').isVisible()).toBe(true);
    expect(await page.locator('.card .command-button').count()).toBeGreaterThan(0);
    expect(await page.locator('#token-form').count()).toBe(0);
    expect(await page.locator('#user-name').textContent()).toBe('operator');
    expect(await page.locator('#admin-link').count()).toBe(0);
    // Nothing of the other vehicles anywhere on the page.
    expect(await page.content()).not.toMatch(/vehicle_0[23]/);
    // The URL is the outcome (the sign-in page's own load is not): waited for once it commits.
    await page.locator('#sign-out').click();
    await page.waitForURL(/\/login$/, { waitUntil: 'commit' });
    await page.goto(`${f.base}/`, { waitUntil: 'commit' });
    await page.waitForURL(/\/login\?next=/, { waitUntil: 'commit' });
    await page.context().close();
  });

  it('a viewer sees the alarms without acknowledge buttons and no command controls', async () => {
    const page = await signedIn('viewer', PASSWORD);
    await expect.poll(() => rows(page), { timeout: 15_000 }).toEqual([IN]);
    await expect.poll(() => page.locator('#alarm-list li').count()).toBe(1);
    expect(await page.locator('#alarm-list li button.ack').isVisible()).toBe(false);
    expect(await page.locator('.card .command-button').count()).toBe(0);
    await page.context().close();
  });

  it('an admin sees every vehicle, manages accounts on the admin page, and gets a token shown once', async () => {
    const page = await signedIn('admin', f.adminPassword);
    await expect
      .poll(() => rows(page), { timeout: 15_000 })
      .toEqual(['vehicle_01', 'vehicle_02', 'vehicle_03']);
    await page.locator('#admin-link').click();
    await page.waitForURL(/\/admin$/, { waitUntil: 'commit' });
    await expect.poll(() => page.locator('#user-rows tr').count()).toBe(3);
    await page.locator('#user-create input[name="username"]').fill('newbie');
    await page.locator('#user-create input[name="password"]').fill(PASSWORD);
    await page.locator('#user-create input[name="groups"]').fill('north');
    await page.locator('#user-create button[type="submit"]').click();
    await expect.poll(() => page.locator('#user-rows tr[data-user="newbie"]').count()).toBe(1);
    await expect.poll(() => page.locator('#audit-rows tr').count()).toBeGreaterThan(3);
    await page.goto(`${f.base}/account`);
    await page.locator('#token-create input[name="name"]').fill('page token');
    await page.locator('#token-create button[type="submit"]').click();
    await expect
      .poll(() => page.locator('#token-shown').textContent())
      .toMatch(/^tlm_[0-9a-f]{16}\./);
    await expect.poll(() => page.locator('#token-rows tr').count()).toBe(1);
    await page.context().close();
    // The new account signs in through the page and sees its group.
    const newbie = await signedIn('newbie', PASSWORD);
    await expect.poll(() => rows(newbie), { timeout: 15_000 }).toEqual([IN]);
    await newbie.context().close();
    expect(pageErrors).toEqual([]);
  });
});
