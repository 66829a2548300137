// Export: a 30-day CSV of one vehicle (2.6 M readings) from `npm run dashboard`: rows/s, the process's memory growth, the longest event-loop stall, and other requests' latency meanwhile.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { InfluxdProcess } from '../harness/influxd.js';
import { freePort, waitForPort } from '../harness/ports.js';
import { npmScript, ProgramProcess } from '../harness/program.js';
import { fillSqliteStore } from '../harness/sqlite-fill.js';
import { sleep, waitFor } from '../harness/wait.js';
import { RssPeak, rssMb } from './process-metrics.js';

export const EXPORT_DEVICE = 'export_01';

export interface ExportRun {
  rows: number;
  rowsPerS: number;
  /** Peak RSS during the export minus RSS just before it. */
  rssGrowthMb: number;
  /** Longest event-loop delay in the dashboard process during the export. */
  eventLoopMaxMs: number;
  /** Slowest GET /api/health answered while the export ran (another client's view). */
  healthMaxMs: number;
  healthRequests: number;
  /** The machine's 1-minute load average when the export ended (other work competing for CPU). */
  loadAvg: number;
}

/** One reading a second for `days` ending a minute ago, straight into the SQLite file. */
export function fillSqlite(path: string, days: number): number {
  const perDevice = days * 86_400;
  fillSqliteStore(path, {
    deviceIds: [EXPORT_DEVICE],
    perDevice,
    intervalMs: 1000,
    end: Date.now() - 60_000,
  });
  return perDevice;
}

/** The same shape on influxd (raw points by line protocol, 50,000 per request). */
export async function fillInflux(
  influxd: InfluxdProcess,
  db: string,
  days: number,
): Promise<number> {
  await influxd.query(`CREATE DATABASE "${db}"`);
  const perDevice = days * 86_400;
  const start = Date.now() - 60_000 - (perDevice - 1) * 1000;
  for (let from = 0; from < perDevice; from += 50_000) {
    const lines: string[] = [];
    for (let seq = from; seq < Math.min(perDevice, from + 50_000); seq++) {
      const ns = (BigInt(start + seq * 1000) * 1_000_000n + BigInt(seq % 1_000_000)).toString();
      lines.push(
        `vehicle_speed,device_id=${EXPORT_DEVICE} seq=${seq}i,speed=${((seq * 7919) % 12000) / 100} ${ns}`,
      );
    }
    const res = await fetch(`${influxd.url}/write?db=${db}&precision=ns`, {
      method: 'POST',
      body: lines.join('\n'),
    });
    if (!res.ok) throw new Error(`influxd write: ${res.status} ${await res.text()}`);
  }
  return perDevice;
}

function probeMax(stderr: string, since: number): number | undefined {
  const line = stderr
    .slice(since)
    .split('\n')
    .find((l) => l.includes('"loop_probe"'));
  return line
    ? (JSON.parse(line) as { loop_probe: { max_ms: number } }).loop_probe.max_ms
    : undefined;
}

/** Streams the export, counting lines as they arrive (nothing kept), while another client polls. */
async function timedExport(base: string): Promise<{ rows: number; ms: number; health: number[] }> {
  const health: number[] = [];
  let exporting = true;
  const poller = (async () => {
    while (exporting) {
      const started = performance.now();
      const res = await fetch(`${base}/api/health`);
      await res.arrayBuffer();
      health.push(performance.now() - started);
      await sleep(20);
    }
  })();
  const started = performance.now();
  const res = await fetch(`${base}/api/devices/${EXPORT_DEVICE}/readings?format=csv`);
  if (res.status !== 200 || !res.body) throw new Error(`export answered ${res.status}`);
  let newlines = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === 10) newlines++;
  }
  const ms = performance.now() - started;
  exporting = false;
  await poller;
  return { rows: newlines - 1, ms, health };
}

