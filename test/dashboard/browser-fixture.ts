// Parts of the browser test: chromium flags, a stored "earlier run", a device in its own process, page probes.

import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { Config } from '../../core/config.js';
import type { SpeedReading } from '../../core/contract.js';
import { readingOfSpeed } from '../../core/contract.js';
import { SqliteStore } from '../../core/store/sqlite-store.js';
import { fleetIds } from '../../devices/create-device.js';
import { createRandom, deviceSeed } from '../../devices/rng.js';
import { npmCommand } from '../../harness/program.js';
import { SpeedModel } from '../helpers/speed-series.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SCREENSHOT = join(ROOT, 'docs', 'dashboard.png');
/** Debian's chromium; playwright never downloads a browser here. */
export const CHROMIUM = {
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
    // Containers often give /dev/shm 64 MB, too little for chromium's renderer.
    '--disable-dev-shm-usage',
  ],
};
export const IDS = fleetIds('vehicle_', 10);
/** Stored seqs of the "earlier run" start here, far above what the live devices reach. */
const HISTORY_SEQ_BASE = 1_000_000;

/** 24 h of stored history per vehicle: every 30 s, and every second for the last 10 minutes. */
export async function storeEarlierRun(config: Config): Promise<void> {
  const store = new SqliteStore({ path: config.store.sqlitePath });
  await store.start();
  const end = Date.now() - 8_000;
  for (const id of IDS) {
    const model = new SpeedModel(createRandom(deviceSeed(7, id)));
    const readings: SpeedReading[] = [];
    let seq = HISTORY_SEQ_BASE;
    const push = (at: number) =>
      readings.push({
        device_id: id,
        seq: seq++,
        timestamp: new Date(at).toISOString(),
        speed: model.tick(),
      });
    for (let at = end - 86_400_000; at < end - 600_000; at += 30_000) push(at);
    for (let at = end - 600_000; at <= end; at += 1000) push(at);
    await store.write(readings.map(readingOfSpeed));
  }
  await store.stop();
}

/** `npm run device -- <id>` as a child process, so the test can freeze it (SIGSTOP). */
export function deviceProcess(config: Config, deviceId: string): ChildProcess {
  return spawn(process.execPath, [...npmCommand('device'), deviceId], {
    cwd: ROOT,
    env: {
      ...process.env,
      MQTT_BROKER_HOST: '127.0.0.1',
      MQTT_BROKER_PORT: String(config.mqtt.port),
      QUEUE_DIR: config.devices.queueDir,
      PUBLISH_INTERVAL_MS: String(config.devices.intervalMs),
      SEED: '1',
      LOG_LEVEL: 'warn',
    },
    stdio: 'ignore',
  });
}

export const cardStatus = (page: Page, id: string) =>
  page.locator(`.card[data-device="${id}"]`).getAttribute('data-status');
export const rowStatus = (page: Page, id: string) =>
  page.locator(`#latest-body tr[data-device="${id}"]`).getAttribute('data-status');
/** Windows in each chart's data (the page keeps the count on the chart element). */
export const chartPoints = (page: Page) =>
  page.$$eval('.chart', (charts) => charts.map((c) => Number((c as HTMLElement).dataset.points)));
export const tableSpeeds = (page: Page) =>
  page.$$eval('#latest-body td.speed', (cells) => cells.map((c) => c.textContent ?? ''));
/** The time of the reading each row of the latest table shows. */
export const tableTimes = (page: Page) =>
  page.$$eval('#latest-body td.time', (cells) => cells.map((c) => c.textContent ?? ''));

/**
 * Opaque pixels of the speed line's colour (#2563eb) on each chart's canvas. Only charts on screen
 * draw, so each is scrolled into view first (and given a few frames to draw), then counted.
 */
export const linePixels = (page: Page) =>
  page.$$eval('.chart', async (charts) => {
    const frames = () =>
      new Promise<void>((resolve) =>
        requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve, 30))),
      );
    const counts: number[] = [];
    for (const chart of charts) {
      chart.scrollIntoView({ block: 'center' });
      await frames();
      const canvas = chart.querySelector('canvas');
      const ctx = canvas?.getContext('2d');
      if (!canvas || !ctx) {
        counts.push(0);
        continue;
      }
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      let n = 0;
      for (let i = 0; i < data.length; i += 4) {
        const [r = 0, g = 0, b = 0, a = 0] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
        if (a > 200 && b > 180 && r < 110 && g < 160) n++;
      }
      counts.push(n);
    }
    window.scrollTo(0, 0);
    return counts;
  });
