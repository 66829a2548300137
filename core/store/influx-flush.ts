// One rollup flush on InfluxDB: pending aggregates added to the stored 1-minute and 1-hour buckets, tier by tier.
import type { InfluxHttp } from './influx-http.js';
import type { InfluxLayout } from './influx-layout.js';
import type { RollupBook, RollupTier } from './influx-rollups.js';
import type { InfluxSignals } from './influx-signals.js';
import { storedBucketsQuery } from './influx-tier-ql.js';
import type { SeriesSource } from './influxql.js';
import { emptyAggs, type SignalBucket } from './rollup.js';

const READS_PER_REQUEST = 100;

export interface FlushDeps {
  http: InfluxHttp;
  layout: InfluxLayout;
  signals: InfluxSignals;
  writeLines: (lines: string[], retentionPolicy: string | undefined) => Promise<void>;
  /** Several collectors: rows of a device this process may no longer write are discarded. */
  keep?: (deviceId: string) => boolean;
}

/** Reads the stored value of every bucket the book does not hold (one statement per device). */
async function readMissing(
  book: RollupBook,
  tier: RollupTier,
  missing: readonly SignalBucket[],
  src: SeriesSource,
  http: InfluxHttp,
  signals: InfluxSignals,
): Promise<void> {
  const byDevice = new Map<string, Set<number>>();
  for (const r of missing) {
    const set = byDevice.get(r.deviceId) ?? new Set<number>();
    set.add(r.bucket);
    byDevice.set(r.deviceId, set);
  }
  const devices = [...byDevice];
  for (let i = 0; i < devices.length; i += READS_PER_REQUEST) {
    const group = devices.slice(i, i + READS_PER_REQUEST);
    const statements = group.map(([id, buckets]) =>
      storedBucketsQuery(id, Math.min(...buckets), Math.max(...buckets), src),
    );
    const answers = await http.queryEach(statements, src.database);
    group.forEach(([id, buckets], k) => {
      for (const s of answers[k] ?? []) {
        const t = s.columns.indexOf('time');
        for (const row of s.values) {
          const bucket = row[t];
          if (typeof bucket !== 'number' || !buckets.has(bucket)) continue;
          book.learn(tier, id, bucket, signals.decode(s.columns, row));
          buckets.delete(bucket);
        }
      }
      for (const bucket of buckets) book.learn(tier, id, bucket, emptyAggs(signals.keys.length));
    });
  }
}

/** Buckets per step: well under the book's cache, so what a step read back is still there. */
const STEP_ROWS = 5000;

/**
 * Writes every tier's pending aggregates (every signal) added to what the buckets hold. What a failed step did
 * not write goes back to the book (with the later tiers'), so the next flush writes it; a
 * rewritten bucket overwrites its point, so a retry never counts twice.
 */
export async function flushRollups(book: RollupBook, deps: FlushDeps): Promise<number> {
  const tiers: Array<[RollupTier, SeriesSource]> = [
    ['1m', deps.layout.oneMinute],
    ['1h', deps.layout.oneHour],
  ];
  const taken = book.take();
  let written = 0;
  for (let t = 0; t < tiers.length; t++) {
    const [tier, src] = tiers[t] as [RollupTier, SeriesSource];
    const all = taken.get(tier) ?? [];
    const keep = deps.keep;
    const pending = keep ? all.filter((r) => keep(r.deviceId)) : all;
    for (let i = 0; i < pending.length; i += STEP_ROWS) {
      const step = pending.slice(i, i + STEP_ROWS);
      try {
        const missing = book.uncached(tier, step);
        if (missing.length > 0) {
          await readMissing(book, tier, missing, src, deps.http, deps.signals);
        }
        // The lease is asked again right before the write: reading back may have outlasted it, and
        // a bucket written after the next owner recomputed it would lose that owner's readings.
        const merged = book.merged(tier, step);
        const values = keep ? merged.filter((v) => keep(v.deviceId)) : merged;
        await deps.writeLines(
          values.map((v) => deps.signals.bucketLine(src.measurement, v.deviceId, v.bucket, v.aggs)),
          src.retentionPolicy,
        );
        book.written(tier, values);
        written += values.length;
      } catch (err) {
        book.restore(tier, pending.slice(i));
        for (const [later] of tiers.slice(t + 1)) book.restore(later, taken.get(later) ?? []);
        throw err;
      }
    }
  }
  return written;
}