/** A fresh `npm run dashboard` (with the loop probe preloaded) per run, on the given store. */
export async function exportRun(
  env: Record<string, string>,
  expectRows: number,
): Promise<ExportRun> {
  const port = await freePort();
  // As `npm run dashboard` runs it (its node flags: the young generation's size is part of the
  // memory a long export grows by), plus the event-loop probe.
  const { script, nodeArgs } = npmScript('dashboard');
  const dashboard = new ProgramProcess(
    script,
    [],
    {
      DASHBOARD_HOST: '127.0.0.1',
      DASHBOARD_PORT: String(port),
      MQTT_BROKER_HOST: '127.0.0.1',
      MQTT_BROKER_PORT: String(await freePort()), // no broker: the export reads the store
      DASHBOARD_RATE_LIMIT_PER_MIN: '1000000',
      // The export path itself, without accounts (AUTH_MODE=none, as before accounts existed).
      AUTH_MODE: 'none',
      LOG_LEVEL: 'warn',
      ...env,
    },
    [...nodeArgs, '--import', './bench/loop-probe.ts'],
  );
  dashboard.start();
  try {
    await waitForPort(port, 60_000);
    const base = `http://127.0.0.1:${port}`;
    const pid = dashboard.pid as number;
    // Warm: the store open, the route's code paths run once, then a quiet moment.
    await waitFor(
      async () => (await fetch(`${base}/api/devices/${EXPORT_DEVICE}/readings?limit=10`)).status,
      (s) => s === 200,
      { timeoutMs: 60_000, what: 'the store open' },
    );
    const recent = new Date(Date.now() - 600_000).toISOString();
    await (
      await fetch(`${base}/api/devices/${EXPORT_DEVICE}/readings?format=csv&from=${recent}`)
    ).text();
    await sleep(1000);
    const first = rssMb(pid);
    await sleep(200);
    const before = Math.max(first, rssMb(pid));
    const mark = dashboard.stderr.length;
    dashboard.signal('SIGUSR2'); // resets the probe
    await waitFor(
      () => probeMax(dashboard.stderr, mark),
      (v) => v !== undefined,
      { what: 'loop probe reset' },
    );
    const peak = new RssPeak(pid, 50).start();
    const result = await timedExport(base);
    const peakMb = peak.stop();
    const mark2 = dashboard.stderr.length;
    dashboard.signal('SIGUSR2');
    const loopMax = await waitFor(
      () => probeMax(dashboard.stderr, mark2),
      (v) => v !== undefined,
      { what: 'loop probe' },
    );
    // BENCH_EXPORT_MEMORY=1: the dashboard's memory breakdown before and after each export.
    if (process.env.BENCH_EXPORT_MEMORY) {
      const lines = dashboard.stderr.split('\n').filter((l) => l.includes('"loop_probe"'));
      process.stderr.write(`export memory (before, after): ${lines.slice(-2).join(' ')}\n`);
    }
    if (result.rows !== expectRows) {
      throw new Error(`export gave ${result.rows} rows, expected ${expectRows}`);
    }
    return {
      rows: result.rows,
      rowsPerS: result.rows / (result.ms / 1000),
      rssGrowthMb: Math.max(0, peakMb - before),
      eventLoopMaxMs: loopMax ?? 0,
      healthMaxMs: Math.max(...result.health),
      healthRequests: result.health.length,
      loadAvg: loadavg()[0] ?? 0,
    };
  } finally {
    await dashboard.kill('SIGTERM');
  }
}

export interface ExportOptions {
  days: number;
  repeat: number;
  say: (line: string) => void;
}

/** Fills each store once, then measures `repeat` exports from each (a fresh dashboard each time). */
export async function exportRuns(
  dir: string,
  o: ExportOptions,
): Promise<{ sqlite: ExportRun[]; influxdb: ExportRun[] }> {
  const state = { DASHBOARD_STATE_PATH: join(dir, 'dashboard-state.db') };
  const path = join(dir, 'telemetry.db');
  o.say(`bench export: filling SQLite with ${o.days} days at 1 Hz`);
  const rows = fillSqlite(path, o.days);
  const sqlite: ExportRun[] = [];
  for (let i = 0; i < o.repeat; i++) {
    o.say(`bench export: SQLite run ${i + 1}/${o.repeat}`);
    sqlite.push(await exportRun({ ...state, SQLITE_PATH: path }, rows));
  }
  const influxd = new InfluxdProcess({ dir: join(dir, 'influxd') });
  await influxd.start();
  try {
    o.say(`bench export: filling influxd 1.6.7 with ${o.days} days at 1 Hz`);
    await fillInflux(influxd, 'export', o.days);
    const env = {
      ...state,
      STORE: 'influxdb',
      INFLUXDB_URL: influxd.url,
      INFLUXDB_BUCKET: 'export',
      INFLUXDB_API: 'v1',
    };
    const influxdb: ExportRun[] = [];
    for (let i = 0; i < o.repeat; i++) {
      o.say(`bench export: InfluxDB run ${i + 1}/${o.repeat}`);
      influxdb.push(await exportRun(env, rows));
    }
    return { sqlite, influxdb };
  } finally {
    await influxd.stop();
  }
}
