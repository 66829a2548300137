// Rollup tiers (1 minute, 1 hour): bucket arithmetic and per-batch aggregation shared by every store.
import type { Reading } from '../contract.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

export type TierName = 'raw' | '1m' | '1h';

/** Rollup tiers, finest first; each bucket length divides the next one's. */
export const ROLLUP_TIERS = [
  { name: '1m', bucketMs: MINUTE_MS },
  { name: '1h', bucketMs: HOUR_MS },
] as const satisfies ReadonlyArray<{ name: TierName; bucketMs: number }>;

/** count, sum, min, max: enough to merge buckets exactly and to give a mean (sum / count). */
export interface Aggregate {
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** Start of the bucket holding `time` (floor, so times before 1970 land right too). */
export function bucketStart(time: number, bucketMs: number): number {
  return Math.floor(time / bucketMs) * bucketMs;
}

export function merge(into: Aggregate, a: Aggregate): void {
  into.count += a.count;
  into.sum += a.sum;
  if (a.min < into.min) into.min = a.min;
  if (a.max > into.max) into.max = a.max;
}

export interface BucketRow extends Aggregate {
  deviceId: string;
  /** Bucket start, ms since epoch. */
  bucket: number;
}

/** Slots per signal in SignalBucket.aggs: count, sum, min, max. */
export const AGG_SLOTS = 4;

/**
 * One bucket of one device for every rolled-up signal: `aggs[k*4 .. k*4+3]` are count, sum, min,
 * max of the k-th signal (booleans as 0/1: sum = count true); min = +Infinity and max = -Infinity
 * while count is 0.
 */
export interface SignalBucket {
  deviceId: string;
  bucket: number;
  aggs: Float64Array;
}

/** A bucket's aggs with no value yet: counts and sums 0, min +Infinity, max -Infinity. */
export function emptyAggs(signals: number): Float64Array {
  const aggs = new Float64Array(signals * AGG_SLOTS);
  for (let k = 0; k < signals; k++) {
    aggs[k * AGG_SLOTS + 2] = Number.POSITIVE_INFINITY;
    aggs[k * AGG_SLOTS + 3] = Number.NEGATIVE_INFINITY;
  }
  return aggs;
}

/**
 * Aggregates readings into buckets of `bucketMs` per device, every signal of `keys` at once: the
 * rows to add to a tier for one batch. Adding (not recomputing) is exact because only readings
 * new to the store get here. On the collector's hot path: one typed array per new bucket, none
 * per reading.
 */
export function aggregateSignals(
  readings: readonly Reading[],
  times: readonly number[],
  keys: readonly string[],
  bucketMs: number,
): SignalBucket[] {
  const rows = new Map<string, Map<number, SignalBucket>>();
  let deviceId = '';
  let byBucket: Map<number, SignalBucket> | undefined;
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i] as Reading;
    if (r.device_id !== deviceId || !byBucket) {
      deviceId = r.device_id;
      byBucket = rows.get(deviceId);
      if (!byBucket) {
        byBucket = new Map();
        rows.set(deviceId, byBucket);
      }
    }
    const bucket = bucketStart(times[i] as number, bucketMs);
    let row = byBucket.get(bucket);
    if (!row) {
      row = { deviceId, bucket, aggs: emptyAggs(keys.length) };
      byBucket.set(bucket, row);
    }
    const aggs = row.aggs;
    const values = r.values;
    for (let k = 0; k < keys.length; k++) {
      const raw = values[keys[k] as string];
      if (raw === undefined) continue;
      const v = raw === true ? 1 : raw === false ? 0 : raw;
      const o = k * AGG_SLOTS;
      aggs[o] = (aggs[o] as number) + 1;
      aggs[o + 1] = (aggs[o + 1] as number) + v;
      if (v < (aggs[o + 2] as number)) aggs[o + 2] = v;
      if (v > (aggs[o + 3] as number)) aggs[o + 3] = v;
    }
  }
  const out: SignalBucket[] = [];
  for (const b of rows.values()) for (const row of b.values()) out.push(row);
  return out;
}

/** The k-th signal's aggregate of a bucket (undefined when the bucket has none of it). */
export function signalAggregate(row: SignalBucket, k: number): Aggregate | undefined {
  const o = k * AGG_SLOTS;
  const count = row.aggs[o] as number;
  if (count === 0) return undefined;
  return {
    count,
    sum: row.aggs[o + 1] as number,
    min: row.aggs[o + 2] as number,
    max: row.aggs[o + 3] as number,
  };
}
