// Telemetry readings for tests: every built-in signal with values that vary by seq, and the aggregates a store must give for them.
import type { Reading } from '../../core/contract.js';
import type { SignalCatalog } from '../../core/signals/catalog.js';

/**
 * A full reading (every built-in signal) of a vehicle moving north-east ~10 m per second from
 * (52.52, 13.40): no jump between consecutive seqs at one per second (the track starts over every
 * 100,000 seqs, so positions stay in range for any seq).
 */
export function fullReading(deviceId: string, seq: number, time: number): Reading {
  return {
    device_id: deviceId,
    seq,
    timestamp: new Date(time).toISOString(),
    values: {
      speed: (seq * 7) % 120,
      lat: 52.52 + (seq % 100_000) * 0.00007,
      lon: 13.4 + (seq % 100_000) * 0.00011,
      alt: 30 + (seq % 9),
      acc: 3 + (seq % 5),
      heading: (seq * 13) % 360,
      ignition: seq % 4 !== 0,
      odometer_km: 12_000 + seq * 0.01,
      fuel_pct: 80 - (seq % 50) * 0.5,
      battery_v: 13.8 + (seq % 7) * 0.1,
      battery_pct: seq % 101,
      coolant_c: 60 + (seq % 31),
      rpm: 800 + (seq % 20) * 100,
    },
  };
}

/** count, sum, min, max of one signal over readings in [from, to] (booleans as 0/1). */
export function aggregateOf(readings: readonly Reading[], key: string, from: number, to: number) {
  let count = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const r of readings) {
    const t = Date.parse(r.timestamp);
    const raw = r.values[key];
    if (t < from || t > to || raw === undefined) continue;
    const v = raw === true ? 1 : raw === false ? 0 : raw;
    count += 1;
    sum += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return { count, sum, min, max };
}

/** The keys of every signal of a catalog. */
export const keysOf = (catalog: SignalCatalog): string[] => catalog.keys;
