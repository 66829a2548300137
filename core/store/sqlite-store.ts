// SQLite telemetry store (better-sqlite3, WAL): the embedded default; readings, rollups and coverage commit together.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { DroppedNotice, SpeedReading } from '../contract.js';
import { mergeWindows, planHistory, type WindowRow } from './history-plan.js';
import { readingChunks, toColumns } from './reading-chunks.js';
import { aggregateBatch, ROLLUP_TIERS, type TierName } from './rollup.js';
import {
  type Coverage,
  type DeviceProgress,
  decodeAbove,
  emptyCoverage,
  encodeAbove,
  progressOf,
} from './seq-coverage.js';
import { prepareReadings, type ReadingStatements, readingsPage } from './sqlite-readings.js';
import { SqlitePruner } from './sqlite-retention.js';
import { migrate, SCHEMA_VERSION } from './sqlite-schema.js';
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
import { planWrite, writeResult } from './write-plan.js';

export interface SqliteStoreOptions {
  path: string;
  /** Readers (the dashboard) open the file without write access. */
  readonly?: boolean;
  /**
   * FULL (default) fsyncs the WAL at every commit, so an acknowledged reading survives power loss,
   * not just a process crash. One commit covers a whole batch, so it costs ~0.2 ms per batch here.
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** What prune() deletes, and which tiers history() may still find (default: keep everything). */
  retention?: Retention;
  /** Told once when an older store is brought to the current schema. */
  onMigrate?: (report: { from: number; to: number; devices: number }) => void;
}

const ROWS_PER_INSERT = 100;

interface DeviceRow {
  watermark: number;
  last_seq: number;
  above: string | null;
}

type RangeParams = { device: string; from: number; to: number; w: number };

interface Statements {
  coverageOf: Database.Statement<[string], DeviceRow>;
  saveDevice: Database.Statement<[string, number, number, number, string | null]>;
  upsert: Record<'1m' | '1h', Database.Statement<[string, number, number, number, number, number]>>;
  latest: Database.Statement<[string], { seq: number; ts: number; speed: number }>;
  devices: Database.Statement<[], { device_id: string; last_ts: number; last_seq: number }>;
  coverage: Database.Statement<[], DeviceRow & { device_id: string }>;
  history: Record<TierName, Database.Statement<RangeParams, WindowRow>>;
  seqs: Database.Statement<[string], number>;
  readings: ReadingStatements;
}

/** floor(column / @w), also for times before 1970 (SQLite's integer division truncates). */
const windowIdx = (column: string) => `(${column} - ((${column} % @w) + @w) % @w) / @w`;

function prepare(db: Database.Database): Statements {
  const rollupUpsert = (table: string) =>
    db.prepare<[string, number, number, number, number, number]>(
      `INSERT INTO ${table} (device_id, bucket, n, sum, min, max) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (device_id, bucket) DO UPDATE SET n = n + excluded.n, sum = sum + excluded.sum,
         min = min(min, excluded.min), max = max(max, excluded.max)`,
    );
  const rollupHistory = (table: string) =>
    db.prepare<RangeParams, WindowRow>(
      `SELECT ${windowIdx('bucket')} AS idx, sum(n) AS count, sum(sum) AS sum, min(min) AS min,
              max(max) AS max
       FROM ${table} WHERE device_id = @device AND bucket >= @from AND bucket <= @to
       GROUP BY idx`,
    );
  return {
    coverageOf: db.prepare('SELECT watermark, last_seq, above FROM devices WHERE device_id = ?'),
    saveDevice: db.prepare(
      `INSERT INTO devices (device_id, last_ts, last_seq, watermark, above) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (device_id) DO UPDATE SET last_ts = max(last_ts, excluded.last_ts),
         last_seq = excluded.last_seq, watermark = excluded.watermark, above = excluded.above`,
    ),
    upsert: { '1m': rollupUpsert('rollup_1m'), '1h': rollupUpsert('rollup_1h') },
    latest: db.prepare(
      'SELECT seq, ts, speed FROM readings WHERE device_id = ? ORDER BY ts DESC, seq DESC LIMIT 1',
    ),
    devices: db.prepare('SELECT device_id, last_ts, last_seq FROM devices ORDER BY device_id'),
    coverage: db.prepare('SELECT device_id, watermark, last_seq, above FROM devices'),
    history: {
      raw: db.prepare(
        `SELECT ${windowIdx('ts')} AS idx, count(*) AS count, sum(speed) AS sum, min(speed) AS min,
                max(speed) AS max
         FROM readings WHERE device_id = @device AND ts >= @from AND ts <= @to GROUP BY idx`,
      ),
      '1m': rollupHistory('rollup_1m'),
      '1h': rollupHistory('rollup_1h'),
    },
    seqs: db
      .prepare<[string], number>('SELECT seq FROM readings WHERE device_id = ? ORDER BY seq')
      .pluck(),
    readings: prepareReadings(db),
  };
}

/** Indexes of `readings`, grouped by device in order of first appearance, batch order within. */
function byDevice(readings: readonly SpeedReading[]): number[] {
  const groups = new Map<string, number[]>();
  readings.forEach((r, i) => {
    const group = groups.get(r.device_id);
    if (group) group.push(i);
    else groups.set(r.device_id, [i]);
  });
  return groups.size === 1 ? readings.map((_, i) => i) : [...groups.values()].flat();
}

const toCoverage = (row: DeviceRow): Coverage => ({
  watermark: row.watermark,
  highest: row.last_seq,
  above: decodeAbove(row.above),
});

