// Raw readings from InfluxDB (InfluxQL): keyset pages on the point's time (seq below the millisecond), every signal asked for and the position flag.
import type { SignalCatalog, SignalDef } from '../signals/catalog.js';
import { type InfluxHttp, InfluxHttpError, type InfluxSeries } from './influx-http.js';
import { FLAG_FIELD, flagOfCode, SEQ_NS_SLOTS } from './influx-points.js';
import {
  deviceFilter,
  epochMs,
  InfluxQLValueError,
  isQueryableDeviceId,
  MEASUREMENT,
  quoteIdent,
  type SeriesSource,
  sourceRef,
} from './influxql.js';
import {
  FLAG_NONE,
  type RawReading,
  type ReadingColumns,
  type ReadingPosition,
  type ReadingsQuery,
} from './types.js';

/** Readings per query when streaming a range: one HTTP round trip for many chunks. */
export const INFLUX_PAGE_ROWS = 10_000;

/** InfluxDB's time range (int64 ns), in ms: a bound beyond it is no bound at all. */
const INFLUX_MIN_MS = -9_223_372_036_854;
const INFLUX_MAX_MS = 9_223_372_036_853;

/** A point's time in ns: the reading's millisecond plus seq mod 10^6 (see influx-points.ts). */
function pointNs(p: ReadingPosition): string {
  if (!Number.isSafeInteger(p.ts) || !Number.isSafeInteger(p.seq) || p.seq < 0) {
    throw new InfluxQLValueError(`position out of range: ${p.ts} ms, seq ${p.seq}`);
  }
  return (BigInt(p.ts) * 1_000_000n + BigInt(p.seq % SEQ_NS_SLOTS)).toString();
}

/** A speed bound as an InfluxQL number literal: plain decimal notation, never an exponent. */
export function speedLiteral(kmh: number): string {
  if (!Number.isFinite(kmh) || kmh < 0 || kmh > 1e6) {
    throw new InfluxQLValueError(`speed bound out of range: ${kmh}`);
  }
  const text = String(kmh);
  return /^\d+(\.\d+)?$/.test(text) ? text : kmh.toFixed(9);
}

/** The catalog's signals a query asks for (default: all), in catalog order. */
export function requestedSignals(
  catalog: SignalCatalog,
  keys: readonly string[] | undefined,
): SignalDef[] {
  return keys ? catalog.signals.filter((s) => keys.includes(s.key)) : [...catalog.signals];
}

/**
 * One page: columns time (ms, floored), seq, pos_flag and the signals asked for. Both ends of the
 * range are inclusive milliseconds, as SQLite compares them; a point's sub-millisecond ns (its
 * seq) keep it inside its millisecond, hence `time < (to + 1) ms`. Every point has `seq`, so every
 * reading is a row, with or without the signals asked for (as in SQLite).
 */
export function readingsStatement(
  q: ReadingsQuery,
  raw: SeriesSource,
  signals: readonly SignalDef[],
): string | undefined {
  if (!isQueryableDeviceId(q.deviceId)) return undefined;
  if (!Number.isSafeInteger(q.limit) || q.limit < 1) return undefined;
  const from = Math.ceil(q.from);
  const to = Math.floor(q.to);
  if (from > to || from > INFLUX_MAX_MS || to < INFLUX_MIN_MS) return undefined;
  const where = [deviceFilter(q.deviceId)];
  if (from > INFLUX_MIN_MS) where.push(`time >= ${epochMs(from)}`);
  if (to < INFLUX_MAX_MS) where.push(`time < ${epochMs(to + 1)}`);
  const asc = q.order === 'asc';
  const after = q.after;
  if (after) {
    // A position beyond InfluxDB's time range: nothing lies past it, or everything does.
    const beyond = asc ? after.ts > INFLUX_MAX_MS : after.ts < INFLUX_MIN_MS;
    if (beyond) return undefined;
    const inRange = after.ts >= INFLUX_MIN_MS && after.ts <= INFLUX_MAX_MS;
    // Bare integers are nanoseconds in InfluxQL.
    if (inRange) where.push(`time ${asc ? '>' : '<'} ${pointNs(after)}`);
  }
  const speed = quoteIdent('speed');
  if (q.minSpeed !== undefined) where.push(`${speed} >= ${speedLiteral(q.minSpeed)}`);
  if (q.maxSpeed !== undefined) where.push(`${speed} <= ${speedLiteral(q.maxSpeed)}`);
  const fields = [
    quoteIdent('seq'),
    quoteIdent(FLAG_FIELD),
    ...signals.map((s) => quoteIdent(s.key)),
  ];
  return (
    `SELECT ${fields.join(', ')} FROM ${sourceRef(raw)} WHERE ${where.join(' AND ')} ` +
    `ORDER BY time ${asc ? 'ASC' : 'DESC'} LIMIT ${q.limit}`
  );
}

