// Rollups on InfluxDB: new readings' aggregates added to the stored buckets (a cache of them, read when missing).
import { escape as lp } from '@influxdata/influxdb-client';
import { DEVICE_TAG } from './influxql.js';
import { type Aggregate, aggregateBatch, type BucketRow, merge, type TierName } from './rollup.js';

export type RollupTier = Exclude<TierName, 'raw'>;

/** Buckets remembered per tier: recent ones, so in-order data never reads a bucket back. */
const CACHE_LIMIT = 20_000;

const keyOf = (deviceId: string, bucket: number) => `${deviceId}\n${bucket}`;

export const EMPTY: Aggregate = {
  count: 0,
  sum: 0,
  min: Number.POSITIVE_INFINITY,
  max: Number.NEGATIVE_INFINITY,
};

/**
 * Why add instead of recomputing from raw points: a bucket recomputed on every flush re-reads
 * all its readings each time (30 times the ingest on average for 1-minute buckets flushed every
 * second; far more when a burst shares one minute), which costs InfluxDB more than the writes.
 * Adding is exact because only readings new to the store (by coverage) are added, each once:
 * a bucket's stored value counts exactly the readings that went through a successful flush (and,
 * after a restart, the ones its recompute from raw counted). A reading whose write failed is not
 * added; when it is retried and stored it is added then.
 */
export class RollupBook {
  private pending = new Map<RollupTier, Map<string, BucketRow>>();
  private readonly cache = new Map<RollupTier, Map<string, Aggregate>>();

  constructor(private readonly tiers: ReadonlyArray<{ name: RollupTier; bucketMs: number }>) {
    for (const t of tiers) {
      this.pending.set(t.name, new Map());
      this.cache.set(t.name, new Map());
    }
  }

  get empty(): boolean {
    for (const rows of this.pending.values()) if (rows.size > 0) return false;
    return true;
  }

  /** Readings just stored (new to the store), as parallel arrays. */
  add(deviceIds: readonly string[], times: readonly number[], speeds: readonly number[]): void {
    for (const t of this.tiers) {
      const rows = this.pending.get(t.name) as Map<string, BucketRow>;
      for (const row of aggregateBatch(deviceIds, times, speeds, t.bucketMs)) {
        addRow(rows, row);
      }
    }
  }

  /** Hands over what is pending, per tier; a failed flush gives it back with restore(). */
  take(): Map<RollupTier, BucketRow[]> {
    const out = new Map<RollupTier, BucketRow[]>();
    for (const t of this.tiers) {
      const rows = this.pending.get(t.name) as Map<string, BucketRow>;
      out.set(t.name, [...rows.values()]);
      this.pending.set(t.name, new Map());
    }
    return out;
  }

  restore(tier: RollupTier, rows: readonly BucketRow[]): void {
    const pending = this.pending.get(tier) as Map<string, BucketRow>;
    for (const row of rows) addRow(pending, { ...row });
  }

  /** Rows whose stored bucket is not cached: read them back before merging. */
  uncached(tier: RollupTier, rows: readonly BucketRow[]): BucketRow[] {
    const cache = this.cache.get(tier) as Map<string, Aggregate>;
    return rows.filter((r) => !cache.has(keyOf(r.deviceId, r.bucket)));
  }

  /** Stored values read back (EMPTY for a bucket with no point yet). */
  learn(tier: RollupTier, deviceId: string, bucket: number, stored: Aggregate): void {
    remember(this.cache.get(tier) as Map<string, Aggregate>, keyOf(deviceId, bucket), stored);
  }

  /** The values to write: cached stored value plus the pending rows (all must be cached). */
  merged(tier: RollupTier, rows: readonly BucketRow[]): BucketRow[] {
    const cache = this.cache.get(tier) as Map<string, Aggregate>;
    return rows.map((r) => {
      const stored = cache.get(keyOf(r.deviceId, r.bucket));
      if (!stored) throw new Error(`rollup ${tier} ${r.deviceId} ${r.bucket} not read back`);
      const value: BucketRow = { ...stored, deviceId: r.deviceId, bucket: r.bucket };
      merge(value, r);
      return value;
    });
  }

  /** After the merged values were written: they are what the store now holds. */
  written(tier: RollupTier, values: readonly BucketRow[]): void {
    const cache = this.cache.get(tier) as Map<string, Aggregate>;
    for (const v of values) remember(cache, keyOf(v.deviceId, v.bucket), v);
  }

  /** Forgets every cached bucket (after a recompute from raw rewrote some behind the cache). */
  forget(): void {
    for (const cache of this.cache.values()) cache.clear();
  }
}

function addRow(rows: Map<string, BucketRow>, row: BucketRow): void {
  const key = keyOf(row.deviceId, row.bucket);
  const seen = rows.get(key);
  if (seen) merge(seen, row);
  else rows.set(key, row);
}

function remember(cache: Map<string, Aggregate>, key: string, value: Aggregate): void {
  cache.delete(key); // re-inserted last: the Map's order is the eviction order
  cache.set(key, { count: value.count, sum: value.sum, min: value.min, max: value.max });
  if (cache.size > CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
}

/** `<measurement>,device_id=<id> count=<n>i,max=<x>,min=<x>,sum=<x> <bucket ns>` */
export function rollupLine(measurement: string, row: BucketRow): string {
  const ns = (BigInt(row.bucket) * 1_000_000n).toString();
  return (
    `${lp.measurement(measurement)},${lp.tag(DEVICE_TAG)}=${lp.tag(row.deviceId)} ` +
    `count=${row.count}i,max=${row.max},min=${row.min},sum=${row.sum} ${ns}`
  );
}
