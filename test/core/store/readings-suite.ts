// The shared raw-readings suite: keyset pages, order, bounds, speed bands and chunks, alike on every store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../../core/contract.js';
import { positionAfter } from '../../../core/store/reading-chunks.js';
import {
  EARLIEST_MS,
  LATEST_MS,
  type RawReading,
  type ReadingColumns,
  type ReadingsQuery,
  type ReadingsRange,
  type TelemetryStore,
} from '../../../core/store/types.js';
import type { StoreFixture } from './store-suite.js';

const T0 = Date.parse('2026-11-20T08:00:00.000Z');
const DEVICE = 'raw_dev';

/** 60 readings a second apart, except seqs 20..22 which share one millisecond. */
function timeOf(seq: number): number {
  if (seq >= 20 && seq <= 22) return T0 + 20_000;
  return T0 + seq * 1000;
}
const speedOf = (seq: number) => (seq * 7) % 50;
const reading = (deviceId: string, seq: number): Reading => ({
  device_id: deviceId,
  seq,
  timestamp: new Date(timeOf(seq)).toISOString(),
  values: { speed: speedOf(seq) },
});
const raw = (seq: number): RawReading => ({
  seq,
  timestamp: timeOf(seq),
  values: { speed: speedOf(seq) },
});
const seqsOf = (rows: readonly RawReading[]) => rows.map((r) => r.seq);
const range = (extra: Partial<ReadingsRange> = {}): ReadingsRange => ({
  deviceId: DEVICE,
  from: EARLIEST_MS,
  to: LATEST_MS,
  order: 'asc',
  ...extra,
});

async function allPages(store: TelemetryStore, q: ReadingsQuery): Promise<RawReading[][]> {
  const pages: RawReading[][] = [];
  let after = q.after;
  for (;;) {
    const page = await store.readings({ ...q, after });
    pages.push(page);
    if (page.length < q.limit) return pages;
    after = positionAfter(page);
  }
}

async function collect(chunks: AsyncIterable<ReadingColumns>): Promise<RawReading[][]> {
  const out: RawReading[][] = [];
  for await (const c of chunks) {
    out.push(
      Array.from({ length: c.length }, (_, i) => ({
        seq: c.seq[i] as number,
        timestamp: c.timestamp[i] as number,
        values: { speed: c.values.speed?.[i] as number },
      })),
    );
  }
  return out;
}

export function readingsSuite(name: string, makeFixture: () => Promise<StoreFixture>): void {
  describe(`raw readings: ${name}`, () => {
    let fixture: StoreFixture;
    let store: TelemetryStore;
    const seqs = Array.from({ length: 60 }, (_, i) => i);

    beforeAll(async () => {
      fixture = await makeFixture();
      store = fixture.store;
      await store.start();
      await store.write(seqs.map((s) => reading(DEVICE, s)));
      await store.write(seqs.map((s) => reading('raw_other', s)));
    });
    afterAll(async () => {
      await store.stop();
      await fixture.cleanup();
    });

    it('answers a range in (timestamp, seq) order, ascending or descending', async () => {
      expect(await store.readings({ ...range(), limit: 1000 })).toEqual(seqs.map(raw));
      // "last 10": order=desc, limit=10; readings of one millisecond in seq order either way.
      expect(seqsOf(await store.readings({ ...range({ order: 'desc' }), limit: 10 }))).toEqual([
        59, 58, 57, 56, 55, 54, 53, 52, 51, 50,
      ]);
      const tie = { from: T0 + 20_000, to: T0 + 20_000 };
      expect(seqsOf(await store.readings({ ...range(tie), limit: 10 }))).toEqual([20, 21, 22]);
      expect(
        seqsOf(await store.readings({ ...range({ ...tie, order: 'desc' }), limit: 10 })),
      ).toEqual([22, 21, 20]);
    });

    it('from and to are inclusive; an empty or unknown range is empty', async () => {
      const page = await store.readings({
        ...range({ from: T0 + 5000, to: T0 + 9000 }),
        limit: 100,
      });
      expect(seqsOf(page)).toEqual([5, 6, 7, 8, 9]);
      expect(
        await store.readings({ ...range({ from: T0 + 5500, to: T0 + 5900 }), limit: 9 }),
      ).toEqual([]);
      expect(await store.readings({ ...range({ deviceId: 'nobody' }), limit: 9 })).toEqual([]);
    });

    it('pages through a range by position: every reading exactly once, in both orders', async () => {
      for (const order of ['asc', 'desc'] as const) {
        for (const limit of [1, 7, 20, 60]) {
          const pages = await allPages(store, { ...range({ order }), limit });
          const want = order === 'asc' ? seqs : [...seqs].reverse();
          expect(seqsOf(pages.flat()), `${order} by ${limit}`).toEqual(want);
          expect(pages.slice(0, -1).every((p) => p.length === limit)).toBe(true);
        }
      }
    });

    it('filters by speed band (inclusive), pages included', async () => {
      const band = range({ minSpeed: 14, maxSpeed: 28 });
      const want = seqs.filter((s) => speedOf(s) >= 14 && speedOf(s) <= 28);
      expect(want.length).toBeGreaterThan(10);
      expect(seqsOf((await allPages(store, { ...band, limit: 4 })).flat())).toEqual(want);
      expect(seqsOf(await store.readings({ ...range({ minSpeed: 49 }), limit: 100 }))).toEqual(
        seqs.filter((s) => speedOf(s) >= 49),
      );
      expect(seqsOf(await store.readings({ ...range({ maxSpeed: 0 }), limit: 100 }))).toEqual(
        seqs.filter((s) => speedOf(s) === 0),
      );
    });

    it('streams a range as chunks of at most chunkRows', async () => {
      const chunks = await collect(store.readingChunks(range({ order: 'desc' }), 8));
      expect(chunks.map((c) => c.length)).toEqual([8, 8, 8, 8, 8, 8, 8, 4]);
      expect(chunks.flat()).toEqual([...seqs].reverse().map(raw));
      expect(await collect(store.readingChunks(range({ deviceId: 'nobody' }), 8))).toEqual([]);
      const exact = await collect(store.readingChunks(range({ from: T0, to: T0 + 9000 }), 5));
      expect(exact.map(seqsOf)).toEqual([
        [0, 1, 2, 3, 4],
        [5, 6, 7, 8, 9],
      ]);
    });

    it('a position is not shifted by readings written meanwhile, later or earlier', async () => {
      const id = 'raw_live';
      const at = (seq: number, ms: number): Reading => ({
        device_id: id,
        seq,
        timestamp: new Date(T0 + ms).toISOString(),
        values: { speed: seq },
      });
      await store.write([0, 1, 2, 3, 4, 5].map((s) => at(s, s * 1000)));
      const q = { ...range({ deviceId: id }), limit: 3 };
      const first = await store.readings(q);
      // Newer readings (after the position) and a late one behind it (seq 99 at 0.5 s).
      await store.write([at(6, 6000), at(7, 7000), at(99, 500)]);
      const rest = (await allPages(store, { ...q, after: positionAfter(first) })).flat();
      expect(seqsOf([...first, ...rest])).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      // Newest first: the first page fixed the top, later readings do not shift what follows.
      const top = await store.readings({ ...q, order: 'desc' });
      await store.write([at(8, 8000)]);
      const older = (
        await allPages(store, { ...q, order: 'desc', after: positionAfter(top) })
      ).flat();
      expect(seqsOf([...top, ...older])).toEqual([7, 6, 5, 4, 3, 2, 1, 99, 0]);
    });
  });
}
