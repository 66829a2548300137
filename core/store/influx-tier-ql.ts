// InfluxQL for the rollup tiers, coverage checkpoints and retention policies (values validated, then quoted).
import { BUILTIN_CATALOG, type SignalDef } from '../signals/catalog.js';
import type { HistoryPiece } from './history-plan.js';
import { type InfluxSignals, rollupFields } from './influx-signals.js';
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

const SPEED = BUILTIN_CATALOG.find('speed') as SignalDef;

const BY_DEVICE = quoteIdent(DEVICE_TAG);

/**
 * What a history statement computes for one signal, as columns count, sum, min, max (booleans:
 * count and count true as sum; the caller derives min and max, see booleanMinMax). A boolean's raw
 * count true is a second statement (`trueOnly`): InfluxQL has no sum of a boolean field.
 */
function windowFields(def: SignalDef, tier: HistoryPiece['tier'], trueOnly: boolean): string {
  const v = quoteIdent(def.key);
  if (tier === 'raw') {
    if (def.type === 'boolean') return `count(${v}) AS ${trueOnly ? '"sum"' : '"count"'}`;
    return `count(${v}) AS "count", sum(${v}) AS "sum", min(${v}) AS "min", max(${v}) AS "max"`;
  }
  const f = rollupFields(def);
  const merged = `sum(${quoteIdent(f.count)}) AS "count", sum(${quoteIdent(f.sum)}) AS "sum"`;
  if (f.min === undefined || f.max === undefined) return merged;
  return `${merged}, min(${quoteIdent(f.min)}) AS "min", max(${quoteIdent(f.max)}) AS "max"`;
}

/**
 * One history piece of one signal as windows of `windowMs` (epoch-aligned, as GROUP BY time() is):
 * columns time, count, sum, min, max. A raw piece holds readings with from <= time <= to; a rollup
 * piece holds buckets whose start lies in from..to (a bucket's time is its start, a whole
 * millisecond). `trueOnly` (a boolean's raw piece): the count of its true values, as `sum`.
 */
export function windowStatement(
  piece: HistoryPiece,
  deviceId: string,
  windowMs: number,
  src: SeriesSource,
  def: SignalDef = SPEED,
  trueOnly = false,
): string {
  const onlyTrue = trueOnly ? ` AND ${quoteIdent(def.key)} = true` : '';
  return (
    `SELECT ${windowFields(def, piece.tier, trueOnly)} FROM ${sourceRef(src)} ` +
    `WHERE ${deviceFilter(deviceId)}${onlyTrue} AND ` +
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

/** Stored rollup rows of one device with bucket starts in from..to: time and every signal's fields. */
export function storedBucketsQuery(
  deviceId: string,
  from: number,
  to: number,
  src: SeriesSource,
): string {
  return `SELECT * FROM ${sourceRef(src)} WHERE ${deviceFilter(deviceId)} AND ${timeRange(from, to)}`;
}

/**
 * Recomputes one device's buckets with starts in from..to (bucket-aligned) from the finer level,
 * server-side (SELECT INTO: nothing travels to us), every signal at once, plus one statement per
 * boolean signal for its count true (from raw). Exact and idempotent: a rewritten bucket's fields
 * overwrite the point's, and an empty one (fill(none)) writes nothing.
 */
export function recomputeStatements(
  deviceId: string,
  from: number,
  to: number,
  bucketMs: number,
  finer: SeriesSource,
  target: SeriesSource,
  finerIsRaw: boolean,
  signals: InfluxSignals,
): string[] {
  const range = `time >= ${epochMs(from)} AND time < ${epochMs(to + bucketMs)}`;
  const into = `INTO ${sourceRef(target)} FROM ${sourceRef(finer)}`;
  const group = `GROUP BY time(${durationMs(bucketMs)}), ${BY_DEVICE} fill(none)`;
  const where = `WHERE ${deviceFilter(deviceId)} AND ${range}`;
  const out = [
    `SELECT ${finerIsRaw ? signals.fromRaw() : signals.fromFiner()} ${into} ${where} ${group}`,
  ];
  if (!finerIsRaw) return out;
  for (const { key, field } of signals.trueCounts()) {
    const v = quoteIdent(key);
    out.push(
      `SELECT count(${v}) AS ${quoteIdent(field)} ${into} ` +
        `WHERE ${deviceFilter(deviceId)} AND ${v} = true AND ${range} ${group}`,
    );
  }
  return out;
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
