// readingChunks over any page reader: slices, positions, and a failing page read retried before it ends an export.
import { describe, expect, it } from 'vitest';
import { readingChunks, toColumns } from '../../../core/store/reading-chunks.js';
import type { RawReading, ReadingColumns, ReadingsQuery } from '../../../core/store/types.js';

const ROWS: RawReading[] = Array.from({ length: 25 }, (_, i) => ({
  seq: i,
  timestamp: 1000 + i * 10,
  values: { speed: i / 2 },
}));

/** Keyset pages over ROWS (ascending), failing the calls listed in `failOn`. */
function reader(failOn: number[] = []) {
  const queries: ReadingsQuery[] = [];
  const read = async (q: ReadingsQuery): Promise<ReadingColumns> => {
    queries.push(q);
    if (failOn.includes(queries.length)) throw new Error(`page ${queries.length} failed`);
    const after = q.after;
    const start = after ? ROWS.findIndex((r) => r.timestamp > after.ts) : 0;
    return toColumns(start < 0 ? [] : ROWS.slice(start, start + q.limit), ['speed']);
  };
  return { read, queries };
}

const range = { deviceId: 'd', from: 0, to: 1e12, order: 'asc' as const };
async function seqs(chunks: AsyncIterable<{ length: number; seq: Float64Array }>) {
  const out: number[][] = [];
  for await (const c of chunks) out.push(Array.from(c.seq));
  return out;
}

describe('readingChunks', () => {
  it('slices pages of pageRows into chunks of chunkRows, each page after the last position', async () => {
    const { read, queries } = reader();
    const chunks = await seqs(readingChunks(read, range, 4, 10));
    expect(chunks.map((c) => c.length)).toEqual([4, 4, 2, 4, 4, 2, 4, 1]);
    expect(chunks.flat()).toEqual(ROWS.map((r) => r.seq));
    expect(queries.map((q) => [q.limit, q.after?.seq])).toEqual([
      [10, undefined],
      [10, 9],
      [10, 19],
    ]);
  });

  it('reads a failed page again, up to three attempts, then gives up', async () => {
    const flaky = reader([2, 3]);
    expect((await seqs(readingChunks(flaky.read, range, 10))).flat()).toEqual(
      ROWS.map((r) => r.seq),
    );
    expect(flaky.queries.map((q) => q.after?.seq)).toEqual([undefined, 9, 9, 9, 19]);
    const broken = reader([2, 3, 4]);
    await expect(seqs(readingChunks(broken.read, range, 10))).rejects.toThrow('page 4 failed');
  });
});
