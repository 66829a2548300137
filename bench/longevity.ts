// Longevity: a store of a month at 1 Hz plus a year of rolled-up history, built by `npm run import`, under the programs.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { durationMs } from '../core/duration.js';
import { MosquittoProcess } from '../harness/mosquitto.js';
import { freePort, waitForPort } from '../harness/ports.js';
import { ProgramProcess } from '../harness/program.js';
import { sleep, waitFor } from '../harness/wait.js';
import { type HistoryShape, writeHistoryCsv } from './longevity-data.js';
import { RssPeak } from './process-metrics.js';
import { median, percentile } from './stats.js';

export interface LongevityOptions {
  shape: Omit<HistoryShape, 'end'>;
  /** History requests per range and repetition. */
  requests: number;
  repeat: number;
  say: (line: string) => void;
}

export interface LongevityResult {
  readings: number;
  import_rows_per_s: number;
  collector_ready_ms: number;
  collector_ready_ms_empty: number;
  collector_ready_ratio: number;
  collector_peak_rss_mb: number;
  retention_deleted: number;
  retention_longest_step_ms: number;
  event_loop_max_ms_during_retention: number;
  history_p95_ms_5m: number;
  history_p95_ms_24h: number;
  history_p95_ms_30d: number;
  history_p95_ms_1y: number;
  history_ratio_30d: number;
  history_ratio_1y: number;
  bytes_per_reading: number;
  bytes_per_rollup_row: number;
}

const RANGES = [
  ['5m', '5m'],
  ['24h', '24h'],
  ['30d', '30d'],
  ['1y', '365d'],
] as const;

function lastStats(stderr: string): Record<string, unknown> {
  const line = stderr
    .split('\n')
    .filter((l) => l.includes('"msg":"stats"'))
    .at(-1);
  return line ? (JSON.parse(line) as Record<string, unknown>) : {};
}

/** Spawn to first SUBACK, as `npm run collector` starts. */
async function readyMs(env: Record<string, string>): Promise<number> {
  const collector = ProgramProcess.fromNpmScript('collector', [], { ...env, LOG_LEVEL: 'info' });
  const started = performance.now();
  collector.start();
  try {
    await waitFor(() => collector.stderr.includes('"msg":"subscribed"'), Boolean, {
      timeoutMs: 60_000,
      intervalMs: 2,
      what: 'collector subscribed',
    });
    return performance.now() - started;
  } finally {
    await collector.kill('SIGTERM');
  }
}

/**
 * Ranges end where the imported data ends (`end`), not at the clock: by the time this runs the
 * bench has been going for minutes, and "the last 5 minutes" would be empty.
 */
async function historyP95(
  base: string,
  ids: readonly string[],
  duration: string,
  end: number,
  n: number,
) {
  const range = `from=${new Date(end - (durationMs(duration) ?? 0)).toISOString()}&to=${new Date(end).toISOString()}`;
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const res = await fetch(
      `${base}/api/devices/${ids[i % ids.length]}/history?${range}&points=600`,
    );
    const body = (await res.json()) as { data_points?: unknown[] };
    times.push(performance.now() - started);
    if (res.status !== 200 || !body.data_points?.length)
      throw new Error(`history ${duration}: ${res.status}`);
  }
  return percentile(times, 95);
}

function bytesOnDisk(path: string): { perReading: number; perRollup: number; readings: number } {
  const db = new Database(path, { readonly: true });
  try {
    const size = (names: string[]) =>
      (db
        .prepare(`SELECT sum(pgsize) FROM dbstat WHERE name IN (${names.map(() => '?').join(',')})`)
        .pluck()
        .get(...names) as number) ?? 0;
    const count = (table: string) =>
      db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
    const readings = count('readings');
    const rollups = count('rollup_1m') + count('rollup_1h');
    return {
      readings,
      perReading: size(['readings', 'readings_by_time']) / Math.max(1, readings),
      perRollup: size(['rollup_1m', 'rollup_1h']) / Math.max(1, rollups),
    };
  } finally {
    db.close();
  }
}

