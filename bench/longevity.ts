// Longevity: a store of a month at 1 Hz plus a year of rolled-up history (speed-only or every signal), built by `npm run import` or SQL, under the programs.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { durationMs } from '../core/duration.js';
import { MosquittoProcess } from '../harness/mosquitto.js';
import { freePort, waitForPort } from '../harness/ports.js';
import { ProgramProcess } from '../harness/program.js';
import { fillSqliteStore } from '../harness/sqlite-fill.js';
import { sleep, waitFor } from '../harness/wait.js';
import {
  type HistoryFile,
  type HistoryShape,
  vehicleId,
  writeHistoryCsv,
} from './longevity-data.js';
import { RssPeak } from './process-metrics.js';
import type { PayloadKind } from './publishers.js';
import { median, percentile } from './stats.js';

/**
 * How the store is built: `import` writes the CSV and runs `npm run import` (the collector's own
 * write path: validation, position judging, rollups); `sql` fills the same shape with SQL alone
 * (harness/sqlite-fill.ts), minutes instead of the import's hour on a small machine.
 */
export type LongevityBuild = 'import' | 'sql';

export interface LongevityOptions {
  shape: Omit<HistoryShape, 'end'>;
  /** `speed`: speed-only readings; `telemetry`: every built-in signal in each. */
  kind: PayloadKind;
  build: LongevityBuild;
  /** History requests per range and repetition. */
  requests: number;
  repeat: number;
  say: (line: string) => void;
}

/**
 * History asked for without `signal` (speed in today's shape), then, with full payloads, with
 * `signal=` for a number that changes slowly, one that changes every reading, and a boolean.
 */
const SIGNALS: Record<PayloadKind, ReadonlyArray<string | undefined>> = {
  speed: [undefined],
  telemetry: [undefined, 'fuel_pct', 'battery_v', 'ignition'],
};

export interface LongevityResult {
  readings: number;
  /** Rows per second of the build: `npm run import`, or the SQL fill (one of the two). */
  import_rows_per_s?: number;
  sql_fill_rows_per_s?: number;
  collector_ready_ms: number;
  collector_ready_ms_empty: number;
  collector_ready_ratio: number;
  collector_peak_rss_mb: number;
  retention_deleted: number;
  retention_longest_step_ms: number;
  event_loop_max_ms_during_retention: number;
  /** Per range (and `_<signal>` with signal=): p95 in ms, and 30d / 1y over the 5m figure. */
  [history: `history_${string}`]: number;
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
  signal: string | undefined,
) {
  const range = `from=${new Date(end - (durationMs(duration) ?? 0)).toISOString()}&to=${new Date(end).toISOString()}`;
  const which = signal === undefined ? '' : `&signal=${signal}`;
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const res = await fetch(
      `${base}/api/devices/${ids[i % ids.length]}/history?${range}&points=600${which}`,
    );
    const body = (await res.json()) as { data_points?: unknown[] };
    times.push(performance.now() - started);
    if (res.status !== 200 || !body.data_points?.length)
      throw new Error(`history ${duration} ${signal ?? ''}: ${res.status}`);
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

type Env = Record<string, string>;

/** The CSV, then `npm run import` of it (deleted after: gigabytes with full payloads). */
async function importStore(
  dir: string,
  o: LongevityOptions,
  end: number,
  env: Env,
): Promise<{ file: HistoryFile; seconds: number }> {
  const csv = join(dir, 'history.csv');
  const file = writeHistoryCsv(csv, { ...o.shape, end }, o.kind);
  o.say(`bench longevity: npm run import (${file.rows} ${o.kind} rows)`);
  const importer = ProgramProcess.fromNpmScript('import', [csv, '--format', 'csv'], env);
  const started = performance.now();
  importer.start();
  const code = await importer.exited();
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`import exited ${code}: ${importer.stderr.slice(-2000)}`);
  rmSync(csv, { force: true });
  return { file, seconds };
}

