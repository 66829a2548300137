// InfluxQL for the store's reads: every value is validated, then quoted or rendered as an integer.
import { DEVICE_ID_PATTERN } from '../contract.js';

/** The schema: one measurement, one tag, a field per signal plus seq and pos_flag (see docs/influxdb.md). */
export const MEASUREMENT = 'vehicle_speed';
export const DEVICE_TAG = 'device_id';

/** A value that must not reach a query (the caller's bug or a hostile input). */
export class InfluxQLValueError extends Error {
  readonly code = 'INFLUXQL_INVALID_VALUE';
  constructor(message: string) {
    super(message);
    this.name = 'InfluxQLValueError';
  }
}

/** "name": backslashes and double quotes escaped (InfluxQL identifier syntax). */
export function quoteIdent(name: string): string {
  if (name === '' || /[\n\r\0]/.test(name)) throw new InfluxQLValueError('invalid identifier');
  return `"${name.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** 'text': backslashes and single quotes escaped (InfluxQL string literal syntax). */
export function quoteString(text: string): string {
  if (/[\n\r\0]/.test(text)) throw new InfluxQLValueError('invalid string literal');
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Ids that cannot be stored (the collector rejects them) are never sent: callers answer "none". */
export function isQueryableDeviceId(deviceId: string): boolean {
  return DEVICE_ID_PATTERN.test(deviceId);
}

/** A whole number of epoch milliseconds as an InfluxQL time literal (`<n>ms`). */
export function epochMs(ms: number): string {
  if (!Number.isSafeInteger(ms)) throw new InfluxQLValueError(`time out of range: ${ms}`);
  return `${ms}ms`;
}

/**
 * `time` within [from, to] ms, both inclusive, as SQLite compares device milliseconds. A point's
 * time carries sub-millisecond nanoseconds (see influx-points.ts), so the upper bound is
 * `time < (floor(to) + 1) ms`.
 */
export function timeRange(from: number, to: number): string {
  if (!Number.isFinite(from) || !Number.isFinite(to)) {
    throw new InfluxQLValueError(`time range must be finite, got ${from}..${to}`);
  }
  return `time >= ${epochMs(Math.ceil(from))} AND time < ${epochMs(Math.floor(to) + 1)}`;
}

/** A positive whole number of milliseconds as an InfluxQL duration literal. */
export function durationMs(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 1) {
    throw new InfluxQLValueError(`duration must be a positive integer of ms, got ${ms}`);
  }
  return `${ms}ms`;
}

export function deviceFilter(deviceId: string): string {
  if (!isQueryableDeviceId(deviceId)) throw new InfluxQLValueError('invalid device_id');
  return `${quoteIdent(DEVICE_TAG)} = ${quoteString(deviceId)}`;
}

/** Where a measurement lives: `"db"."rp"."m"` when the policy is known, else `"m"` (the default). */
export interface SeriesSource {
  database: string;
  retentionPolicy: string | undefined;
  measurement: string;
}

export function sourceRef(src: SeriesSource): string {
  const m = quoteIdent(src.measurement);
  return src.retentionPolicy === undefined
    ? m
    : `${quoteIdent(src.database)}.${quoteIdent(src.retentionPolicy)}.${m}`;
}

/** Devices that have raw points (from the index: no point is read). */
export function deviceTagValuesQuery(raw: SeriesSource): string {
  return `SHOW TAG VALUES FROM ${sourceRef(raw)} WITH KEY = ${quoteIdent(DEVICE_TAG)}`;
}

/** `time >= <ns>`: a bound inside a millisecond (the seq's nanoseconds, see influx-points.ts). */
export function sinceNs(ms: number, sub: number): string {
  if (!Number.isSafeInteger(ms) || !Number.isSafeInteger(sub) || sub < 0 || sub > 999_999) {
    throw new InfluxQLValueError(`time out of range: ${ms} ms + ${sub} ns`);
  }
  // Bare integers are nanoseconds in InfluxQL; ms * 10^6 would not fit a double exactly.
  const ns = (BigInt(ms) * 1_000_000n + BigInt(sub)).toString();
  return `time >= ${ns}`;
}

/** Per device at or after a bound: the newest point's time (and seq), and the highest seq. */
export function newestSinceQueries(deviceId: string, since: string, raw: SeriesSource): string[] {
  const where = `WHERE ${deviceFilter(deviceId)} AND ${since}`;
  return [
    `SELECT last("seq") FROM ${sourceRef(raw)} ${where}`,
    `SELECT max("seq") FROM ${sourceRef(raw)} ${where}`,
  ];
}

/** A legacy device's newest point and highest seq over everything (one scan; see docs). */
export function newestEverQueries(deviceId: string, raw: SeriesSource): string[] {
  const where = `WHERE ${deviceFilter(deviceId)}`;
  return [
    `SELECT last("seq") FROM ${sourceRef(raw)} ${where}`,
    `SELECT max("seq") FROM ${sourceRef(raw)} ${where}`,
  ];
}

/** Columns: time, seq. `since` (sinceNs) reads only the points at or after a bound. */
export function seqsQuery(deviceId: string, raw: SeriesSource, since?: string): string {
  const bound = since === undefined ? '' : ` AND ${since}`;
  return `SELECT "seq" FROM ${sourceRef(raw)} WHERE ${deviceFilter(deviceId)}${bound}`;
}

export function showDatabasesQuery(): string {
  return 'SHOW DATABASES';
}

export function createDatabaseQuery(database: string): string {
  return `CREATE DATABASE ${quoteIdent(database)}`;
}
