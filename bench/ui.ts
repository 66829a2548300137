// UI benchmark: the dashboard as its own process (npm run dashboard), a fleet published straight into Mosquitto, Chromium and socket.io-clients measuring what a user gets.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { Reading } from '../core/contract.js';
import type { DevicesStatusBody } from '../core/dashboard-contract.js';
import { SqliteStore } from '../core/store/sqlite-store.js';
import { fleetIds } from '../devices/create-device.js';
import { FleetTraffic, type FleetTrafficOptions, waveSpeed } from '../harness/fleet-traffic.js';
import { MosquittoProcess } from '../harness/mosquitto.js';
import { freePort } from '../harness/ports.js';
import { ProgramProcess } from '../harness/program.js';
import { sleep, waitFor } from '../harness/wait.js';
import { cpuSeconds } from './process-metrics.js';
import { median, round } from './stats.js';
import { launchBrowser, longestTaskMs, pageReadyMs } from './ui-page.js';
import { connectClient, pageView, socketBytesPerS } from './ui-sockets.js';

export interface UiOptions {
  repeat: number;
  quick: boolean;
  say: (line: string) => void;
}

export interface Stage {
  base: string;
  dashboard: ProgramProcess;
  traffic: FleetTraffic;
  collector: ProgramProcess | undefined;
}

export interface StageExtras {
  /** Also `npm run collector` (built: `npm run build`), so live readings are stored too. */
  collector?: boolean;
  /** Retained health messages this often (FleetTraffic). */
  healthEveryMs?: number;
  /** Readings with a position (FleetTraffic `position`): telemetry instead of speed only. */
  position?: FleetTrafficOptions['position'];
}

/** Five minutes of 1 Hz history for the vehicles the first chart page shows. */
async function storeHistory(path: string, ids: readonly string[]): Promise<void> {
  const store = new SqliteStore({ path });
  await store.start();
  const end = Date.now();
  const readings: Reading[] = [];
  ids.slice(0, 12).forEach((id, i) => {
    for (let k = 0; k < 300; k++) {
      const at = end - (300 - k) * 1000;
      readings.push({
        device_id: id,
        seq: 1_000_000 + k,
        timestamp: new Date(at).toISOString(),
        values: { speed: waveSpeed(id, i, at) },
      });
    }
  });
  await store.write(readings);
  await store.stop();
}

/** A fresh store and dashboard process, and `count` vehicles publishing at 1 Hz, all online. */
export async function stage(
  dir: string,
  brokerPort: number,
  count: number,
  extras: StageExtras = {},
): Promise<Stage> {
  mkdirSync(dir, { recursive: true });
  const ids = fleetIds('vehicle_', count);
  const sqlitePath = join(dir, 'telemetry.db');
  await storeHistory(sqlitePath, ids);
  const port = await freePort();
  const collector = extras.collector
    ? ProgramProcess.fromNpmScript('collector', [], {
        MQTT_BROKER_HOST: '127.0.0.1',
        MQTT_BROKER_PORT: String(brokerPort),
        SQLITE_PATH: sqlitePath,
        COLLECTOR_STATE_PATH: join(dir, 'collector-state.db'),
        COLLECTOR_CLIENT_ID: `bench-collector-${count}-${process.pid}`,
      })
    : undefined;
  collector?.start();
  const dashboard = ProgramProcess.fromNpmScript('dashboard', [], {
    MQTT_BROKER_HOST: '127.0.0.1',
    MQTT_BROKER_PORT: String(brokerPort),
    SQLITE_PATH: sqlitePath,
    // Benchmarks of the data path: no accounts (AUTH_MODE=none, as before accounts existed).
    AUTH_MODE: 'none',
    DASHBOARD_STATE_PATH: join(dir, 'dashboard-state.db'),
    DASHBOARD_CLIENT_ID: `bench-dashboard-${count}-${process.pid}`,
    DASHBOARD_HOST: '127.0.0.1',
    DASHBOARD_PORT: String(port),
    DASHBOARD_MAX_SOCKETS_PER_IP: '100',
    DASHBOARD_RATE_LIMIT_PER_MIN: '100000',
  });
  dashboard.start();
  const base = `http://127.0.0.1:${port}`;
  await waitFor(
    () =>
      fetch(`${base}/api/health`).then(
        (r) => r.status,
        () => 0,
      ),
    (s) => s === 200,
    { what: 'the dashboard healthy', timeoutMs: 60_000, intervalMs: 200 },
  );
  const traffic = new FleetTraffic({
    port: brokerPort,
    ids,
    clients: count >= 10_000 ? 8 : 4,
    ...(extras.healthEveryMs === undefined ? {} : { healthEveryMs: extras.healthEveryMs }),
    ...(extras.position ? { position: extras.position } : {}),
  });
  await traffic.start();
  await waitFor(
    async () => {
      const body = (await (await fetch(`${base}/api/devices/status`)).json()) as DevicesStatusBody;
      return Object.values(body).filter((d) => d.status === 'online').length;
    },
    (online) => online >= count,
    { what: `${count} vehicles online`, timeoutMs: 120_000, intervalMs: 500 },
  );
  await sleep(2000); // a couple of seconds of live traffic before measuring
  return { base, dashboard, traffic, collector };
}

