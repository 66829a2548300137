// Rollups on InfluxDB: new readings' per-signal aggregates added to the stored buckets (a cache of them, read when missing).
import type { Reading } from '../contract.js';
import { mergeAggs } from './influx-signals.js';
import { aggregateSignals, type SignalBucket, type TierName } from './rollup.js';

export type RollupTier = Exclude<TierName, 'raw'>;

/** Buckets remembered per tier: recent ones, so in-order data never reads a bucket back. */
const CACHE_LIMIT = 20_000;

const keyOf = (deviceId: string, bucket: number) => `${deviceId}\n${bucket}`;

/**
 * Why add instead of recomputing from raw points: a bucket recomputed on every flush re-reads
 * all its readings each time (30 times the ingest on average for 1-minute buckets flushed every
 * second; far more when a burst shares one minute), which costs InfluxDB more than the writes.
 * Adding is exact because only readings new to the store (by coverage) are added, each once:
 * a bucket's stored value counts exactly the readings that went through a successful flush (and,
 * after a restart, the ones its recompute from raw counted). A reading whose write failed is not
 * added; when it is retried and stored it is added then. Every signal of the catalog at once:
 * a bucket is one Float64Array (count, sum, min, max per signal, see rollup.ts).
 */
export class RollupBook {
  /** Pending rows per tier, by device and bucket start. */
  private readonly adding = new Map<RollupTier, Map<string, Map<number, SignalBucket>>>();
  private readonly cache = new Map<RollupTier, Map<string, Float64Array>>();

  constructor(
    private readonly tiers: ReadonlyArray<{ name: RollupTier; bucketMs: number }>,
    private readonly keys: readonly string[],
  ) {
    for (const t of tiers) {
      this.adding.set(t.name, new Map());
      this.cache.set(t.name, new Map());
    }
  }

  get empty(): boolean {
    for (const byDevice of this.adding.values()) if (byDevice.size > 0) return false;
    return true;
  }

  /**
   * Readings just stored (new to the store). On the collector's hot path: no object per reading,
   * one typed array per device and bucket of the batch (merged into the pending one, or kept).
   */
  add(readings: readonly Reading[], times: readonly number[]): void {
    for (const t of this.tiers) {
      const rows = aggregateSignals(readings, times, this.keys, t.bucketMs);
      this.pend(t.name, rows, false);
    }
  }

  private pend(tier: RollupTier, rows: readonly SignalBucket[], copy: boolean): void {
    const byDevice = this.adding.get(tier) as Map<string, Map<number, SignalBucket>>;
    for (const row of rows) {
      let buckets = byDevice.get(row.deviceId);
      if (!buckets) {
        buckets = new Map();
        byDevice.set(row.deviceId, buckets);
      }
      const seen = buckets.get(row.bucket);
      if (seen) mergeAggs(seen.aggs, row.aggs);
      else buckets.set(row.bucket, copy ? { ...row, aggs: row.aggs.slice() } : row);
    }
  }

  /** Hands over what is pending, per tier; a failed flush gives it back with restore(). */
  take(): Map<RollupTier, SignalBucket[]> {
    const out = new Map<RollupTier, SignalBucket[]>();
    for (const t of this.tiers) {
      const rows: SignalBucket[] = [];
      for (const buckets of (this.adding.get(t.name) ?? new Map()).values()) {
        for (const row of buckets.values()) rows.push(row);
      }
      out.set(t.name, rows);
      this.adding.set(t.name, new Map());
    }
    return out;
  }

  restore(tier: RollupTier, rows: readonly SignalBucket[]): void {
    this.pend(tier, rows, true);
  }

  /** Rows whose stored bucket is not cached: read them back before merging. */
  uncached(tier: RollupTier, rows: readonly SignalBucket[]): SignalBucket[] {
    const cache = this.cache.get(tier) as Map<string, Float64Array>;
    return rows.filter((r) => !cache.has(keyOf(r.deviceId, r.bucket)));
  }

  /** Stored values read back (empty aggs for a bucket with no point yet). */
  learn(tier: RollupTier, deviceId: string, bucket: number, stored: Float64Array): void {
    remember(this.cache.get(tier) as Map<string, Float64Array>, keyOf(deviceId, bucket), stored);
  }

  /** The values to write: cached stored value plus the pending rows (all must be cached). */
  merged(tier: RollupTier, rows: readonly SignalBucket[]): SignalBucket[] {
    const cache = this.cache.get(tier) as Map<string, Float64Array>;
    return rows.map((r) => {
      const stored = cache.get(keyOf(r.deviceId, r.bucket));
      if (!stored) throw new Error(`rollup ${tier} ${r.deviceId} ${r.bucket} not read back`);
      const aggs = stored.slice();
      mergeAggs(aggs, r.aggs);
      return { deviceId: r.deviceId, bucket: r.bucket, aggs };
    });
  }

  /** After the merged values were written: they are what the store now holds. */
  written(tier: RollupTier, values: readonly SignalBucket[]): void {
    const cache = this.cache.get(tier) as Map<string, Float64Array>;
    for (const v of values) remember(cache, keyOf(v.deviceId, v.bucket), v.aggs);
  }

  /**
   * Several collectors: the pending rows and cached buckets of these devices are dropped (another
   * collector writes their buckets now, or did meanwhile).
   */
  drop(owns: (deviceId: string) => boolean): void {
    for (const byDevice of this.adding.values()) {
      for (const id of [...byDevice.keys()]) if (owns(id)) byDevice.delete(id);
    }
    for (const cache of this.cache.values()) {
      for (const key of [...cache.keys()])
        if (owns(key.slice(0, key.indexOf('\n')))) cache.delete(key);
    }
  }

  /** Forgets every cached bucket (after a recompute from raw rewrote some behind the cache). */
  forget(): void {
    for (const cache of this.cache.values()) cache.clear();
  }
}

/** The arrays cached are the book's own (merged() and learn()'s callers hand over fresh ones). */
function remember(cache: Map<string, Float64Array>, key: string, value: Float64Array): void {
  cache.delete(key); // re-inserted last: the Map's order is the eviction order
  cache.set(key, value);
  if (cache.size > CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
}