export async function longevityRun(dir: string, o: LongevityOptions): Promise<LongevityResult> {
  const path = join(dir, 'telemetry.db');
  const csv = join(dir, 'history.csv');
  o.say(
    `bench longevity: writing ${o.shape.vehicles} vehicles x ${o.shape.rawDays} d at 1 Hz + ${o.shape.olderDays} d at 1/min`,
  );
  const end = Date.now() - 60_000;
  const file = writeHistoryCsv(csv, { ...o.shape, end });
  const env = {
    SQLITE_PATH: path,
    COLLECTOR_STATE_PATH: join(dir, 'collector-state.db'),
    LOG_LEVEL: 'warn',
  };

  o.say(`bench longevity: npm run import (${file.rows} rows)`);
  const importer = ProgramProcess.fromNpmScript('import', [csv, '--format', 'csv'], env);
  const importStarted = performance.now();
  importer.start();
  const code = await importer.exited();
  const importSeconds = (performance.now() - importStarted) / 1000;
  if (code !== 0) throw new Error(`import exited ${code}: ${importer.stderr.slice(-2000)}`);

  const broker = new MosquittoProcess({ dir: join(dir, 'mosquitto') });
  await broker.start();
  const mqttEnv = { ...env, MQTT_BROKER_HOST: '127.0.0.1', MQTT_BROKER_PORT: String(broker.port) };
  try {
    // First start on the imported store: retention deletes the older raw rows (their rollups
    // stay) while 10 live vehicles publish every 100 ms.
    o.say(`bench longevity: retention pass over ${file.olderRows} rows with live ingest`);
    const collector = ProgramProcess.fromNpmScript('collector', [], {
      ...mqttEnv,
      LOG_LEVEL: 'info',
    });
    collector.start();
    const rss = new RssPeak(collector.pid ?? 0, 50).start();
    const devices = ProgramProcess.fromNpmScript(
      'devices',
      ['--count', '10', '--interval', '100', '--prefix', 'live_', '--quiet'],
      { ...mqttEnv, QUEUE_DIR: join(dir, 'queues') },
    );
    await waitFor(() => collector.stderr.includes('"msg":"subscribed"'), Boolean, {
      what: 'collector',
    });
    devices.start();
    await waitFor(() => collector.stderr.includes('"msg":"retention pass"'), Boolean, {
      timeoutMs: 600_000,
      intervalMs: 200,
      what: 'retention pass',
    });
    await sleep(2000); // some ingest after the pass too, for the peak RSS
    await devices.kill('SIGTERM');
    await collector.kill('SIGTERM');
    const peakRss = rss.stop();
    const stats = lastStats(collector.stderr);
    const retention = (stats.retention ?? {}) as { deleted?: number; longestStepMs?: number };

    o.say('bench longevity: collector start-up, on this store and on an empty one');
    const big: number[] = [];
    const empty: number[] = [];
    for (let i = 0; i < o.repeat; i++) {
      big.push(await readyMs(mqttEnv));
      empty.push(await readyMs({ ...mqttEnv, SQLITE_PATH: join(dir, `empty-${i}.db`) }));
    }

    o.say('bench longevity: history p95 per range');
    const port = await freePort();
    const dashboard = ProgramProcess.fromNpmScript('dashboard', [], {
      ...mqttEnv,
      // Benchmarks of the data path: no accounts (AUTH_MODE=none, as before accounts existed).
      AUTH_MODE: 'none',
      DASHBOARD_STATE_PATH: join(dir, 'dashboard-state.db'),
      DASHBOARD_HOST: '127.0.0.1',
      DASHBOARD_PORT: String(port),
      DASHBOARD_RATE_LIMIT_PER_MIN: '1000000',
    });
    dashboard.start();
    const p95: Record<string, number> = {};
    try {
      await waitForPort(port, 30_000);
      const base = `http://127.0.0.1:${port}`;
      for (const [, duration] of RANGES) await historyP95(base, file.deviceIds, duration, end, 10); // warm
      for (const [key, duration] of RANGES) {
        const runs: number[] = [];
        for (let r = 0; r < o.repeat; r++)
          runs.push(await historyP95(base, file.deviceIds, duration, end, o.requests));
        p95[key] = median(runs);
      }
    } finally {
      await dashboard.kill('SIGTERM');
    }
    const disk = bytesOnDisk(path);
    const ready = median(big);
    const readyEmpty = median(empty);
    const p5m = p95['5m'] ?? 1;
    return {
      readings: file.rows,
      import_rows_per_s: file.rows / importSeconds,
      collector_ready_ms: ready,
      collector_ready_ms_empty: readyEmpty,
      collector_ready_ratio: Math.round((ready / readyEmpty) * 100) / 100,
      collector_peak_rss_mb: peakRss,
      retention_deleted: retention.deleted ?? 0,
      retention_longest_step_ms: retention.longestStepMs ?? 0,
      event_loop_max_ms_during_retention: Number(stats.eventLoopMaxMs ?? 0),
      history_p95_ms_5m: p5m,
      history_p95_ms_24h: p95['24h'] ?? 0,
      history_p95_ms_30d: p95['30d'] ?? 0,
      history_p95_ms_1y: p95['1y'] ?? 0,
      history_ratio_30d: Math.round(((p95['30d'] ?? 0) / p5m) * 100) / 100,
      history_ratio_1y: Math.round(((p95['1y'] ?? 0) / p5m) * 100) / 100,
      bytes_per_reading: disk.perReading,
      bytes_per_rollup_row: disk.perRollup,
    };
  } finally {
    await broker.stop();
  }
}
