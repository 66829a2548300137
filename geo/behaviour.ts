// Harsh acceleration, braking and cornering from reported speed and heading: one event per episode, none across a gap or from an implausible jump.
import type { HarshConfig } from './config.js';

export type HarshType = 'harsh_accel' | 'harsh_brake' | 'harsh_corner';

export interface HarshHit {
  type: HarshType;
  /** The acceleration that set it off, m/s² (braking and cornering as positive numbers). */
  value_mps2: number;
  speed_kmh: number;
}

/** Serializable: the last few seconds of speed (and heading) and which episodes are running. */
export interface BehaviourState {
  recent: { t: number; v: number; h?: number }[];
  accel: boolean;
  brake: boolean;
  corner: boolean;
}

export function initialBehaviourState(): BehaviourState {
  return { recent: [], accel: false, brake: false, corner: false };
}

/** Signed smallest turn from heading a to heading b, degrees in (−180, 180]. */
export function headingChange(a: number, b: number): number {
  const d = ((((b - a) % 360) + 540) % 360) - 180;
  return d === -180 ? 180 : d;
}

/**
 * What detectHarsh returns without a hit (nearly always): one shared, frozen empty list instead of
 * a new array per sample (the geo path's allocations are most of the collector's GC work).
 */
const NO_HITS: HarshHit[] = Object.freeze([]) as unknown as HarshHit[];

function reset(s: BehaviourState): void {
  s.accel = false;
  s.brake = false;
  s.corner = false;
}

/**
 * Feeds one sample (time in ms, reported speed in km/h, reported heading) and returns the harsh
 * events that start at it. The change is measured against the latest earlier sample at least
 * `minWindowS` before; if that one is more than `maxWindowS` before (a gap), nothing is measured
 * and running episodes end. Consecutive measurements above a threshold are one episode, one event,
 * at its first sample. A change above `maxPlausibleMps2` is a bad reading and ends episodes.
 */
export function detectHarsh(
  s: BehaviourState,
  cfg: HarshConfig,
  time: number,
  speed: number | undefined,
  heading: number | undefined,
): HarshHit[] {
  if (speed === undefined) return NO_HITS;
  const minMs = cfg.minWindowS * 1000;
  const maxMs = cfg.maxWindowS * 1000;
  let ref: BehaviourState['recent'][number] | undefined;
  for (let i = s.recent.length - 1; i >= 0; i--) {
    const r = s.recent[i];
    if (r && time - r.t >= minMs) {
      ref = r;
      break;
    }
  }
  // One sample per time: a later reference search takes the last one of a time anyway, and readings
  // sharing a timestamp (a clock that sticks, a burst stamped alike) would otherwise pile up and
  // make each search scan them all (quadratic per vehicle: a third of the collector's CPU seen).
  const entry = heading === undefined ? { t: time, v: speed } : { t: time, v: speed, h: heading };
  if (s.recent.at(-1)?.t === time) s.recent[s.recent.length - 1] = entry;
  else s.recent.push(entry);
  while ((s.recent[0]?.t ?? time) < time - maxMs) s.recent.shift();
  if (!ref || time - ref.t > maxMs) {
    reset(s);
    return NO_HITS;
  }
  const dt = (time - ref.t) / 1000;
  const a = (speed - ref.v) / 3.6 / dt;
  if (Math.abs(a) > cfg.maxPlausibleMps2) {
    reset(s);
    return NO_HITS;
  }
  let hits: HarshHit[] = NO_HITS;
  const accel = a >= cfg.accelMps2;
  if (accel && !s.accel) {
    hits = [{ type: 'harsh_accel', value_mps2: round2(a), speed_kmh: speed }];
  }
  s.accel = accel;
  const brake = -a >= cfg.brakeMps2;
  if (brake && !s.brake) {
    hits = withHit(hits, { type: 'harsh_brake', value_mps2: round2(-a), speed_kmh: speed });
  }
  s.brake = brake;
  let corner = false;
  const meanKmh = (speed + ref.v) / 2;
  if (heading !== undefined && ref.h !== undefined && meanKmh >= cfg.cornerMinSpeedKmh) {
    const omega = (Math.abs(headingChange(ref.h, heading)) * Math.PI) / 180 / dt;
    const lateral = (meanKmh / 3.6) * omega;
    if (lateral <= cfg.maxPlausibleMps2) {
      corner = lateral >= cfg.cornerMps2;
      if (corner && !s.corner) {
        hits = withHit(hits, {
          type: 'harsh_corner',
          value_mps2: round2(lateral),
          speed_kmh: speed,
        });
      }
    }
  }
  s.corner = corner;
  return hits;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

const withHit = (hits: HarshHit[], hit: HarshHit): HarshHit[] =>
  hits === NO_HITS ? [hit] : [...hits, hit];