export async function endStage(s: Stage): Promise<void> {
  await s.traffic.stop();
  await s.dashboard.kill('SIGTERM');
  await s.collector?.kill('SIGTERM');
}

async function readyMedian(browser: Browser, base: string, count: number, o: UiOptions) {
  const runs: number[] = [];
  for (let i = 0; i < o.repeat; i++) {
    o.say(`bench ui: page ready at ${count} vehicles, run ${i + 1}/${o.repeat}`);
    runs.push(await pageReadyMs(browser, `${base}/`, count));
  }
  return median(runs);
}

/** Dashboard CPU (cores) over `seconds`. */
async function cores(pid: number, seconds: number): Promise<number> {
  const before = cpuSeconds(pid);
  await sleep(seconds * 1000);
  return (cpuSeconds(pid) - before) / seconds;
}

export async function uiRun(dir: string, o: UiOptions): Promise<Record<string, number>> {
  const broker = new MosquittoProcess({ dir: join(dir, 'mosquitto') });
  await broker.start();
  const browser = await launchBrowser();
  const out: Record<string, number> = {};
  const live = o.quick ? 8 : 20;
  try {
    o.say('bench ui: 10 vehicles');
    const s10 = await stage(join(dir, 's10'), broker.port, 10);
    out.page_ready_ms_10 = round(await readyMedian(browser, s10.base, 10, o));
    await endStage(s10);

    o.say('bench ui: 1,000 vehicles');
    const s1k = await stage(join(dir, 's1000'), broker.port, 1000);
    out.page_ready_ms_1000 = round(await readyMedian(browser, s1k.base, 1000, o));
    out.page_ready_ratio = round((out.page_ready_ms_1000 ?? 0) / (out.page_ready_ms_10 || 1));
    o.say(`bench ui: longest task over ${live} s live at 1,000 vehicles`);
    const long = await longestTaskMs(browser, `${s1k.base}/`, 1000, live);
    out.longest_task_ms_1000 = round(long.longestMs);
    out.long_tasks_1000 = long.tasks;
    const pid = s1k.dashboard.pid as number;
    o.say('bench ui: dashboard CPU at 1,000 vehicles, no client, then 20 clients');
    out.server_cpu_cores_1000_0_clients = round(await cores(pid, o.quick ? 5 : 10));
    const clients = await Promise.all(
      Array.from({ length: 20 }, (_, i) => connectClient(s1k.base, pageView(1000, i * 40))),
    );
    await sleep(1000);
    out.server_cpu_cores_1000_20_clients = round(await cores(pid, o.quick ? 5 : 10));
    for (const c of clients) c.close();
    await endStage(s1k);

    o.say('bench ui: 10,000 vehicles (socket bytes to one client)');
    const s10k = await stage(join(dir, 's10000'), broker.port, 10_000);
    const seconds = o.quick ? 5 : 10;
    out.socket_kb_per_s_10000 = round(
      (await socketBytesPerS(s10k.base, pageView(10_000), seconds)) / 1024,
    );
    out.legacy_socket_kb_per_s_10000 = round(
      (await socketBytesPerS(s10k.base, undefined, seconds)) / 1024,
    );
    await endStage(s10k);
  } finally {
    await browser.close();
    await broker.stop();
  }
  return out;
}
