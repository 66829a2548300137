// SQLite telemetry store (better-sqlite3, WAL): the embedded default; durable at commit, deduplicated by (device_id, seq).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { SpeedReading } from '../contract.js';
import {
  type DeviceSummary,
  type HistoryQuery,
  type HistoryResult,
  historyWindow,
  type LatestReading,
  type TelemetryStore,
  type WriteResult,
} from './types.js';

export interface SqliteStoreOptions {
  path: string;
  /** Readers (the dashboard) open the file without write access. */
  readonly?: boolean;
  /**
   * FULL (default) fsyncs the WAL at every commit, so an acknowledged reading survives power loss,
   * not just a process crash. One commit covers a whole batch, so it costs ~0.2 ms per batch here.
   */
  synchronous?: 'FULL' | 'NORMAL';
}

const ROWS_PER_INSERT = 100;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS readings (
  device_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  speed REAL NOT NULL,
  PRIMARY KEY (device_id, seq)
) WITHOUT ROWID;
-- Covering index: history and latest never touch the primary b-tree.
CREATE INDEX IF NOT EXISTS readings_by_time ON readings (device_id, ts, speed);
CREATE TABLE IF NOT EXISTS devices (
  device_id TEXT PRIMARY KEY,
  last_ts INTEGER NOT NULL,
  last_seq INTEGER NOT NULL
) WITHOUT ROWID;
`;

interface Statements {
  insert: Database.Statement<[string, number, number, number]>;
  touchDevice: Database.Statement<[string, number, number]>;
  latest: Database.Statement<[string], { seq: number; ts: number; speed: number }>;
  devices: Database.Statement<[], { device_id: string; last_ts: number; last_seq: number }>;
  history: Database.Statement<
    { device: string; from: number; to: number; w: number },
    { idx: number; mean: number; min: number; max: number; n: number }
  >;
  seqs: Database.Statement<[string], { seq: number }>;
}

export class SqliteStore implements TelemetryStore {
  readonly kind = 'sqlite' as const;
  private db: Database.Database | undefined;
  private stmts: Statements | undefined;
  private writeTx: ((readings: readonly SpeedReading[]) => WriteResult) | undefined;

  constructor(private readonly options: SqliteStoreOptions) {}

  async start(): Promise<void> {
    if (this.db) return;
    const { path, readonly = false } = this.options;
    if (!readonly) mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path, { readonly, fileMustExist: readonly });
    // Short for the writer: a lock held elsewhere makes write() fail fast and the collector retry
    // with backoff, instead of blocking the event loop (better-sqlite3 waits synchronously).
    db.pragma(`busy_timeout = ${readonly ? 5000 : 250}`);
    if (!readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${this.options.synchronous ?? 'FULL'}`);
      db.exec(SCHEMA);
    }
    this.db = db;
    this.stmts = {
      insert: db.prepare(
        'INSERT OR IGNORE INTO readings (device_id, seq, ts, speed) VALUES (?, ?, ?, ?)',
      ),
      touchDevice: db.prepare(
        `INSERT INTO devices (device_id, last_ts, last_seq) VALUES (?, ?, ?)
         ON CONFLICT (device_id) DO UPDATE SET
           last_ts = max(last_ts, excluded.last_ts), last_seq = max(last_seq, excluded.last_seq)`,
      ),
      latest: db.prepare(
        'SELECT seq, ts, speed FROM readings WHERE device_id = ? ORDER BY ts DESC, seq DESC LIMIT 1',
      ),
      devices: db.prepare('SELECT device_id, last_ts, last_seq FROM devices ORDER BY device_id'),
      history: db.prepare(
        `SELECT CAST(ts / @w AS INTEGER) AS idx, avg(speed) AS mean, min(speed) AS min, max(speed) AS max,
                count(*) AS n
         FROM readings WHERE device_id = @device AND ts >= @from AND ts <= @to
         GROUP BY idx ORDER BY idx`,
      ),
      seqs: db.prepare('SELECT seq FROM readings WHERE device_id = ? ORDER BY seq'),
    };
    if (!readonly) this.writeTx = db.transaction((readings) => this.insertAll(readings));
  }

  private insertAll(readings: readonly SpeedReading[]): WriteResult {
    const s = this.statements();
    let stored = 0;
    const newest = new Map<string, { ts: number; seq: number }>();
    const values: Array<string | number> = [];
    for (const r of readings) {
      const ts = Date.parse(r.timestamp);
      values.push(r.device_id, r.seq, ts, r.speed);
      const prev = newest.get(r.device_id);
      if (!prev) newest.set(r.device_id, { ts, seq: r.seq });
      else {
        prev.ts = Math.max(prev.ts, ts);
        prev.seq = Math.max(prev.seq, r.seq);
      }
    }
    // Multi-row INSERTs: one native call per ROWS_PER_INSERT readings instead of one per reading.
    for (let i = 0; i < readings.length; i += ROWS_PER_INSERT) {
      const rows = Math.min(ROWS_PER_INSERT, readings.length - i);
      stored += this.insertStatement(rows).run(values.slice(i * 4, (i + rows) * 4)).changes;
    }
    for (const [deviceId, n] of newest) s.touchDevice.run(deviceId, n.ts, n.seq);
    return { stored, duplicates: readings.length - stored };
  }

  private readonly inserts = new Map<number, Database.Statement<unknown[]>>();

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

  private statements(): Statements {
    if (!this.stmts) throw new Error('SqliteStore not started');
    return this.stmts;
  }

  async write(readings: readonly SpeedReading[]): Promise<WriteResult> {
    if (!this.writeTx) throw new Error('SqliteStore not started for writing');
    if (readings.length === 0) return { stored: 0, duplicates: 0 };
    return this.writeTx(readings);
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
    const w = historyWindow(q.from, q.to, q.maxPoints);
    const rows = this.statements().history.all({ device: q.deviceId, from: q.from, to: q.to, w });
    return {
      windowMs: w,
      points: rows.map((r) => ({
        timestamp: r.idx * w,
        mean: r.mean,
        min: r.min,
        max: r.max,
        count: r.n,
      })),
    };
  }

  async seqs(deviceId: string): Promise<number[]> {
    return this.statements()
      .seqs.all(deviceId)
      .map((r) => r.seq);
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
  }
}
