// InfluxQL for the rollup tiers, coverage checkpoints and retention policies (values validated, then quoted).
import type { HistoryPiece } from './history-plan.js';
import {
  DEVICE_TAG,
  deviceFilter,
  durationMs,
  epochMs,
  quoteIdent,
  type SeriesSource,
  sourceRef,
  timeRange,
} from './influxql.js';

/** Retention policies the store creates next to the raw one (see docs/influxdb.md). */
export const RP_1M = 'rollup_1m';
export const RP_1H = 'rollup_1h';
export const RP_COVERAGE = 'coverage';
export const MEASUREMENT_1M = 'vehicle_speed_1m';
export const MEASUREMENT_1H = 'vehicle_speed_1h';
export const MEASUREMENT_COVERAGE = 'vehicle_coverage';

const AGGREGATE_RAW =
  'count("speed") AS "count", sum("speed") AS "sum", min("speed") AS "min", max("speed") AS "max"';
const AGGREGATE_ROLLUP =
  'sum("count") AS "count", sum("sum") AS "sum", min("min") AS "min", max("max") AS "max"';
const BY_DEVICE = quoteIdent(DEVICE_TAG);

/**
 * One history piece as windows of `windowMs` (epoch-aligned, as GROUP BY time() is): columns time,
 * count, sum, min, max. A raw piece holds readings with from <= time <= to; a rollup piece holds
 * buckets whose start lies in from..to (a bucket's time is its start, a whole millisecond).
 */
export function windowStatement(
  piece: HistoryPiece,
  deviceId: string,
  windowMs: number,
  src: SeriesSource,
): string {
  const fields = piece.tier === 'raw' ? AGGREGATE_RAW : AGGREGATE_ROLLUP;
  return (
    `SELECT ${fields} FROM ${sourceRef(src)} WHERE ${deviceFilter(deviceId)} AND ` +
    `${timeRange(piece.from, piece.to)} GROUP BY time(${durationMs(windowMs)}) fill(none)`
  );
}

/** The newest checkpoint of every device (one point each: the query reads one per series). */
export function checkpointsQuery(src: SeriesSource): string {
  return `SELECT * FROM ${sourceRef(src)} GROUP BY ${BY_DEVICE} ORDER BY time DESC LIMIT 1`;
}

/** The newest checkpoint of one device. */
export function checkpointQuery(deviceId: string, src: SeriesSource): string {
  return `SELECT * FROM ${sourceRef(src)} WHERE ${deviceFilter(deviceId)} ORDER BY time DESC LIMIT 1`;
}

/** Stored rollup rows of one device with bucket starts in from..to: time, count, sum, min, max. */
export function storedBucketsQuery(
  deviceId: string,
  from: number,
  to: number,
  src: SeriesSource,
): string {
  return (
    `SELECT "count", "sum", "min", "max" FROM ${sourceRef(src)} ` +
    `WHERE ${deviceFilter(deviceId)} AND ${timeRange(from, to)}`
  );
}

/**
 * Recomputes one device's buckets with starts in from..to (bucket-aligned) from the finer level,
 * server-side (SELECT INTO: nothing travels to us). Exact and idempotent: a rewritten bucket
 * overwrites its point, and an empty one (fill(none)) writes nothing.
 */
export function recomputeStatement(
  deviceId: string,
  from: number,
  to: number,
  bucketMs: number,
  finer: SeriesSource,
  target: SeriesSource,
  finerIsRaw: boolean,
): string {
  const fields = finerIsRaw ? AGGREGATE_RAW : AGGREGATE_ROLLUP;
  return (
    `SELECT ${fields} INTO ${sourceRef(target)} FROM ${sourceRef(finer)} ` +
    `WHERE ${deviceFilter(deviceId)} AND time >= ${epochMs(from)} AND time < ${epochMs(to + bucketMs)} ` +
    `GROUP BY time(${durationMs(bucketMs)}), ${BY_DEVICE} fill(none)`
  );
}

export function showRetentionPoliciesQuery(database: string): string {
  return `SHOW RETENTION POLICIES ON ${quoteIdent(database)}`;
}

/** An InfluxQL duration: INF for 0 (keep forever), else whole seconds. */
export function rpDuration(ms: number): string {
  if (ms === 0) return 'INF';
  if (!Number.isSafeInteger(ms) || ms < 1000) throw new RangeError(`bad duration ${ms} ms`);
  return ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : `${Math.ceil(ms / 1000)}s`;
}

export function createRetentionPolicyStatement(
  database: string,
  name: string,
  durationMsValue: number,
): string {
  return (
    `CREATE RETENTION POLICY ${quoteIdent(name)} ON ${quoteIdent(database)} ` +
    `DURATION ${rpDuration(durationMsValue)} REPLICATION 1`
  );
}

/**
 * The shard group length InfluxDB picks for a new policy of this duration. An ALTER names it,
 * because a policy cannot be shorter than its shard groups (autogen's are 7 days).
 */
export function shardDurationFor(ms: number): string {
  if (ms === 0 || ms > 180 * 86_400_000) return '7d';
  return ms < 2 * 86_400_000 ? '1h' : '1d';
}

export function alterRetentionPolicyStatement(
  database: string,
  name: string,
  durationMsValue: number,
): string {
  return (
    `ALTER RETENTION POLICY ${quoteIdent(name)} ON ${quoteIdent(database)} ` +
    `DURATION ${rpDuration(durationMsValue)} SHARD DURATION ${shardDurationFor(durationMsValue)}`
  );
}

/** Go durations as SHOW RETENTION POLICIES prints them (`720h0m0s`, `0s` = forever) in ms. */
export function parseGoDuration(text: string): number | undefined {
  if (!/^(\d+h)?(\d+m)?(\d+(\.\d+)?s)?$/.test(text) || text === '') return undefined;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)([hms])/g)) {
    ms += Number(n) * (unit === 'h' ? 3_600_000 : unit === 'm' ? 60_000 : 1000);
  }
  return Math.round(ms);
}
