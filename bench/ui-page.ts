// The UI benchmark's browser side: time to a ready overview page, and the longest main-thread task while live (Chromium).
import { type Browser, chromium } from 'playwright-core';
import { CHROMIUM } from '../test/dashboard/browser-fixture.js';

export { CHROMIUM };

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch(CHROMIUM);
}

/**
 * Milliseconds from navigation start until the table shows rows, the summary counts every vehicle
 * and every chart on screen has drawn its data (polled each animation frame, in the page).
 */
export async function pageReadyMs(
  browser: Browser,
  url: string,
  vehicles: number,
): Promise<number> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(url);
    const handle = await page.waitForFunction(
      (n) => {
        const rows = document.querySelectorAll('#latest-body tr[data-device]').length;
        if (rows === 0 || document.getElementById('sum-devices')?.textContent !== String(n))
          return false;
        const charts = Array.from(document.querySelectorAll<HTMLElement>('.chart'));
        if (charts.length === 0) return false;
        const onScreen = charts.filter((c) => {
          const r = c.getBoundingClientRect();
          return r.bottom > 0 && r.top < innerHeight;
        });
        return onScreen.every((c) => c.dataset.drawn === 'true') && performance.now();
      },
      vehicles,
      { polling: 'raf', timeout: 60_000 },
    );
    return Number(await handle.jsonValue());
  } finally {
    await page.close();
  }
}

/** The longest task (PerformanceObserver 'longtask', ≥ 50 ms) after the page is ready, over `seconds` of live data; 0: none. */
export async function longestTaskMs(
  browser: Browser,
  url: string,
  vehicles: number,
  seconds: number,
): Promise<{ longestMs: number; tasks: number }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.addInitScript(() => {
      const w = window as unknown as { longTasks: Array<[number, number]> };
      w.longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.longTasks.push([e.startTime, e.duration]);
      }).observe({ type: 'longtask', buffered: true });
    });
    await page.goto(url);
    await page.waitForFunction(
      (n) => document.getElementById('sum-devices')?.textContent === String(n),
      vehicles,
      { timeout: 60_000 },
    );
    const readyAt = await page.evaluate(() => performance.now());
    await page.waitForTimeout(seconds * 1000);
    const tasks = await page.evaluate(
      (from) =>
        (window as unknown as { longTasks: Array<[number, number]> }).longTasks.filter(
          ([start]) => start >= from,
        ),
      readyAt,
    );
    return { longestMs: Math.max(0, ...tasks.map(([, d]) => d)), tasks: tasks.length };
  } finally {
    await page.close();
  }
}
