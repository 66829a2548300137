// Every page the dashboard serves, in Chromium with axe-core: no serious or critical violation while showing content in every state (AUTH_MODE=local signed in and out; AUTH_MODE=none's own overview and vehicle page), and the keyboard reaches the controls with a visible focus ring.
import type { Express } from 'express';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dashboard } from '../../dashboard/dashboard.js';
import { removeTempDirs } from '../helpers/tmp.js';
import { Caller } from '../people/caller.js';
import { startPeopleFixture } from '../people/fixture.js';
import { seriousViolations } from './axe.js';
import { CHROMIUM } from './browser-fixture.js';
import { pagePaths, SCENE, SCENE_CONFIG, type Scene, startScene } from './page-scene.js';
import { type RouteFixture, startRouteFixture } from './route-fixture.js';

const TOKEN = 'a11y-test-token-0123456789abcdef';
const VIEWPORT = { width: 1280, height: 900 };

let browser: Browser;
beforeAll(async () => {
  browser = await chromium.launch(CHROMIUM);
});
afterAll(async () => {
  await browser?.close();
  removeTempDirs();
});

async function whenLocal(page: Page, lists: string[]): Promise<void> {
  await page.locator('body[data-auth-mode]').waitFor({ state: 'attached' });
  if ((await page.locator('body').getAttribute('data-auth-mode')) === 'local') {
    await Promise.all(lists.map((list) => page.locator(`${list} tr`).first().waitFor()));
  }
  await page.waitForLoadState('networkidle');
}

/** Waits until the page shows its content; a page without an entry here waits for a quiet network. */
const READY: Record<string, (page: Page) => Promise<unknown>> = {
  overview: (page) =>
    Promise.all([
      page.locator(`#latest-body tr[data-device="${SCENE.late}"].late`).waitFor(),
      page.locator(`#alarm-list li[data-device="${SCENE.online}"]`).first().waitFor(),
      page.locator(`.card[data-device="${SCENE.online}"] .command-status[data-status]`).waitFor(),
      page.locator(`.card[data-device="${SCENE.warning}"][data-status="warning"]`).waitFor(),
      page.locator('#late-note:not([hidden])').waitFor(),
    ]),
  vehicle: (page) =>
    Promise.all([
      page.locator('#vehicle-alarms li').first().waitFor(),
      page.locator('#connection[data-state="connected"]').waitFor(),
      page.locator('#vehicle-chart .uplot').waitFor(),
    ]),
  login: (page) => page.locator('#login-form:not([hidden])').waitFor(),
  // With AUTH_MODE=local its lists are filled (one token, the fixture's accounts, groups and
  // audit); AUTH_MODE=none's anonymous caller has none of them.
  account: (page) => whenLocal(page, ['#token-rows']),
  admin: (page) => whenLocal(page, ['#user-rows', '#group-rows', '#audit-rows']),
};

/** Serious and critical violations, one line per element, by page (and state). */
type Found = Record<string, string[]>;

/** Opens a page and waits for its content (READY, by the body's data-page). */
async function open(context: BrowserContext, base: string, path: string) {
  const page = await context.newPage();
  await page.goto(`${base}${path}`);
  const kind = (await page.locator('body').getAttribute('data-page')) ?? '';
  await (READY[kind]?.(page) ?? page.waitForLoadState('networkidle'));
  return { page, kind, where: new URL(page.url()).pathname };
}

/** Tab moves focus onto controls (not the body), each with a visible outline. */
async function expectKeyboardFocus(page: Page, where: string): Promise<void> {
  const focusable = await page.locator('a[href], button:not([disabled]), input, select').count();
  for (let i = 0; i < Math.min(focusable, 6); i++) {
    await page.keyboard.press('Tab');
    const focus = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return 'body';
      const style = getComputedStyle(el);
      return style.outlineStyle !== 'none' && style.outlineWidth !== '0px' ? 'ok' : el.outerHTML;
    });
    expect(focus, `${where}: focus ${i + 1} is visible`).toBe('ok');
  }
}

/**
 * Checks every page the caller reaches (page-scene.ts, pagePaths): axe on what it shows, the
 * keyboard, then `more` (a page's other states). Returns the serious and critical violations by
 * page; every page is checked before the test judges, so one run lists them all.
 */
