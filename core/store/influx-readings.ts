// Raw readings from InfluxDB (InfluxQL): keyset pages on the point's time, which carries seq below the millisecond.
import { type InfluxHttp, InfluxHttpError, type InfluxSeries } from './influx-http.js';
import { SEQ_NS_SLOTS } from './influx-points.js';
import { rows } from './influx-rows.js';
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
import type { RawReading, ReadingColumns, ReadingPosition, ReadingsQuery } from './types.js';

/** Readings per query when streaming a range: one HTTP round trip for many chunks. */
export const INFLUX_PAGE_ROWS = 10_000;
/**
 * Rows per chunk of InfluxDB's chunked answer while streaming: each chunk is one JSON line, kept
 * under V8's large-object size (~128 kB; ~30 bytes a row) so no line lands in the old generation.
 */
const STREAM_CHUNK_ROWS = 2000;

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

/**
 * One page: columns time (ms, floored), seq, speed. Both ends of the range are inclusive
 * milliseconds, as SQLite compares them; a point's sub-millisecond ns (its seq) keep it inside
 * its millisecond, hence `time < (to + 1) ms`.
 */
export function readingsStatement(q: ReadingsQuery, raw: SeriesSource): string | undefined {
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
  return (
    `SELECT ${quoteIdent('seq')}, ${speed} FROM ${sourceRef(raw)} WHERE ${where.join(' AND ')} ` +
    `ORDER BY time ${asc ? 'ASC' : 'DESC'} LIMIT ${q.limit}`
  );
}

/** Runs one page; `query` is the store's (chunked, and refusing servers that are not InfluxDB). */
export async function influxReadings(
  q: ReadingsQuery,
  raw: SeriesSource,
  query: (statement: string) => Promise<InfluxSeries[]>,
): Promise<RawReading[]> {
  const statement = readingsStatement(q, raw);
  if (statement === undefined) return [];
  const out: RawReading[] = [];
  for (const series of await query(statement)) {
    for (const r of rows(series)) {
      out.push({ seq: r.num('seq'), timestamp: r.num('time'), values: { speed: r.num('speed') } });
    }
  }
  return out;
}

/** Reusable column storage for pages of up to `capacity` readings. */
export interface ColumnBuffers {
  seq: Float64Array;
  timestamp: Float64Array;
  speed: Float64Array;
}

export function columnBuffers(capacity: number): ColumnBuffers {
  return {
    seq: new Float64Array(capacity),
    timestamp: new Float64Array(capacity),
    speed: new Float64Array(capacity),
  };
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
  /**
   * Columns to fill, reused page after page by one export: a page's typed arrays outlive the waits
   * for the socket, so fresh ones per page were promoted and their 240 KB backing stores (outside
   * V8's heap) stayed in the process until a full collection (measured: +66 MB over a 30-day
   * export). The caller must be done with the previous page before reading the next.
   */
  into?: ColumnBuffers,
): Promise<ReadingColumns> {
  const statement = readingsStatement(q, raw);
  const cap = statement === undefined ? 0 : q.limit;
  const columns = into && into.seq.length >= cap ? into : columnBuffers(cap);
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
        const t = series.columns.indexOf('time');
        const s = series.columns.indexOf('seq');
        const v = series.columns.indexOf('speed');
        for (const row of series.values) {
          if (n >= cap) break;
          columns.timestamp[n] = Number(row[t]);
          columns.seq[n] = Number(row[s]);
          columns.speed[n] = Number(row[v]);
          n += 1;
        }
      },
      STREAM_CHUNK_ROWS,
    );
  }
  return {
    length: n,
    seq: columns.seq.subarray(0, n),
    timestamp: columns.timestamp.subarray(0, n),
    values: { speed: columns.speed.subarray(0, n) },
    flag: new Int8Array(n).fill(-1),
  };
}
