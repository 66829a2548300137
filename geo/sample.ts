// What the geo logic reads from a reading: time, usable position, speed, heading, ignition and fuel, ordered by (time, seq).

import type { Reading } from '../core/contract.js';
import { timestampMs } from '../core/iso-time.js';

/**
 * One reading as the trip, geofence and behaviour logic see it. `lat`/`lon` only for a usable fix
 * (never a flagged one); a reading without a position still counts for ignition, idle and speed.
 */
export interface GeoSample {
  /** Fix time, ms since the epoch (the reading's timestamp). */
  time: number;
  /** Tie-break among readings with the same time (the reading's seq); 0 when absent. */
  seq?: number;
  lat?: number;
  lon?: number;
  /** km/h */
  speed?: number;
  /** Degrees clockwise from north. */
  heading?: number;
  ignition?: boolean;
  /** % */
  fuel?: number;
}

/** Where a sample sits in a vehicle's sequence: the order every result is a function of. */
export interface SampleKey {
  time: number;
  seq: number;
}

export function keyOf(s: GeoSample): SampleKey {
  return { time: s.time, seq: s.seq ?? 0 };
}

/** Negative, zero or positive as `a` sorts before, with or after `b`. */
export function compareKeys(a: SampleKey, b: SampleKey): number {
  return a.time - b.time || a.seq - b.seq;
}

export function compareSamples(a: GeoSample, b: GeoSample): number {
  return a.time - b.time || (a.seq ?? 0) - (b.seq ?? 0);
}

/** Has the sample a usable position? */
export function hasFix(s: GeoSample): s is GeoSample & { lat: number; lon: number } {
  return Number.isFinite(s.lat) && Number.isFinite(s.lon);
}

/**
 * The sample of a validated reading, or null when it carries nothing the geo logic uses. A
 * flagged position (zero_fix, jump) is left out: it is never used for tracks, distance or trips.
 */
export function sampleOfReading(r: Reading, time = timestampMs(r.timestamp)): GeoSample | null {
  if (!Number.isFinite(time)) return null;
  const v = r.values;
  const s: GeoSample = { time, seq: r.seq };
  if (r.position_flag === undefined && typeof v.lat === 'number' && typeof v.lon === 'number') {
    s.lat = v.lat;
    s.lon = v.lon;
    if (typeof v.heading === 'number') s.heading = v.heading;
  }
  if (typeof v.speed === 'number') s.speed = v.speed;
  if (typeof v.ignition === 'boolean') s.ignition = v.ignition;
  if (typeof v.fuel_pct === 'number') s.fuel = v.fuel_pct;
  const useful =
    s.lat !== undefined ||
    s.speed !== undefined ||
    s.ignition !== undefined ||
    s.fuel !== undefined;
  return useful ? s : null;
}