async function checkEveryPage(
  app: Express,
  base: string,
  context: BrowserContext,
  more: (kind: string, page: Page) => Promise<Found> = async () => ({}),
  only: (path: string) => boolean = () => true,
): Promise<Found> {
  const cookie = (await context.cookies(base)).map((c) => `${c.name}=${c.value}`).join('; ');
  const found: Found = {};
  for (const path of (await pagePaths(app, base, cookie || undefined)).filter(only)) {
    const { page, kind, where } = await open(context, base, path);
    found[where] = await seriousViolations(page);
    await expectKeyboardFocus(page, where);
    Object.assign(found, await more(kind, page));
    await page.close();
  }
  return found;
}

const none = (found: Found) => Object.fromEntries(Object.keys(found).map((k) => [k, []]));

describe('AUTH_MODE=local', () => {
  let f: Awaited<ReturnType<typeof startPeopleFixture>>;
  let scene: Scene;

  beforeAll(async () => {
    f = await startPeopleFixture(SCENE_CONFIG, { now: () => Date.now(), ackTimeoutMs: 3000 });
    scene = await startScene(f.route.dashboard, f.route.broker.port, f.admin);
    // The account page lists a token.
    const token = await f.admin.send('/api/tokens', { method: 'POST', body: { name: 'ci' } });
    expect(token.status).toBe(201);
  }, 120_000);
  afterAll(async () => {
    await scene?.stop();
    await f?.route.stop();
  });

  it('signed in as an admin: every page', async () => {
    const context = await browser.newContext({ viewport: VIEWPORT });
    const [name, value] = (f.admin.cookie ?? '').split('=') as [string, string];
    await context.addCookies([{ name, value, url: f.base }]);
    const found = await checkEveryPage(appOf(f.route.dashboard), f.base, context);
    expect(Object.keys(found)).toEqual(
      expect.arrayContaining(['/', '/account', '/admin', '/api/docs', `/vehicles/${SCENE.online}`]),
    );
    expect(found).toEqual(none(found));
    await context.close();
  }, 180_000);

  it('signed out: the sign-in page, also with its error note', async () => {
    const context = await browser.newContext({ viewport: VIEWPORT });
    const found = await checkEveryPage(
      appOf(f.route.dashboard),
      f.base,
      context,
      async (kind, page): Promise<Found> => {
        if (kind !== 'login') return {};
        await page.locator('#login-username').fill('admin');
        await page.locator('#login-password').fill('not the password at all');
        await page.locator('#login-form button[type="submit"]').click();
        await page.locator('#login-note:not(:empty)').waitFor();
        return { 'login, wrong password': await seriousViolations(page) };
      },
    );
    expect(Object.keys(found)).toContain('/login');
    expect(found).toEqual(none(found));
    await context.close();
  }, 120_000);
});

describe('AUTH_MODE=none', () => {
  let f: RouteFixture;
  let scene: Scene;

  beforeAll(async () => {
    f = await startRouteFixture(
      { ...SCENE_CONFIG, DASHBOARD_API_TOKEN: TOKEN },
      { now: () => Date.now(), ackTimeoutMs: 3000 },
    );
    scene = await startScene(f.dashboard, f.broker.port, Caller.withToken(f.base, 'api', TOKEN));
  }, 120_000);
  afterAll(async () => {
    await scene?.stop();
    await f?.stop();
  });

  // Only the pages whose markup depends on the mode: the overview (its API token field is there
  // only in this mode) and the vehicle page (its controls without a role). The others (reports,
  // account, admin, API docs) are the same documents as signed in, checked above.
  it('the overview, with the API token field empty and set, and the vehicle page', async () => {
    const context = await browser.newContext({ viewport: VIEWPORT });
    const found = await checkEveryPage(
      appOf(f.dashboard),
      f.base,
      context,
      async (kind, page): Promise<Found> => {
        if (kind !== 'overview') return {};
        await page.locator('#api-token').fill(TOKEN);
        await page.locator('#token-form button[type="submit"]').click();
        await page.locator('#token-state[data-set="true"]').waitFor();
        return { 'overview, token set': await seriousViolations(page) };
      },
      (path) => path === '/' || path.startsWith('/vehicles/'),
    );
    expect(Object.keys(found)).toEqual(expect.arrayContaining(['/', `/vehicles/${SCENE.online}`]));
    expect(found).toEqual(none(found));
    await context.close();
  }, 180_000);
});

function appOf(dashboard: Dashboard): Express {
  const app = dashboard.app;
  if (!app) throw new Error('the dashboard has no app yet');
  return app as Express;
}
