// A whole range of raw readings as chunks of keyset pages, the event loop given a turn between them (exports).
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { RawReading, ReadingPosition, ReadingsQuery, ReadingsRange } from './types.js';

/** Where the next page starts: after the last reading of this one. */
export function positionAfter(page: readonly RawReading[]): ReadingPosition | undefined {
  const last = page.at(-1);
  return last && { ts: last.timestamp, seq: last.seq };
}

/**
 * Why pages and not one long cursor: a better-sqlite3 iterator keeps its connection busy (no other
 * request could read until the export ends), and an InfluxDB answer of millions of rows would be
 * held whole. Each chunk is its own query from the last position, so a chunk costs the same at the
 * end of a month as at its start, and readings written meanwhile are neither skipped nor repeated.
 */
export async function* readingChunks(
  readPage: (query: ReadingsQuery) => Promise<RawReading[]>,
  range: ReadingsRange,
  chunkRows: number,
  /** Readings per query when a query costs more than its rows (an HTTP round trip): sliced. */
  pageRows = chunkRows,
): AsyncGenerator<RawReading[]> {
  const size = Math.max(1, chunkRows);
  const perQuery = Math.max(size, pageRows);
  let after: ReadingPosition | undefined;
  for (;;) {
    const page = await readPage({ ...range, limit: perQuery, after });
    for (let i = 0; i < page.length; i += size) {
      yield page.slice(i, i + size);
      // SQLite answers synchronously: without this, a consumer that never waits would hold the
      // event loop for the whole range.
      await nextTurn();
    }
    if (page.length < perQuery) return;
    after = positionAfter(page);
  }
}