/** Where each answer column sits (-1: absent). */
function columnIndexes(series: InfluxSeries, signals: readonly SignalDef[]) {
  return {
    time: series.columns.indexOf('time'),
    seq: series.columns.indexOf('seq'),
    flag: series.columns.indexOf(FLAG_FIELD),
    signals: signals.map((s) => series.columns.indexOf(s.key)),
  };
}

/** Runs one page; `query` is the store's (chunked, and refusing servers that are not InfluxDB). */
export async function influxReadings(
  q: ReadingsQuery,
  raw: SeriesSource,
  signals: readonly SignalDef[],
  query: (statement: string) => Promise<InfluxSeries[]>,
): Promise<RawReading[]> {
  const statement = readingsStatement(q, raw, signals);
  if (statement === undefined) return [];
  const out: RawReading[] = [];
  for (const series of await query(statement)) {
    const at = columnIndexes(series, signals);
    for (const row of series.values) {
      const seq = row[at.seq];
      if (typeof seq !== 'number') continue; // a point with no reading (never written so)
      const values: RawReading['values'] = {};
      signals.forEach((s, k) => {
        const v = row[at.signals[k] as number];
        if (typeof v === 'number' || typeof v === 'boolean') values[s.key] = v;
      });
      const reading: RawReading = { seq, timestamp: Number(row[at.time]), values };
      const flag = flagOfCode(row[at.flag]);
      if (flag) reading.position_flag = flag;
      out.push(reading);
    }
  }
  return out;
}

/** Reusable column storage for pages of up to `capacity` readings of some signals. */
export interface ColumnBuffers {
  seq: Float64Array;
  timestamp: Float64Array;
  values: Record<string, Float64Array>;
  flag: Int8Array;
}

export function columnBuffers(capacity: number, keys: readonly string[]): ColumnBuffers {
  const values: Record<string, Float64Array> = {};
  for (const k of keys) values[k] = new Float64Array(capacity);
  return {
    seq: new Float64Array(capacity),
    timestamp: new Float64Array(capacity),
    values,
    flag: new Int8Array(capacity),
  };
}

/**
 * Rows per chunk of InfluxDB's chunked answer while streaming: each chunk is one JSON line, kept
 * under V8's large-object size (~128 kB; ~40 bytes a row plus ~16 a column) so no line lands in
 * the old generation.
 */
function streamChunkRows(signals: number): number {
  return Math.max(200, Math.floor(100_000 / (40 + 16 * signals)));
}

/**
 * One page straight into columns, InfluxDB's answer read chunk by chunk as it arrives: no string
 * of the whole answer, and no object per reading alive across the waits for the network (either
 * would be promoted to V8's old generation and pile up over an export of millions of readings).
 */
export async function influxReadingColumns(
  q: ReadingsQuery,
  http: InfluxHttp,
  database: string,
  raw: SeriesSource,
  signals: readonly SignalDef[],
  /**
   * Columns to fill (for `signals`' keys), reused page after page by one export: a page's typed
   * arrays outlive the waits for the socket, so fresh ones per page were promoted and their 240 KB
   * backing stores (outside V8's heap) stayed in the process until a full collection (measured:
   * +66 MB over a 30-day export). The caller must be done with the previous page before reading
   * the next.
   */
  into?: ColumnBuffers,
): Promise<ReadingColumns> {
  const statement = readingsStatement(q, raw, signals);
  const cap = statement === undefined ? 0 : q.limit;
  const keys = signals.map((s) => s.key);
  const columns =
    into && into.seq.length >= cap && keys.every((k) => into.values[k])
      ? into
      : columnBuffers(cap, keys);
  let n = 0;
  if (statement !== undefined) {
    await http.stream(
      [statement],
      database,
      (_statement, series) => {
        // VictoriaMetrics answers InfluxQL with a canned SHOW DATABASES: not "no data".
        if (series.name !== MEASUREMENT) {
          throw new InfluxHttpError(200, `unexpected series "${series.name}" in the answer`);
        }
        const at = columnIndexes(series, signals);
        const targets = keys.map((k) => columns.values[k] as Float64Array);
        for (const row of series.values) {
          if (n >= cap) break;
          const seq = row[at.seq];
          if (typeof seq !== 'number') continue;
          columns.timestamp[n] = Number(row[at.time]);
          columns.seq[n] = seq;
          for (let k = 0; k < targets.length; k++) {
            const v = row[at.signals[k] as number];
            (targets[k] as Float64Array)[n] =
              typeof v === 'number' ? v : v === true ? 1 : v === false ? 0 : Number.NaN;
          }
          const flag = row[at.flag];
          columns.flag[n] = typeof flag === 'number' ? flag : FLAG_NONE;
          n += 1;
        }
      },
      streamChunkRows(signals.length + 2),
    );
  }
  const values: Record<string, Float64Array> = {};
  for (const k of keys) values[k] = (columns.values[k] as Float64Array).subarray(0, n);
  return {
    length: n,
    seq: columns.seq.subarray(0, n),
    timestamp: columns.timestamp.subarray(0, n),
    values,
    flag: columns.flag.subarray(0, n),
  };
}
