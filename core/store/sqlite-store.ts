// SQLite telemetry store (better-sqlite3, WAL): the embedded default; readings with every signal, rollups and coverage commit together.
import { mkdirSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { DroppedNotice, Reading } from '../contract.js';
import { BUILTIN_CATALOG, type SignalCatalog } from '../signals/catalog.js';
import { mergeWindows, planHistory, type WindowRow } from './history-plan.js';
import { readingChunks, toColumns } from './reading-chunks.js';
import type { TierName } from './rollup.js';
import { type DeviceProgress, decodeAbove, progressOf } from './seq-coverage.js';
import {
  fromSql,
  latestTimeColumn,
  latestValueColumn,
  rollupColumns,
  WRITER_CACHE_KIB,
} from './sqlite-layout.js';
import { ReadingPages } from './sqlite-readings.js';
import { SqlitePruner } from './sqlite-retention.js';
import { columnsOf, type MigrationReport, migrate, SCHEMA_VERSION } from './sqlite-schema.js';
import { SqliteWriter } from './sqlite-write.js';
import {
  type DeviceSummary,
  type HistoryQuery,
  type HistoryResult,
  KEEP_FOREVER,
  type LatestReading,
  type PruneStep,
  type RawReading,
  type ReadingColumns,
  type ReadingsQuery,
  type ReadingsRange,
  type Retention,
  type TelemetryStore,
  type WriteResult,
} from './types.js';

export interface SqliteStoreOptions {
  path: string;
  /** The signals stored (default: the built-in ones); SIGNALS_FILE adds columns at start. */
  catalog?: SignalCatalog;
  /** Readers (the dashboard) open the file without write access. */
  readonly?: boolean;
  /**
   * FULL (default) fsyncs the WAL at every commit, so an acknowledged reading survives power loss,
   * not just a process crash. One commit covers a whole batch, so it costs ~0.2 ms per batch here.
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** What prune() deletes, and which tiers history() may still find (default: keep everything). */
  retention?: Retention;
  /** Told when an older store is brought to the current schema (or gets new signal columns). */
  onMigrate?: (report: MigrationReport) => void;
  /** Told when an upgrade of an older store starts. */
  onMigrateStart?: (from: number, to: number) => void;
  /** Test-only: the process kills itself in the middle of an upgrade (it must resume intact). */
  crashMidMigration?: boolean;
}

type RangeParams = { device: string; from: number; to: number; w: number };

/** floor(column / @w), also for times before 1970 (SQLite's integer division truncates). */
const windowIdx = (column: string) => `(${column} - ((${column} % @w) + @w) % @w) / @w`;

interface Readers {
  columns: Set<string>;
  latest: Database.Statement<[string], { seq: number; ts: number }>;
  latestValues: Database.Statement<[string], Record<string, unknown>>;
  devices: Database.Statement<[], { device_id: string; last_ts: number; last_seq: number }>;
  coverage: Database.Statement<
    [],
    { device_id: string; watermark: number; last_seq: number; above: string | null }
  >;
  seqs: Database.Statement<[string], number>;
  pages: ReadingPages;
  history: Map<string, Record<TierName, Database.Statement<RangeParams, WindowRow>>>;
}

export class SqliteStore implements TelemetryStore {
  readonly kind = 'sqlite' as const;
  private db: Database.Database | undefined;
  private readers: Readers | undefined;
  private writeTx:
    | Database.Transaction<
        (
          readings: readonly Reading[],
          dropped: readonly DroppedNotice[],
          times: readonly number[] | undefined,
        ) => WriteResult
      >
    | undefined;
  private pruner: SqlitePruner | undefined;

  constructor(private readonly options: SqliteStoreOptions) {}

  private get retention(): Retention {
    return this.options.retention ?? KEEP_FOREVER;
  }

  private get catalog(): SignalCatalog {
    return this.options.catalog ?? BUILTIN_CATALOG;
  }

  async start(): Promise<void> {
    if (this.db) return;
    const { path, readonly = false } = this.options;
    if (!readonly) mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path, { readonly, fileMustExist: readonly });
    // Short for the writer: a lock held elsewhere makes write() fail fast and the collector retry
    // with backoff, instead of blocking the event loop (better-sqlite3 waits synchronously).
    db.pragma(`busy_timeout = ${readonly ? 5000 : 250}`);
    if (readonly && (db.pragma('user_version', { simple: true }) as number) < SCHEMA_VERSION) {
      db.close();
      // StoreLink retries: the collector (the writer) migrates the file at its start.
      throw new Error(`${path} has an older schema; the collector upgrades it when it starts`);
    }
    if (!readonly) {
      // At start only, wait long for the lock: another collector on this file may be upgrading it.
      db.pragma('busy_timeout = 60000');
      await busyRetry(() => db.pragma('journal_mode = WAL'), 60_000);
      db.pragma(`synchronous = ${this.options.synchronous ?? 'FULL'}`);
      db.pragma(`cache_size = -${WRITER_CACHE_KIB}`);
      const migrated = migrate(db, this.catalog, {
        ...(this.options.onMigrateStart ? { starting: this.options.onMigrateStart } : {}),
        ...(this.options.crashMidMigration
          ? {
              // Written synchronously: the JSON log's asynchronous buffer dies with the process.
              midway: () => {
                writeSync(2, 'FAULT_INJECTION=store-migration-crash: SIGKILL inside the upgrade\n');
                process.kill(process.pid, 'SIGKILL');
              },
            }
          : {}),
      });
      if (migrated) this.options.onMigrate?.(migrated);
      db.pragma('busy_timeout = 250');
      const writer = new SqliteWriter(db, this.catalog);
      this.writeTx = db.transaction((readings, dropped, times) =>
        writer.write(readings, dropped, times),
      );
      this.pruner = new SqlitePruner(db, this.retention);
    }
    this.db = db;
    this.readers = this.prepareReaders(db);
  }

  private prepareReaders(db: Database.Database): Readers {
    const columns = columnsOf(db, 'readings');
    const deviceColumns = columnsOf(db, 'devices');
    const latestCols = this.catalog.signals
      .flatMap((s) => [latestValueColumn(s.key), latestTimeColumn(s.key)])
      .filter((c) => deviceColumns.has(c));
    return {
      columns,
      latest: db.prepare(
        'SELECT seq, ts FROM readings WHERE device_id = ? ORDER BY ts DESC, seq DESC LIMIT 1',
      ),
      latestValues: db.prepare(
        `SELECT last_ts, last_seq${latestCols.length ? `, ${latestCols.join(', ')}` : ''}
         FROM devices WHERE device_id = ?`,
      ),
      devices: db.prepare('SELECT device_id, last_ts, last_seq FROM devices ORDER BY device_id'),
      coverage: db.prepare('SELECT device_id, watermark, last_seq, above FROM devices'),
      seqs: db
        .prepare<[string], number>('SELECT seq FROM readings WHERE device_id = ? ORDER BY seq')
        .pluck(),
      pages: new ReadingPages(db, this.catalog, columns),
      history: new Map(),
    };
  }

  private r(): Readers {
    if (!this.readers) throw new Error('SqliteStore not started');
    return this.readers;
  }

  private historyStatements(db: Database.Database, key: string) {
    const readers = this.r();
    let s = readers.history.get(key);
    if (s) return s;
    const [n, sum, min, max] = rollupColumns(key);
    const rollup = (table: string) =>
      db.prepare<RangeParams, WindowRow>(
        `SELECT ${windowIdx('bucket')} AS idx, sum(${n}) AS count, sum(${sum}) AS sum,
                min(${min}) AS min, max(${max}) AS max
         FROM ${table} WHERE device_id = @device AND bucket >= @from AND bucket <= @to
         GROUP BY idx HAVING count > 0`,
      );
    s = {
      raw: db.prepare<RangeParams, WindowRow>(
        `SELECT ${windowIdx('ts')} AS idx, count(${key}) AS count, sum(${key}) AS sum,
                min(${key}) AS min, max(${key}) AS max
         FROM readings WHERE device_id = @device AND ts >= @from AND ts <= @to
           AND ${key} IS NOT NULL GROUP BY idx`,
      ),
      '1m': rollup('rollup_1m'),
      '1h': rollup('rollup_1h'),
    };
    readers.history.set(key, s);
    return s;
  }

  async write(
    readings: readonly Reading[],
    dropped: readonly DroppedNotice[] = [],
    times?: readonly number[],
  ): Promise<WriteResult> {
    if (!this.writeTx) throw new Error('SqliteStore not started for writing');
    // IMMEDIATE: the write lock is taken before coverage is read, so a second writer (the
    // dashboard's HTTP ingest) waits its turn instead of failing on a stale snapshot.
    return this.writeTx.immediate(readings, dropped, times);
  }

  async coverage(): Promise<DeviceProgress[]> {
    return this.r()
      .coverage.all()
      .map((row) =>
        progressOf(row.device_id, {
          watermark: row.watermark,
          highest: row.last_seq,
          above: decodeAbove(row.above),
        }),
      );
  }

  /** Every write re-reads coverage inside BEGIN IMMEDIATE: nothing is held in memory to reload. */
  async claim(_key: string, owns: (deviceId: string) => boolean): Promise<DeviceProgress[]> {
    return (await this.coverage()).filter((p) => owns(p.deviceId));
  }

  /** Each write is durable with its coverage and rollups in one transaction: nothing is pending. */
  async disown(): Promise<void> {}

  async prune(now: number, budget: number): Promise<PruneStep> {
    if (!this.pruner) throw new Error('SqliteStore not started for writing');
    return this.pruner.step(now, budget);
  }

  async latest(deviceId: string): Promise<LatestReading | undefined> {
    const readers = this.r();
    const row = readers.latestValues.get(deviceId);
    if (!row) return undefined;
    const newest = readers.latest.get(deviceId);
    const signals: LatestReading['signals'] = {};
    for (const s of this.catalog.signals) {
      const time = row[latestTimeColumn(s.key)];
      const value = fromSql(s, row[latestValueColumn(s.key)]);
      if (typeof time === 'number' && value !== undefined) signals[s.key] = { value, time };
    }
    // Retention may have deleted every raw row of a long-silent device: its row still knows.
    return {
      deviceId,
      seq: newest?.seq ?? (row.last_seq as number),
      timestamp: newest?.ts ?? (row.last_ts as number),
      signals,
    };
  }

  async devices(): Promise<DeviceSummary[]> {
    return this.r()
      .devices.all()
      .map((r) => ({ deviceId: r.device_id, lastSeen: r.last_ts, lastSeq: r.last_seq }));
  }

  async history(q: HistoryQuery): Promise<HistoryResult> {
    const db = this.db;
    if (!db) throw new Error('SqliteStore not started');
    const key = q.signal ?? 'speed';
    const def = this.catalog.find(key);
    if (!def) throw new RangeError(`unknown signal ${key}`);
    const plan = planHistory(q.from, q.to, q.maxPoints, this.retention, q.now);
    const w = plan.windowMs;
    if (!this.r().columns.has(def.key)) return { windowMs: w, points: [] };
    const s = this.historyStatements(db, def.key);
    const rows: WindowRow[] = [];
    for (const p of plan.pieces) {
      for (const row of s[p.tier].iterate({ device: q.deviceId, from: p.from, to: p.to, w })) {
        rows.push(row);
      }
    }
    return { windowMs: w, points: mergeWindows(rows, w) };
  }

  async readings(query: ReadingsQuery): Promise<RawReading[]> {
    return this.r().pages.page(query);
  }

  readingChunks(range: ReadingsRange, chunkRows: number): AsyncIterable<ReadingColumns> {
    const keys = range.signals ?? this.catalog.keys;
    return readingChunks(async (q) => toColumns(await this.readings(q), keys), range, chunkRows);
  }

  async seqs(deviceId: string): Promise<number[]> {
    return this.r().seqs.all(deviceId);
  }

  async ping(): Promise<boolean> {
    return this.db?.open === true;
  }

  async stop(): Promise<void> {
    this.db?.close();
    this.db = undefined;
    this.readers = undefined;
    this.writeTx = undefined;
    this.pruner = undefined;
  }
}

/**
 * Runs `f` again while SQLite answers SQLITE_BUSY, up to `ms`. Why: a collector starting on a file
 * another collector has open (several collectors, one file) got SQLITE_BUSY from `PRAGMA
 * journal_mode = WAL` despite the busy timeout (the mode change can refuse without waiting, e.g.
 * while another connection recovers the WAL of a killed collector): the failover drill's "a
 * collector died on its own: failed to start, SQLITE_BUSY" in a fresh-clone run.
 */
async function busyRetry<T>(f: () => T, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return f();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (typeof code !== 'string' || !code.startsWith('SQLITE_BUSY') || Date.now() > deadline)
        throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