export class SqliteStore implements TelemetryStore {
  readonly kind = 'sqlite' as const;
  private db: Database.Database | undefined;
  private stmts: Statements | undefined;
  private writeTx:
    | Database.Transaction<
        (readings: readonly SpeedReading[], dropped: readonly DroppedNotice[]) => WriteResult
      >
    | undefined;
  private pruner: SqlitePruner | undefined;
  private readonly inserts = new Map<number, Database.Statement<unknown[]>>();

  constructor(private readonly options: SqliteStoreOptions) {}

  private get retention(): Retention {
    return this.options.retention ?? KEEP_FOREVER;
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
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${this.options.synchronous ?? 'FULL'}`);
      const migrated = migrate(db);
      if (migrated && (migrated.from > 0 || migrated.devices > 0)) {
        this.options.onMigrate?.(migrated);
      }
      this.writeTx = db.transaction((readings, dropped) => this.writeAll(readings, dropped));
      this.pruner = new SqlitePruner(db, this.retention);
    }
    this.db = db;
    this.stmts = prepare(db);
  }

  private statements(): Statements {
    if (!this.stmts) throw new Error('SqliteStore not started');
    return this.stmts;
  }

  private writeAll(
    readings: readonly SpeedReading[],
    dropped: readonly DroppedNotice[],
  ): WriteResult {
    const s = this.statements();
    const plan = planWrite(readings, dropped, (id) => {
      const row = s.coverageOf.get(id);
      return row ? toCoverage(row) : emptyCoverage();
    });
    const { fresh, freshTimes } = plan;
    const values: Array<string | number> = [];
    const ids: string[] = [];
    const speeds: number[] = [];
    // Rows go in grouped by device (stable): runs of consecutive keys in both b-trees instead of
    // one device after another on every row of an interleaved batch.
    for (const i of byDevice(fresh)) {
      const r = fresh[i] as SpeedReading;
      values.push(r.device_id, r.seq, freshTimes[i] as number, r.speed);
      ids.push(r.device_id);
      speeds.push(r.speed);
    }
    // Multi-row INSERTs: one native call per ROWS_PER_INSERT readings instead of one per reading.
    // OR IGNORE only guards against rows a pre-coverage store might hold; coverage decides.
    for (let i = 0; i < fresh.length; i += ROWS_PER_INSERT) {
      const rows = Math.min(ROWS_PER_INSERT, fresh.length - i);
      this.insertStatement(rows).run(values.slice(i * 4, (i + rows) * 4));
    }
    for (const tier of ROLLUP_TIERS) {
      const upsert = s.upsert[tier.name];
      for (const b of aggregateBatch(ids, freshTimes, speeds, tier.bucketMs)) {
        upsert.run(b.deviceId, b.bucket, b.count, b.sum, b.min, b.max);
      }
    }
    for (const [id, c] of plan.coverages) {
      const newest = plan.newestTime.get(id) ?? Number.MIN_SAFE_INTEGER;
      s.saveDevice.run(id, newest, c.highest, c.watermark, encodeAbove(c.above));
    }
    return writeResult(plan);
  }

  private insertStatement(rows: number): Database.Statement<unknown[]> {
    let stmt = this.inserts.get(rows);
    if (!stmt) {
      const db = this.db;
      if (!db) throw new Error('SqliteStore not started');
      const tuples = Array.from({ length: rows }, () => '(?, ?, ?, ?)').join(', ');
      stmt = db.prepare(
        `INSERT OR IGNORE INTO readings (device_id, seq, ts, speed) VALUES ${tuples}`,
      );
      this.inserts.set(rows, stmt);
    }
    return stmt;
  }

  async write(
    readings: readonly SpeedReading[],
    dropped: readonly DroppedNotice[] = [],
  ): Promise<WriteResult> {
    if (!this.writeTx) throw new Error('SqliteStore not started for writing');
    // IMMEDIATE: the write lock is taken before coverage is read, so a second writer (the
    // dashboard's HTTP ingest) waits its turn instead of failing on a stale snapshot.
    return this.writeTx.immediate(readings, dropped);
  }

  async coverage(): Promise<DeviceProgress[]> {
    return this.statements()
      .coverage.all()
      .map((row) => progressOf(row.device_id, toCoverage(row)));
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
    const row = this.statements().latest.get(deviceId);
    return row && { deviceId, seq: row.seq, timestamp: row.ts, speed: row.speed };
  }

  async devices(): Promise<DeviceSummary[]> {
    return this.statements()
      .devices.all()
      .map((r) => ({ deviceId: r.device_id, lastSeen: r.last_ts, lastSeq: r.last_seq }));
  }

  async history(q: HistoryQuery): Promise<HistoryResult> {
    const s = this.statements();
    const plan = planHistory(q.from, q.to, q.maxPoints, this.retention, q.now);
    const w = plan.windowMs;
    const rows: WindowRow[] = [];
    for (const p of plan.pieces) {
      for (const row of s.history[p.tier].iterate({
        device: q.deviceId,
        from: p.from,
        to: p.to,
        w,
      })) {
        rows.push(row);
      }
    }
    return { windowMs: w, points: mergeWindows(rows, w) };
  }

  async readings(query: ReadingsQuery): Promise<RawReading[]> {
    return readingsPage(this.statements().readings, query);
  }

  readingChunks(range: ReadingsRange, chunkRows: number): AsyncIterable<ReadingColumns> {
    return readingChunks(async (q) => toColumns(await this.readings(q)), range, chunkRows);
  }

  async seqs(deviceId: string): Promise<number[]> {
    return this.statements().seqs.all(deviceId);
  }

  async ping(): Promise<boolean> {
    return this.db?.open === true;
  }

  async stop(): Promise<void> {
    this.db?.close();
    this.db = undefined;
    this.inserts.clear();
    this.stmts = undefined;
    this.writeTx = undefined;
    this.pruner = undefined;
  }
}
