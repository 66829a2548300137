// InfluxQL for the store's reads: every value is validated, then quoted or rendered as an integer.
import { DEVICE_ID_PATTERN } from '../contract.js';

/** The schema, fixed: one measurement, one tag, two fields (see docs/influxdb.md). */
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

function deviceFilter(deviceId: string): string {
  if (!isQueryableDeviceId(deviceId)) throw new InfluxQLValueError('invalid device_id');
  return `${quoteIdent(DEVICE_TAG)} = ${quoteString(deviceId)}`;
}

const FROM = `FROM ${quoteIdent(MEASUREMENT)}`;

/** Columns: time, speed, seq. Within one millisecond the higher seq has the later time. */
export function latestQuery(deviceId: string): string {
  return `SELECT "speed", "seq" ${FROM} WHERE ${deviceFilter(deviceId)} ORDER BY time DESC LIMIT 1`;
}

/** One series per device; its single row's time is the newest device timestamp. */
export function lastSeenQuery(): string {
  return `SELECT last("speed") ${FROM} GROUP BY ${quoteIdent(DEVICE_TAG)}`;
}

/** One series per device with the highest seq. */
export function highestSeqQuery(): string {
  return `SELECT max("seq") ${FROM} GROUP BY ${quoteIdent(DEVICE_TAG)}`;
}

/**
 * Columns: time (window start), mean, min, max, count. GROUP BY time() windows are aligned to the
 * epoch, as historyWindow() assumes; fill(none) omits empty windows, as SQLite's GROUP BY does.
 */
export function historyQuery(deviceId: string, from: number, to: number, windowMs: number): string {
  return (
    `SELECT mean("speed"), min("speed"), max("speed"), count("speed") ${FROM} ` +
    `WHERE ${deviceFilter(deviceId)} AND ${timeRange(from, to)} ` +
    `GROUP BY time(${durationMs(windowMs)}) fill(none)`
  );
}

/** Columns: time, seq. */
export function seqsQuery(deviceId: string): string {
  return `SELECT "seq" ${FROM} WHERE ${deviceFilter(deviceId)}`;
}

export function showDatabasesQuery(): string {
  return 'SHOW DATABASES';
}

export function createDatabaseQuery(database: string): string {
  return `CREATE DATABASE ${quoteIdent(database)}`;
}
