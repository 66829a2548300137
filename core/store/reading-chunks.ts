// A whole range of raw readings as chunks of keyset pages, in columns, the event loop given a turn between them (exports).
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import {
  FLAG_CODES,
  FLAG_NONE,
  FLAG_VALID,
  type RawReading,
  type ReadingColumns,
  type ReadingPosition,
  type ReadingsQuery,
  type ReadingsRange,
} from './types.js';

const PAGE_ATTEMPTS = 3;
const PAGE_RETRY_MS = 500;

/** Where the next page starts: after the last reading of this one. */
export function positionAfter(page: readonly RawReading[]): ReadingPosition | undefined {
  const last = page.at(-1);
  return last && { ts: last.timestamp, seq: last.seq };
}

/** Rows as columns of `keys` (NaN where a row lacks a signal, booleans as 0/1). */
export function toColumns(rows: readonly RawReading[], keys: readonly string[]): ReadingColumns {
  const n = rows.length;
  const values: Record<string, Float64Array> = {};
  for (const k of keys) values[k] = new Float64Array(n).fill(Number.NaN);
  const columns: ReadingColumns = {
    length: n,
    seq: new Float64Array(n),
    timestamp: new Float64Array(n),
    values,
    flag: new Int8Array(n),
  };
  for (let i = 0; i < n; i++) {
    const r = rows[i] as RawReading;
    columns.seq[i] = r.seq;
    columns.timestamp[i] = r.timestamp;
    for (const k of keys) {
      const v = r.values[k];
      if (v !== undefined) (values[k] as Float64Array)[i] = v === true ? 1 : v === false ? 0 : v;
    }
    const positioned = r.values.lat !== undefined || r.position_flag !== undefined;
    columns.flag[i] = r.position_flag
      ? FLAG_CODES[r.position_flag]
      : positioned
        ? FLAG_VALID
        : FLAG_NONE;
  }
  return columns;
}

function slice(c: ReadingColumns, from: number, to: number): ReadingColumns {
  const end = Math.min(to, c.length);
  const values: Record<string, Float64Array> = {};
  for (const k in c.values) values[k] = (c.values[k] as Float64Array).subarray(from, end);
  return {
    length: end - from,
    seq: c.seq.subarray(from, end),
    timestamp: c.timestamp.subarray(from, end),
    values,
    flag: c.flag.subarray(from, end),
  };
}

/**
 * Why pages and not one long cursor: a better-sqlite3 iterator keeps its connection busy (no other
 * request could read until the export ends), and an InfluxDB answer of millions of rows would be
 * held whole. Each page is its own query from the last position, so a page costs the same at the
 * end of a month as at its start, and readings written meanwhile are neither skipped nor repeated.
 * Why columns: the reading objects of a page die before the first wait (they are turned into
 * typed arrays at once); objects that lived across the waits for a slow socket were promoted to
 * V8's old generation and piled up there (measured with bench/export.ts).
 */
export async function* readingChunks(
  readPage: (query: ReadingsQuery) => Promise<ReadingColumns>,
  range: ReadingsRange,
  chunkRows: number,
  /** Readings per query when a query costs more than its rows (an HTTP round trip): sliced. */
  pageRows = chunkRows,
): AsyncGenerator<ReadingColumns> {
  const size = Math.max(1, chunkRows);
  const perQuery = Math.max(size, pageRows);
  const readColumns = async (after: ReadingPosition | undefined): Promise<ReadingColumns> => {
    // A page read is idempotent (keyset), so a hiccup of the store (an InfluxDB request timing out
    // under load) is retried before it ends an export of millions of readings.
    for (let attempt = 1; ; attempt++) {
      try {
        return await readPage({ ...range, limit: perQuery, after });
      } catch (err) {
        if (attempt >= PAGE_ATTEMPTS) throw err;
        await sleep(PAGE_RETRY_MS * attempt);
      }
    }
  };
  let after: ReadingPosition | undefined;
  for (;;) {
    const page = await readColumns(after);
    for (let i = 0; i < page.length; i += size) {
      yield slice(page, i, i + size);
      // SQLite answers synchronously: without this, a consumer that never waits would hold the
      // event loop for the whole range.
      await nextTurn();
    }
    if (page.length < perQuery) return;
    const last = page.length - 1;
    after = { ts: page.timestamp[last] as number, seq: page.seq[last] as number };
  }
}
