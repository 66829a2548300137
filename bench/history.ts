// History queries: /api/devices/:id/history over 864,000 stored readings (10 devices x 24 h at 1 Hz), SQLite.
import { join } from 'node:path';
import type { Reading } from '../core/contract.js';
import { SqliteStore } from '../core/store/sqlite-store.js';
import { freePort, waitForPort } from '../harness/ports.js';
import { ProgramProcess } from '../harness/program.js';
import { percentile } from './stats.js';

export interface HistoryOptions {
  repeat: number;
  requests: number;
  devices: number;
  hours: number;
}

export interface HistoryRun {
  p95Ms24h: number;
  p95Ms5m: number;
  readings: number;
}

/** One reading per second per device over the last `hours`, ending now. */
async function fill(path: string, devices: number, hours: number): Promise<number> {
  const store = new SqliteStore({ path });
  await store.start();
  const perDevice = hours * 3600;
  const end = Date.now();
  let total = 0;
  for (let d = 1; d <= devices; d++) {
    const id = `hist_${String(d).padStart(2, '0')}`;
    for (let from = 0; from < perDevice; from += 20_000) {
      const batch: Reading[] = [];
      for (let seq = from; seq < Math.min(perDevice, from + 20_000); seq++) {
        const timestamp = new Date(end - (perDevice - seq) * 1000).toISOString();
        batch.push({
          device_id: id,
          seq,
          timestamp,
          values: { speed: 50 + 30 * Math.sin(seq / 300) },
        });
      }
      total += (await store.write(batch)).stored;
    }
  }
  await store.stop();
  return total;
}

async function timeRequests(
  base: string,
  devices: number,
  requests: number,
  duration: string,
): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < requests; i++) {
    const id = `hist_${String((i % devices) + 1).padStart(2, '0')}`;
    const started = performance.now();
    const res = await fetch(`${base}/api/devices/${id}/history?duration=${duration}`);
    const body = (await res.json()) as { data_points?: unknown[] };
    times.push(performance.now() - started);
    if (res.status !== 200 || !body.data_points?.length)
      throw new Error(`history ${duration}: ${res.status}`);
  }
  return times;
}

/** Fills once, then measures `repeat` times against a dashboard process on the same file. */
export async function historyRuns(dir: string, o: HistoryOptions): Promise<HistoryRun[]> {
  const path = join(dir, 'telemetry.db');
  const readings = await fill(path, o.devices, o.hours);
  const port = await freePort();
  const dashboard = new ProgramProcess('dashboard/main.ts', [], {
    SQLITE_PATH: path,
    // Benchmarks of the data path: no accounts (AUTH_MODE=none, as before accounts existed).
    AUTH_MODE: 'none',
    DASHBOARD_STATE_PATH: join(dir, 'dashboard-state.db'),
    DASHBOARD_HOST: '127.0.0.1',
    DASHBOARD_PORT: String(port),
    MQTT_BROKER_HOST: '127.0.0.1',
    MQTT_BROKER_PORT: String(await freePort()), // no broker needed: history comes from the store
    // The bench times queries, not the per-address limiter (600 a minute by default).
    DASHBOARD_RATE_LIMIT_PER_MIN: '1000000',
    LOG_LEVEL: 'warn',
  });
  dashboard.start();
  try {
    await waitForPort(port, 30_000);
    const base = `http://127.0.0.1:${port}`;
    await timeRequests(base, o.devices, 10, '24h'); // warm: first open, page cache
    const runs: HistoryRun[] = [];
    for (let r = 0; r < o.repeat; r++) {
      const day = await timeRequests(base, o.devices, o.requests, '24h');
      const recent = await timeRequests(base, o.devices, o.requests, '5m');
      runs.push({ p95Ms24h: percentile(day, 95), p95Ms5m: percentile(recent, 95), readings });
    }
    return runs;
  } finally {
    await dashboard.kill('SIGTERM');
  }
}
