// Readings as InfluxDB points: one point per reading, and a redelivered reading overwrites itself.
import { hasPosition, type Reading } from '../contract.js';
import { timestampMs } from '../iso-time.js';
import type { PositionFlag, SignalValue } from '../signals/catalog.js';
import { FLAG_CODES, FLAG_VALID } from './types.js';

/** seq mod this is the point's sub-millisecond part (ns). */
export const SEQ_NS_SLOTS = 1_000_000;

/** The integer field holding a reading's position flag code (absent: no position). */
export const FLAG_FIELD = 'pos_flag';

/** A stored `pos_flag` back as a flag (undefined: valid, or no position). */
export function flagOfCode(code: unknown): PositionFlag | undefined {
  if (code === FLAG_CODES.zero_fix) return 'zero_fix';
  if (code === FLAG_CODES.jump) return 'jump';
  return undefined;
}

/** A flag as its `pos_flag` code (0: valid). */
export function codeOfFlag(flag: PositionFlag | undefined): number {
  return flag === undefined ? FLAG_VALID : FLAG_CODES[flag];
}

export interface InfluxPoint {
  deviceId: string;
  seq: number;
  /** The reading's signals by catalog key (each an InfluxDB field of that name). */
  values: Record<string, SignalValue>;
  /** Position flag code (field `pos_flag`): 0 valid, 1 zero_fix, 2 jump; null: no position. */
  flag: number | null;
  /** Device timestamp, ms since epoch. */
  time: number;
  /** The point's time in ns: `time` ms plus `seq mod 10^6` ns (see pointTimeNs). */
  timeNs: string;
}

export interface PointBatch {
  points: InfluxPoint[];
  /** Readings that named a point already in this batch (the later one is kept, as InfluxDB would). */
  duplicates: number;
}

/**
 * InfluxDB identifies a point by measurement + tags + time. With time = the device's millisecond
 * alone, two readings of one device in the same millisecond (a device catching up after a stall
 * does that) would overwrite each other: a measured run of 240,000 readings lost 6 that way. So
 * the nanoseconds below the millisecond carry seq mod 10^6: read at ms precision the time is
 * still the device timestamp, a redelivered reading still lands on its own point, and two
 * readings collide only if their seqs differ by a multiple of 10^6 within one millisecond.
 * Ties inside a millisecond order by seq, as SQLite's `ORDER BY ts DESC, seq DESC` does.
 */
export function pointTimeNs(timeMs: number, seq: number): string {
  const sub = seq % SEQ_NS_SLOTS;
  // Digits side by side for times after 1970 (the collector's hot path: no BigInt per reading).
  if (timeMs > 0 && Number.isSafeInteger(timeMs)) {
    const digits = String(sub);
    return `${timeMs}${'000000'.slice(digits.length)}${digits}`;
  }
  return (BigInt(timeMs) * 1_000_000n + BigInt(sub)).toString();
}

/**
 * InfluxDB overwrites a repeated point and cannot tell us whether a point already existed without
 * a query per batch, so only repeats inside one batch are counted as duplicates here.
 */
export function toPoints(readings: readonly Reading[]): PointBatch {
  const byKey = new Map<string, InfluxPoint>();
  for (const r of readings) {
    const time = timestampMs(r.timestamp);
    if (!Number.isSafeInteger(time)) throw new RangeError(`invalid timestamp ${r.timestamp}`);
    if (!Number.isSafeInteger(r.seq) || r.seq < 0) throw new RangeError(`invalid seq ${r.seq}`);
    const timeNs = pointTimeNs(time, r.seq);
    byKey.set(`${r.device_id}\n${timeNs}`, {
      deviceId: r.device_id,
      seq: r.seq,
      values: r.values,
      flag: flagOf(r),
      time,
      timeNs,
    });
  }
  return { points: [...byKey.values()], duplicates: readings.length - byKey.size };
}

/**
 * Points for readings a write plan found new: their times are parsed and no (device_id, seq) is
 * there twice, so neither Date.parse nor toPoints' repeat check is needed again.
 */
export function freshPoints(readings: readonly Reading[], times: readonly number[]): InfluxPoint[] {
  const points: InfluxPoint[] = new Array(readings.length);
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i] as Reading;
    const time = times[i] as number;
    points[i] = {
      deviceId: r.device_id,
      seq: r.seq,
      values: r.values,
      flag: flagOf(r),
      time,
      timeNs: pointTimeNs(time, r.seq),
    };
  }
  return points;
}

function flagOf(r: Reading): number | null {
  return hasPosition(r) ? codeOfFlag(r.position_flag) : null;
}