/** The same shape with SQL alone: older rows at 1/min, then 1 Hz up to `end`, rollups from them. */
function fillStore(
  path: string,
  o: LongevityOptions,
  end: number,
): { file: HistoryFile; seconds: number } {
  const deviceIds = Array.from({ length: o.shape.vehicles }, (_, i) => vehicleId(i));
  const perDevice = o.shape.rawDays * 86_400 + 1;
  const older = o.shape.olderDays * 1440;
  o.say(`bench longevity: SQL fill (${deviceIds.length * (perDevice + older)} ${o.kind} rows)`);
  const started = performance.now();
  fillSqliteStore(path, {
    deviceIds,
    perDevice,
    intervalMs: 1000,
    end,
    layout: 'current',
    signals: o.kind === 'telemetry' ? 'all' : 'speed',
    older: { count: older, intervalMs: 60_000 },
  });
  const seconds = (performance.now() - started) / 1000;
  const rows = deviceIds.length * (perDevice + older);
  return { file: { rows, olderRows: deviceIds.length * older, deviceIds }, seconds };
}

export async function longevityRun(dir: string, o: LongevityOptions): Promise<LongevityResult> {
  const path = join(dir, 'telemetry.db');
  o.say(
    `bench longevity: ${o.kind}, ${o.shape.vehicles} vehicles x ${o.shape.rawDays} d at 1 Hz + ${o.shape.olderDays} d at 1/min, by ${o.build}`,
  );
  const end = Date.now() - 60_000;
  const env = {
    SQLITE_PATH: path,
    COLLECTOR_STATE_PATH: join(dir, 'collector-state.db'),
    LOG_LEVEL: 'warn',
  };
  const built =
    o.build === 'import' ? await importStore(dir, o, end, env) : fillStore(path, o, end);
  const { file } = built;

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

    o.say('bench longevity: history p95 per range and signal');
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
    const history: Record<`history_${string}`, number> = {};
    try {
      await waitForPort(port, 30_000);
      const base = `http://127.0.0.1:${port}`;
      for (const signal of SIGNALS[o.kind]) {
        const suffix = signal === undefined ? '' : `_${signal}`;
        const p95: Record<string, number> = {};
        for (const [, duration] of RANGES)
          await historyP95(base, file.deviceIds, duration, end, 10, signal); // warm
        for (const [key, duration] of RANGES) {
          const runs: number[] = [];
          for (let r = 0; r < o.repeat; r++)
            runs.push(await historyP95(base, file.deviceIds, duration, end, o.requests, signal));
          p95[key] = median(runs);
          history[`history_p95_ms_${key}${suffix}`] = median(runs);
        }
        const p5m = p95['5m'] ?? 1;
        history[`history_ratio_30d${suffix}`] = Math.round(((p95['30d'] ?? 0) / p5m) * 100) / 100;
        history[`history_ratio_1y${suffix}`] = Math.round(((p95['1y'] ?? 0) / p5m) * 100) / 100;
      }
    } finally {
      await dashboard.kill('SIGTERM');
    }
    const disk = bytesOnDisk(path);
    const ready = median(big);
    const readyEmpty = median(empty);
    const rate = file.rows / built.seconds;
    return {
      readings: file.rows,
      ...(o.build === 'import' ? { import_rows_per_s: rate } : { sql_fill_rows_per_s: rate }),
      collector_ready_ms: ready,
      collector_ready_ms_empty: readyEmpty,
      collector_ready_ratio: Math.round((ready / readyEmpty) * 100) / 100,
      collector_peak_rss_mb: peakRss,
      retention_deleted: retention.deleted ?? 0,
      retention_longest_step_ms: retention.longestStepMs ?? 0,
      event_loop_max_ms_during_retention: Number(stats.eventLoopMaxMs ?? 0),
      ...history,
      bytes_per_reading: disk.perReading,
      bytes_per_rollup_row: disk.perRollup,
    };
  } finally {
    await broker.stop();
  }
}
