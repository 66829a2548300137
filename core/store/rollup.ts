// Rollup tiers (1 minute, 1 hour): bucket arithmetic and per-batch aggregation shared by every store.

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

/**
 * Aggregates readings into buckets of `bucketMs` per device: the rows to add to a tier for one
 * batch. Adding (not recomputing) is exact because only readings new to the store get here.
 */
export function aggregateBatch(
  deviceIds: readonly string[],
  times: readonly number[],
  speeds: readonly number[],
  bucketMs: number,
): BucketRow[] {
  const rows = new Map<string, Map<number, BucketRow>>();
  for (let i = 0; i < times.length; i++) {
    const deviceId = deviceIds[i] as string;
    const speed = speeds[i] as number;
    const bucket = bucketStart(times[i] as number, bucketMs);
    let byBucket = rows.get(deviceId);
    if (!byBucket) {
      byBucket = new Map();
      rows.set(deviceId, byBucket);
    }
    const row = byBucket.get(bucket);
    if (row) merge(row, { count: 1, sum: speed, min: speed, max: speed });
    else byBucket.set(bucket, { deviceId, bucket, count: 1, sum: speed, min: speed, max: speed });
  }
  const out: BucketRow[] = [];
  for (const byBucket of rows.values()) for (const row of byBucket.values()) out.push(row);
  return out;
}
