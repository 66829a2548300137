// Rollups on InfluxDB: new readings' aggregates added to the stored buckets (a cache of them, read when missing).
import { escape as lp } from '@influxdata/influxdb-client';
import type { Reading } from '../contract.js';
import { DEVICE_TAG } from './influxql.js';
import { type Aggregate, type BucketRow, bucketStart, merge, type TierName } from './rollup.js';

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
  /** Pending rows per tier, by device and bucket start. */
  private readonly adding = new Map<RollupTier, Map<string, Map<number, BucketRow>>>();
  private readonly cache = new Map<RollupTier, Map<string, Aggregate>>();

  constructor(private readonly tiers: ReadonlyArray<{ name: RollupTier; bucketMs: number }>) {
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
   * only per new bucket (device, then bucket start, as map keys).
   */
  add(readings: readonly Reading[], times: readonly number[]): void {
    for (const t of this.tiers) {
      const byDevice = this.adding.get(t.name) as Map<string, Map<number, BucketRow>>;
      let deviceId = '';
      let buckets: Map<number, BucketRow> | undefined;
      for (let i = 0; i < readings.length; i++) {
        const r = readings[i] as Reading;
        if (r.device_id !== deviceId || !buckets) {
          deviceId = r.device_id;
          buckets = byDevice.get(deviceId);
          if (!buckets) {
            buckets = new Map();
            byDevice.set(deviceId, buckets);
          }
        }
        const bucket = bucketStart(times[i] as number, t.bucketMs);
        const speed = r.values.speed;
        if (typeof speed !== 'number') continue;
        const row = buckets.get(bucket);
        if (!row)
          buckets.set(bucket, { deviceId, bucket, count: 1, sum: speed, min: speed, max: speed });
        else {
          row.count += 1;
          row.sum += speed;
          if (speed < row.min) row.min = speed;
          if (speed > row.max) row.max = speed;
        }
      }
    }
  }

  /** Hands over what is pending, per tier; a failed flush gives it back with restore(). */
  take(): Map<RollupTier, BucketRow[]> {
    const out = new Map<RollupTier, BucketRow[]>();
    for (const t of this.tiers) {
      const rows: BucketRow[] = [];
      for (const buckets of (this.adding.get(t.name) ?? new Map()).values()) {
        for (const row of buckets.values()) rows.push(row);
      }
      out.set(t.name, rows);
      this.adding.set(t.name, new Map());
    }
    return out;
  }

  restore(tier: RollupTier, rows: readonly BucketRow[]): void {
    const byDevice = this.adding.get(tier) as Map<string, Map<number, BucketRow>>;
    for (const row of rows) {
      let buckets = byDevice.get(row.deviceId);
      if (!buckets) {
        buckets = new Map();
        byDevice.set(row.deviceId, buckets);
      }
      const seen = buckets.get(row.bucket);
      if (seen) merge(seen, row);
      else buckets.set(row.bucket, { ...row });
    }
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
