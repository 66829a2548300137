// GET /api/docs in a real Chromium: Swagger UI, served by the dashboard under its CSP, renders every operation of the document, with no warning or error box.
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../helpers/tmp.js';
import { send } from '../security/dashboard-http.js';
import { CHROMIUM } from './browser-fixture.js';
import { type RouteFixture, startRouteFixture } from './route-fixture.js';

let fixture: RouteFixture;
let browser: Browser;

beforeAll(async () => {
  fixture = await startRouteFixture();
  browser = await chromium.launch(CHROMIUM);
});

afterAll(async () => {
  await browser?.close();
  await fixture?.stop();
  removeTempDirs();
});

describe('the API docs page', () => {
  it('renders every operation from /api/openapi.json, loading nothing from elsewhere and breaking no CSP rule', async () => {
    const page = await browser.newPage();
    const foreign: string[] = [];
    const violations: string[] = [];
    page.on('request', (req) => {
      if (!req.url().startsWith(fixture.base) && !req.url().startsWith('data:')) {
        foreign.push(req.url());
      }
    });
    page.on('console', (msg) => {
      if (/Content Security Policy|Refused to/i.test(msg.text())) violations.push(msg.text());
    });
    await page.goto(`${fixture.base}/api/docs`);
    await page.locator('.opblock').first().waitFor({ timeout: 30_000 });
    const doc = (await send(fixture.base, '/api/openapi.json')).json as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0);
    expect(await page.locator('.opblock').count()).toBe(operations);
    const paths = await page.$$eval('.opblock-summary-path', (els) =>
      els.map((e) => e.getAttribute('data-path')),
    );
    expect(new Set(paths)).toEqual(new Set(Object.keys(doc.paths)));
    expect(await page.locator('.info .title').textContent()).toContain(
      'Vehicle telemetry dashboard API',
    );
    // Swagger UI's boxes for a document it cannot fully read (e.g. a jsonSchemaDialect other than
    // the default), for errors while loading it, and for an unknown OpenAPI version.
    const warnings = await page.$$eval(
      '.errors-wrapper, .version-pragma, .loading-container',
      (els) => els.map((e) => e.textContent),
    );
    expect(warnings).toEqual([]);
    // Each operation's lock: the document names who may call it (public routes have none).
    expect(await page.locator('.authorization__btn').count()).toBeGreaterThan(0);
    expect(foreign).toEqual([]);
    expect(violations).toEqual([]);
    await page.close();
  });

  it('its assets come from this server with its security headers', async () => {
    for (const path of [
      '/vendor/swagger-ui/swagger-ui-bundle.js',
      '/vendor/swagger-ui/swagger-ui.css',
      '/api-docs.js',
      '/api-docs.css',
    ]) {
      const res = await send(fixture.base, path);
      expect(res.status, path).toBe(200);
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    }
  });
});
