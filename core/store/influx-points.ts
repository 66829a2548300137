// Readings as InfluxDB points: one point per (device_id, time), so a redelivered reading overwrites itself.
import type { SpeedReading } from '../contract.js';

export interface InfluxPoint {
  deviceId: string;
  seq: number;
  speed: number;
  /** Device timestamp, ms since epoch (the point's time, ms precision). */
  time: number;
}

export interface PointBatch {
  points: InfluxPoint[];
  /** Readings that named a point already in this batch (the later one is kept, as InfluxDB would). */
  duplicates: number;
}

/**
 * InfluxDB identifies a point by measurement + tags + time and overwrites on a repeat: that is what
 * makes QoS 1 redelivery harmless. It cannot tell us whether a point already existed without a
 * query per batch, so only repeats inside one batch are counted as duplicates here.
 */
export function toPoints(readings: readonly SpeedReading[]): PointBatch {
  const byKey = new Map<string, InfluxPoint>();
  for (const r of readings) {
    const time = Date.parse(r.timestamp);
    if (!Number.isFinite(time)) throw new RangeError(`invalid timestamp ${r.timestamp}`);
    byKey.set(`${r.device_id}\n${time}`, {
      deviceId: r.device_id,
      seq: r.seq,
      speed: r.speed,
      time,
    });
  }
  return { points: [...byKey.values()], duplicates: readings.length - byKey.size };
}
