// Migration: a speed-only store of the previous release (schema v1, 10 vehicles x 30 days at 1 Hz) under `npm run collector`: time until it serves and peak RSS, beside an empty store's start.
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SCHEMA_VERSION } from '../core/store/sqlite-schema.js';
import { MosquittoProcess } from '../harness/mosquitto.js';
import { ProgramProcess } from '../harness/program.js';
import { fillSqliteStore } from '../harness/sqlite-fill.js';
import { waitFor } from '../harness/wait.js';
import { vehicleId } from './longevity-data.js';
import { RssPeak } from './process-metrics.js';
import { median } from './stats.js';

export interface MigrationOptions {
  vehicles: number;
  days: number;
  repeat: number;
  say: (line: string) => void;
}

export interface MigrationResult {
  readings: number;
  /** Bytes of the v1 file (readings, index, rollups). */
  store_mb: number;
  sql_fill_rows_per_s: number;
  /** Spawn to the first SUBACK (the collector serves): on the v1 store, and on an empty one. */
  ready_ms: number;
  ready_ms_empty: number;
  ready_ratio: number;
  /** The upgrade's own duration as its log line reports it (`ms` of "store upgraded ..."). */
  upgrade_ms: number;
  peak_rss_mb: number;
  peak_rss_mb_empty: number;
}

interface Start {
  readyMs: number;
  peakRssMb: number;
  upgradeMs: number | undefined;
}

/** The upgrade's report line, if the collector logged one. */
function upgradeLine(stderr: string): { ms?: number } | undefined {
  const line = stderr.split('\n').find((l) => l.includes('store upgraded from schema'));
  return line ? (JSON.parse(line) as { ms?: number }) : undefined;
}

/** `npm run collector` on `path` as users start it: spawn to SUBACK, RSS sampled every 10 ms. */
async function start(dir: string, path: string, port: number): Promise<Start> {
  const collector = ProgramProcess.fromNpmScript('collector', [], {
    MQTT_BROKER_HOST: '127.0.0.1',
    MQTT_BROKER_PORT: String(port),
    SQLITE_PATH: path,
    COLLECTOR_STATE_PATH: join(dir, 'collector-state.db'),
    LOG_LEVEL: 'info',
  });
  const started = performance.now();
  collector.start();
  const rss = new RssPeak(collector.pid ?? 0, 10).start();
  try {
    await waitFor(
      () => collector.stderr,
      (e) => e.includes('"msg":"subscribed"') || !collector.running,
      { timeoutMs: 600_000, intervalMs: 2, what: 'collector subscribed' },
    );
    const readyMs = performance.now() - started;
    if (!collector.running) throw new Error(`collector exited: ${collector.stderr.slice(-2000)}`);
    // The retention pass and the first stats start right after: a second more for the peak.
    await new Promise((r) => setTimeout(r, 1000));
    return { readyMs, peakRssMb: rss.stop(), upgradeMs: upgradeLine(collector.stderr)?.ms };
  } finally {
    rss.stop();
    await collector.kill('SIGTERM');
  }
}

export async function migrationRun(dir: string, o: MigrationOptions): Promise<MigrationResult> {
  const legacy = join(dir, 'v1.db');
  const perDevice = o.days * 86_400;
  const readings = perDevice * o.vehicles;
  o.say(`bench migration: SQL fill of a v1 store, ${readings} speed-only rows`);
  const fillStarted = performance.now();
  fillSqliteStore(legacy, {
    deviceIds: Array.from({ length: o.vehicles }, (_, i) => vehicleId(i)),
    perDevice,
    intervalMs: 1000,
    end: Date.now() - 60_000,
    layout: 'v1',
  });
  const fillSeconds = (performance.now() - fillStarted) / 1000;
  const db = new Database(legacy, { readonly: true });
  const pages = db.pragma('page_count', { simple: true }) as number;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.close();

  const broker = new MosquittoProcess({ dir: join(dir, 'mosquitto') });
  await broker.start();
  const big: Start[] = [];
  const empty: Start[] = [];
  try {
    for (let i = 0; i < o.repeat; i++) {
      // Each repetition upgrades its own copy (an upgraded file would not migrate again).
      const path = join(dir, `run-${i}.db`);
      copyFileSync(legacy, path);
      o.say(`bench migration: collector on the v1 store, run ${i + 1}/${o.repeat}`);
      big.push(await start(join(dir, `big-${i}`), path, broker.port));
      const check = new Database(path, { readonly: true });
      const version = check.pragma('user_version', { simple: true }) as number;
      check.close();
      if (version !== SCHEMA_VERSION) throw new Error(`not upgraded: user_version ${version}`);
      rmSync(path, { force: true });
      rmSync(`${path}-wal`, { force: true });
      rmSync(`${path}-shm`, { force: true });
      o.say(`bench migration: collector on an empty store, run ${i + 1}/${o.repeat}`);
      empty.push(await start(join(dir, `empty-${i}`), join(dir, `empty-${i}.db`), broker.port));
    }
  } finally {
    await broker.stop();
  }
  const upgrades = big.map((s) => s.upgradeMs);
  if (upgrades.some((ms) => ms === undefined)) throw new Error('no "store upgraded" log line');
  const ready = median(big.map((s) => s.readyMs));
  const readyEmpty = median(empty.map((s) => s.readyMs));
  return {
    readings,
    store_mb: (pages * pageSize) / 1e6,
    sql_fill_rows_per_s: readings / fillSeconds,
    ready_ms: ready,
    ready_ms_empty: readyEmpty,
    ready_ratio: Math.round((ready / readyEmpty) * 100) / 100,
    upgrade_ms: median(upgrades as number[]),
    peak_rss_mb: median(big.map((s) => s.peakRssMb)),
    peak_rss_mb_empty: median(empty.map((s) => s.peakRssMb)),
  };
}
