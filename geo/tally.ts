// The step (one sample judged in context) and the tally of a trip or stop per UTC day: time, distance, idle, ignition, overspeed, speed, harsh, fuel.
import type { HarshHit } from './behaviour.js';

/** One sample as the trip logic uses it, with the interval [from, t) that ends at it. */
export interface Step {
  t: number;
  seq: number;
  /** Start of the interval ending here; equals t for the first sample and after a gap. */
  from: number;
  /** More than TRIP_MAX_GAP_S since the previous sample. */
  gap: boolean;
  /** Distance of the interval, m: 0 unless both ends are fixes and not both standing still. */
  distM: number;
  /** The previous sample's state, which holds over the interval. */
  idle: boolean;
  ign: boolean;
  over: boolean;
  /** Fuel level held at `from` and at t, %. */
  fuelFrom?: number;
  fuel?: number;
  /** Speed at t, km/h: reported, else implied by the last two fixes. */
  v?: number;
  /** Standing still: ignition off, or speed below the idle speed. */
  still: boolean;
  /** Ignition reported off (held from the last sample that reported it). */
  ignOff: boolean;
  /** This sample has a usable position of its own. */
  fix: boolean;
  /** The position held at t (the latest usable fix), [lon, lat]. */
  pos: [number, number] | null;
  harsh: HarshHit[];
}

export interface DayPart {
  /** UTC day, YYYY-MM-DD. */
  day: string;
  time_ms: number;
  distance_m: number;
  idle_ms: number;
  ign_ms: number;
  over_ms: number;
  max_speed: number;
  harsh_accel: number;
  harsh_brake: number;
  harsh_corner: number;
  fuel_first?: number;
  fuel_last?: number;
}

export interface PendingHit {
  t: number;
  seq: number;
  pos: [number, number] | null;
  hit: HarshHit;
}

/** Serializable accumulator of a trip or stop from `start` on. */
export interface Tally {
  start: number;
  pos: [number, number] | null;
  parts: DayPart[];
  /** Harsh events counted here, not yet emitted (a provisional trip's). */
  hits: PendingHit[];
}

const DAY_MS = 86_400_000;

let memoDay = Number.NaN;
let memoText = '';

/** The UTC day of a time, YYYY-MM-DD (the last one remembered: steps come day after day). */
export function dayOf(ms: number): string {
  const d = Math.floor(ms / DAY_MS);
  if (d !== memoDay) {
    memoDay = d;
    memoText = new Date(d * DAY_MS).toISOString().slice(0, 10);
  }
  return memoText;
}

export function newTally(start: number, pos: [number, number] | null): Tally {
  return { start, pos, parts: [], hits: [] };
}

function partFor(t: Tally, day: string): DayPart {
  const last = t.parts[t.parts.length - 1];
  if (last?.day === day) return last;
  const found = t.parts.find((p) => p.day === day);
  if (found) return found;
  const p: DayPart = {
    day,
    time_ms: 0,
    distance_m: 0,
    idle_ms: 0,
    ign_ms: 0,
    over_ms: 0,
    max_speed: 0,
    harsh_accel: 0,
    harsh_brake: 0,
    harsh_corner: 0,
  };
  t.parts.push(p);
  t.parts.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  return p;
}

/** Adds a step: its interval split at UTC midnights in proportion, its point data on its day. */
export function addStep(t: Tally, s: Step): void {
  const span = s.t - s.from;
  let a = s.from;
  while (a < s.t) {
    const b = Math.min(s.t, (Math.floor(a / DAY_MS) + 1) * DAY_MS);
    const p = partFor(t, dayOf(a));
    const ms = b - a;
    p.time_ms += ms;
    p.distance_m += (s.distM * ms) / span;
    if (s.idle) p.idle_ms += ms;
    if (s.ign) p.ign_ms += ms;
    if (s.over) p.over_ms += ms;
    if (s.fuelFrom !== undefined) {
      p.fuel_first ??= s.fuelFrom;
      if (b < s.t) p.fuel_last = s.fuelFrom;
    }
    a = b;
  }
  const p = partFor(t, dayOf(s.t));
  if (s.v !== undefined && s.v > p.max_speed) p.max_speed = s.v;
  if (s.fuel !== undefined) {
    p.fuel_first ??= s.fuelFrom ?? s.fuel;
    p.fuel_last = s.fuel;
  }
  for (const hit of s.harsh) {
    p[hit.type]++;
    t.hits.push({ t: s.t, seq: s.seq, pos: s.pos, hit });
  }
}

/** Adds `later`'s counts into `into` (its hits are dropped: they belong to no trip). */
export function mergeTally(into: Tally, later: Tally): void {
  for (const q of later.parts) {
    const p = partFor(into, q.day);
    p.time_ms += q.time_ms;
    p.distance_m += q.distance_m;
    p.idle_ms += q.idle_ms;
    p.ign_ms += q.ign_ms;
    p.over_ms += q.over_ms;
    p.max_speed = Math.max(p.max_speed, q.max_speed);
    p.harsh_accel += q.harsh_accel;
    p.harsh_brake += q.harsh_brake;
    p.harsh_corner += q.harsh_corner;
    if (q.fuel_first !== undefined) p.fuel_first ??= q.fuel_first;
    if (q.fuel_last !== undefined) p.fuel_last = q.fuel_last;
  }
}

/** Sums of a tally over its days. */
export function totals(t: Tally): Omit<DayPart, 'day' | 'fuel_first' | 'fuel_last'> {
  const out = {
    time_ms: 0,
    distance_m: 0,
    idle_ms: 0,
    ign_ms: 0,
    over_ms: 0,
    max_speed: 0,
    harsh_accel: 0,
    harsh_brake: 0,
    harsh_corner: 0,
  };
  for (const p of t.parts) {
    out.time_ms += p.time_ms;
    out.distance_m += p.distance_m;
    out.idle_ms += p.idle_ms;
    out.ign_ms += p.ign_ms;
    out.over_ms += p.over_ms;
    out.max_speed = Math.max(out.max_speed, p.max_speed);
    out.harsh_accel += p.harsh_accel;
    out.harsh_brake += p.harsh_brake;
    out.harsh_corner += p.harsh_corner;
  }
  return out;
}
