// `npm run screenshots`: docs/fleet-overview.png and docs/vehicle-page.png from a real run (Mosquitto, `npm run collector`, `npm run dashboard`, 200 vehicles published live, Chromium).

import { execSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { endStage, stage } from '../bench/ui.js';
import { launchBrowser } from '../bench/ui-page.js';
import { encodeAlarmMessage } from '../core/alarm-wire.js';
import { alarmTopic } from '../core/contract.js';
import { MosquittoProcess } from '../harness/mosquitto.js';
import { sleep } from '../harness/wait.js';

const DOCS = fileURLToPath(new URL('../docs/', import.meta.url));
const VEHICLES = 200;

// The collector runs as `npm run collector` does: bundled.
execSync('npm run -s build', { stdio: 'inherit' });
const dir = mkdtempSync(join(tmpdir(), 'screenshots-'));
const broker = new MosquittoProcess({ dir: join(dir, 'mosquitto') });
await broker.start();
const browser = await launchBrowser();
try {
  const s = await stage(join(dir, 'run'), broker.port, VEHICLES, {
    collector: true,
    healthEveryMs: 10_000,
  });
  // Something to see: one vehicle stopped, one over the limit.
  await s.traffic.goOffline('vehicle_09');
  const now = new Date().toISOString();
  const client = await mqtt.connectAsync({ host: '127.0.0.1', port: broker.port });
  await client.publishAsync(
    alarmTopic('vehicle_03', 'overspeed'),
    encodeAlarmMessage({
      id: randomUUID(),
      device_id: 'vehicle_03',
      rule: 'overspeed',
      severity: 'major',
      state: 'open',
      started_at: now,
      updated_at: now,
      cleared_at: null,
      acknowledged_at: null,
      value: 124.5,
      message: 'speed 124.5 km/h above 110 km/h for 1 s or more',
      version: 1,
    }),
    { qos: 1, retain: true },
  );
  await client.endAsync();
  await sleep(45_000); // sparklines fill, vehicle_09 is offline
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  await page.goto(`${s.base}/`);
  await page.waitForFunction(
    () => document.querySelectorAll('.chart[data-drawn="true"]').length > 0,
  );
  await sleep(3000);
  await page.screenshot({ path: join(DOCS, 'fleet-overview.png') });
  await page.goto(`${s.base}/vehicles/vehicle_03`);
  await page.waitForFunction(() => document.querySelector('.chart[data-drawn="true"]') !== null);
  await sleep(3000);
  await page.screenshot({ path: join(DOCS, 'vehicle-page.png'), fullPage: true });
  await page.close();
  await endStage(s);
  process.stdout.write('docs/fleet-overview.png, docs/vehicle-page.png\n');
} finally {
  await browser.close();
  await broker.stop();
  rmSync(dir, { recursive: true, force: true });
}
