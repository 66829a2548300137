// Readings for tests: speed-only ones as the speed topic gives them, and their speed back.
import type { Reading } from '../../core/contract.js';
import type { LatestReading, RawReading } from '../../core/store/types.js';

/** A reading with speed only (what `vehicles/{id}/speed` gives the collector). */
export function speedReading(
  device_id: string,
  seq: number,
  timestamp: string,
  speed: number,
): Reading {
  return { device_id, seq, timestamp, values: { speed } };
}

/** The speed of a reading or stored row (tests of speed-only data). */
export function speedOf(r: Reading | RawReading): number {
  return r.values.speed as number;
}

/** `latest()` as the speed-only tests knew it: seq, timestamp and speed. */
export function latestSpeed(
  l: LatestReading | undefined,
): { deviceId: string; seq: number; timestamp: number; speed: number | undefined } | undefined {
  return (
    l && {
      deviceId: l.deviceId,
      seq: l.seq,
      timestamp: l.timestamp,
      speed: l.signals.speed?.value as number | undefined,
    }
  );
}
