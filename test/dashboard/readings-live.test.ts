// Paging GET /api/devices/:id/readings while another writer keeps storing: every reading exactly once, in both orders.

import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpeedReading } from '../../core/contract.js';
import { readingOfSpeed } from '../../core/contract.js';
import { SqliteStore } from '../../core/store/sqlite-store.js';
import { removeTempDirs } from '../helpers/tmp.js';
import { getJson } from './helpers.js';
import { BASE, type RouteFixture, startRouteFixture } from './route-fixture.js';

const DEVICE = 'live_01';
const T = BASE + 3_600_000;
/** Late readings (seq from here, timestamps before T) land behind any cursor already past them. */
const LATE = 1_000_000;
let fixture: RouteFixture;

beforeAll(async () => {
  fixture = await startRouteFixture({ DASHBOARD_RATE_LIMIT_PER_MIN: '100000' });
});

afterAll(async () => {
  await fixture?.stop();
  removeTempDirs();
});

/** The collector's part: batches of 20 in-order readings every few ms, each with a late one. */
class Ingest {
  private readonly store: SqliteStore;
  next = 0;
  late = 0;
  private running: Promise<void> | undefined;

  constructor(path: string) {
    // NORMAL: this writer's fsyncs are not what is tested.
    this.store = new SqliteStore({ path, synchronous: 'NORMAL' });
  }

  async start(firstBatch: number): Promise<void> {
    await this.store.start();
    await this.batch(firstBatch, false);
  }

  private async batch(size: number, withLate: boolean): Promise<void> {
    const readings: SpeedReading[] = [];
    for (let i = 0; i < size; i++, this.next++) {
      readings.push(this.reading(this.next, T + this.next * 10));
    }
    if (withLate) {
      readings.push(this.reading(LATE + this.late, T - 1000 - this.late));
      this.late += 1;
    }
    await this.store.write(readings.map(readingOfSpeed));
  }

  private reading(seq: number, at: number): SpeedReading {
    return { device_id: DEVICE, seq, timestamp: new Date(at).toISOString(), speed: seq % 100 };
  }

  run(batches: number): void {
    this.running = (async () => {
      for (let b = 0; b < batches; b++) {
        await this.batch(20, true);
        await sleep(2);
      }
    })();
  }

  async stop(): Promise<void> {
    await this.running;
    await this.store.stop();
  }
}

interface Page {
  readings: Array<{ seq: number }>;
  next_cursor: string | null;
}

async function readAll(query: string, onFirst: () => void): Promise<number[]> {
  const path = `/api/devices/${DEVICE}/readings`;
  const seqs: number[] = [];
  let p = (await getJson(fixture.base, `${path}?${query}`)).body as Page;
  onFirst();
  seqs.push(...p.readings.map((r) => r.seq));
  while (p.next_cursor !== null) {
    p = (await getJson(fixture.base, `${path}?cursor=${p.next_cursor}&limit=37`)).body as Page;
    seqs.push(...p.readings.map((r) => r.seq));
  }
  return seqs;
}

describe('pages read while ingest runs', () => {
  it('ascending: a gapless run from the first reading, no repeat, late ones behind the cursor not seen', async () => {
    const ingest = new Ingest(fixture.sqlitePath);
    await ingest.start(100);
    let atFirstPage = 0;
    const seqs = await readAll('limit=37', () => {
      atFirstPage = ingest.next;
      ingest.run(150);
    });
    await ingest.stop();
    const inOrder = seqs.filter((s) => s < LATE);
    expect(inOrder).toEqual(Array.from({ length: inOrder.length }, (_, i) => i));
    // The first page's query ran before the writer's next batch: later pages picked those up.
    expect(inOrder.length).toBeGreaterThanOrEqual(atFirstPage + 20);
    // Every late reading has a timestamp before the first page's: none can come after it.
    expect(seqs.filter((s) => s >= LATE)).toEqual([]);
    expect(ingest.late).toBeGreaterThan(0);
  });

  it('descending ("newest first"): the first page fixes the top, every older reading follows once', async () => {
    const ingest = new Ingest(fixture.sqlitePath);
    // The same file: continue the device's seqs above what the first case stored.
    const stored = (
      (await getJson(fixture.base, `/api/devices/${DEVICE}/readings?order=desc&limit=1`))
        .body as Page
    ).readings[0]?.seq as number;
    ingest.next = stored + 1;
    ingest.late = 10_000;
    await ingest.start(0);
    ingest.run(150);
    const seqs = await readAll('order=desc&limit=37', () => {});
    await ingest.stop();
    const inOrder = seqs.filter((s) => s < LATE);
    const top = inOrder[0] as number;
    expect(top).toBeGreaterThan(stored);
    expect(inOrder).toEqual(Array.from({ length: top + 1 }, (_, i) => top - i));
    const late = seqs.filter((s) => s >= LATE);
    expect(new Set(late).size).toBe(late.length);
  });
});
