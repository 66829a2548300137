// Raw readings from SQLite in (ts, seq) order with the requested signals: keyset pages over the time index.
import type Database from 'better-sqlite3';
import type { SignalCatalog, SignalDef } from '../signals/catalog.js';
import { flagOfCode, fromSql } from './sqlite-layout.js';
import type { RawReading, ReadingsQuery } from './types.js';

interface PageParams {
  device: string;
  /** The range's far bound (to for asc, from for desc). */
  bound: number;
  /** The position to continue after (the range's near bound when none). */
  ts: number;
  seq: number;
  min: number | null;
  max: number | null;
  limit: number;
}

/** Rows as arrays (better-sqlite3's raw mode): [seq, ts, pos_flag, ...signals]. */
type Row = unknown[];

interface PageStatements {
  signals: readonly SignalDef[];
  asc: Database.Statement<PageParams, Row>;
  desc: Database.Statement<PageParams, Row>;
}

/** Distinct signal sets asked for are few (the page's, an export's); past this, the oldest is dropped. */
const CACHED_SETS = 32;

/**
 * `ts >= @ts AND (ts > @ts OR seq > @seq)` is `(ts, seq) > (@ts, @seq)` written so that the
 * readings_by_time index (device_id, ts, speed, seq) bounds the scan on ts; the speed band is
 * checked on the index entries. Statements are prepared per set of signals asked for; a signal
 * whose column the file lacks yet (the writer adds it at its start) reads as NULL.
 */
export class ReadingPages {
  private readonly cache = new Map<string, PageStatements>();

  constructor(
    private readonly db: Database.Database,
    private readonly catalog: SignalCatalog,
    private readonly columns: ReadonlySet<string>,
  ) {}

  private statements(keys: readonly string[] | undefined): PageStatements {
    const id = keys ? keys.join(',') : '*';
    const hit = this.cache.get(id);
    if (hit) return hit;
    const signals = keys
      ? this.catalog.signals.filter((s) => keys.includes(s.key))
      : this.catalog.signals;
    const cols = signals.map((s) => (this.columns.has(s.key) ? s.key : `NULL AS ${s.key}`));
    const speed = '(@min IS NULL OR speed >= @min) AND (@max IS NULL OR speed <= @max)';
    const select = `SELECT seq, ts, pos_flag${cols.length ? `, ${cols.join(', ')}` : ''}
      FROM readings WHERE device_id = @device`;
    const made: PageStatements = {
      signals,
      asc: this.db
        .prepare<PageParams, Row>(
          `${select} AND ts >= @ts AND ts <= @bound AND (ts > @ts OR seq > @seq) AND ${speed}
           ORDER BY ts, seq LIMIT @limit`,
        )
        .raw(true),
      desc: this.db
        .prepare<PageParams, Row>(
          `${select} AND ts <= @ts AND ts >= @bound AND (ts < @ts OR seq < @seq) AND ${speed}
           ORDER BY ts DESC, seq DESC LIMIT @limit`,
        )
        .raw(true),
    };
    if (this.cache.size >= CACHED_SETS) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    this.cache.set(id, made);
    return made;
  }

  page(q: ReadingsQuery): RawReading[] {
    if (q.limit <= 0) return [];
    const s = this.statements(q.signals);
    const asc = q.order === 'asc';
    const from = Math.ceil(q.from);
    const to = Math.floor(q.to);
    // A position outside the range (a cursor never is) just starts at the range's edge.
    const start =
      q.after && (asc ? q.after.ts >= from : q.after.ts <= to)
        ? q.after
        : { ts: asc ? from : to, seq: asc ? -1 : Number.MAX_SAFE_INTEGER };
    const params: PageParams = {
      device: q.deviceId,
      bound: asc ? to : from,
      ts: start.ts,
      seq: start.seq,
      min: q.minSpeed ?? null,
      max: q.maxSpeed ?? null,
      limit: q.limit,
    };
    const signals = s.signals;
    return (asc ? s.asc : s.desc).all(params).map((row) => {
      const values: RawReading['values'] = {};
      for (let k = 0; k < signals.length; k++) {
        const def = signals[k] as SignalDef;
        const v = fromSql(def, row[3 + k]);
        if (v !== undefined) values[def.key] = v;
      }
      const out: RawReading = { seq: row[0] as number, timestamp: row[1] as number, values };
      const flag = flagOfCode(row[2] as number | null);
      if (flag) out.position_flag = flag;
      return out;
    });
  }
}
