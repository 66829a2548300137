// What the geo logic produces: trips, stops and events (the API's shapes, plus per-day parts for reports), built from tallies.
import type { GeoConfig } from './config.js';
import type { GeofenceId } from './geofence-index.js';
import { drivingScore } from './score.js';
import { type DayPart, type Tally, totals } from './tally.js';

/** A trip's share of one UTC day (a trip across midnight has two). */
export interface TripDay {
  day: string;
  distance_km: number;
  driving_s: number;
  idle_s: number;
  overspeed_s: number;
  max_speed_kmh: number;
  harsh_accel: number;
  harsh_brake: number;
  harsh_corner: number;
  fuel_used_pct: number;
}

/** `GET /api/devices/:id/trips` row, plus overspeed, fuel and the per-day parts. */
export interface Trip {
  start: string;
  end: string;
  start_position: [number, number];
  end_position: [number, number];
  distance_km: number;
  duration_s: number;
  max_speed_kmh: number;
  avg_speed_kmh: number;
  idle_s: number;
  harsh_accel: number;
  harsh_brake: number;
  harsh_corner: number;
  score: number;
  overspeed_s: number;
  fuel_used_pct: number;
  days: TripDay[];
}

export interface StopDay {
  day: string;
  stopped_s: number;
  ignition_on_s: number;
}

/** `GET /api/devices/:id/stops` row, plus the per-day parts. */
export interface Stop {
  start: string;
  end: string;
  position: [number, number];
  duration_s: number;
  ignition_on_s: number;
  days: StopDay[];
}

export type GeoEventType =
  | 'trip_start'
  | 'trip_end'
  | 'harsh_accel'
  | 'harsh_brake'
  | 'harsh_corner'
  | 'geofence_enter'
  | 'geofence_exit';

/** `GET /api/events` row without the store's id and device_id. */
export interface GeoEvent {
  type: GeoEventType;
  time: string;
  geofence_id?: GeofenceId;
  details: Record<string, unknown>;
}

export const iso = (ms: number): string => new Date(ms).toISOString();
export const round = (x: number, digits: number): number => {
  const k = 10 ** digits;
  return Math.round(x * k) / k;
};

function tripDay(p: DayPart): TripDay {
  return {
    day: p.day,
    distance_km: round(p.distance_m / 1000, 3),
    driving_s: round(p.time_ms / 1000, 3),
    idle_s: round(p.idle_ms / 1000, 3),
    overspeed_s: round(p.over_ms / 1000, 3),
    max_speed_kmh: round(p.max_speed, 1),
    harsh_accel: p.harsh_accel,
    harsh_brake: p.harsh_brake,
    harsh_corner: p.harsh_corner,
    fuel_used_pct: round(Math.max(0, (p.fuel_first ?? 0) - (p.fuel_last ?? p.fuel_first ?? 0)), 2),
  };
}

export function buildTrip(t: Tally, end: number, endPos: [number, number], cfg: GeoConfig): Trip {
  const sum = totals(t);
  const durationS = (end - t.start) / 1000;
  const distanceKm = sum.distance_m / 1000;
  const days = t.parts.map(tripDay);
  const harsh = sum.harsh_accel + sum.harsh_brake + sum.harsh_corner;
  return {
    start: iso(t.start),
    end: iso(end),
    start_position: t.pos ?? endPos,
    end_position: endPos,
    distance_km: round(distanceKm, 3),
    duration_s: round(durationS, 3),
    max_speed_kmh: round(sum.max_speed, 1),
    avg_speed_kmh: durationS > 0 ? round(distanceKm / (durationS / 3600), 1) : 0,
    idle_s: round(sum.idle_ms / 1000, 3),
    harsh_accel: sum.harsh_accel,
    harsh_brake: sum.harsh_brake,
    harsh_corner: sum.harsh_corner,
    score: drivingScore(
      { harshEvents: harsh, distanceKm, drivingS: durationS, overspeedS: sum.over_ms / 1000 },
      cfg.score,
    ),
    overspeed_s: round(sum.over_ms / 1000, 3),
    fuel_used_pct: round(
      days.reduce((a, d) => a + d.fuel_used_pct, 0),
      2,
    ),
    days,
  };
}

const DAY_MS = 86_400_000;

export function buildStop(t: Tally, end: number, pos: [number, number]): Stop {
  const days: StopDay[] = [];
  for (let a = t.start; a < end; ) {
    const b = Math.min(end, (Math.floor(a / DAY_MS) + 1) * DAY_MS);
    const day = iso(a).slice(0, 10);
    const ign = t.parts.find((p) => p.day === day)?.ign_ms ?? 0;
    days.push({ day, stopped_s: round((b - a) / 1000, 3), ignition_on_s: round(ign / 1000, 3) });
    a = b;
  }
  return {
    start: iso(t.start),
    end: iso(end),
    position: pos,
    duration_s: round((end - t.start) / 1000, 3),
    ignition_on_s: round(totals(t).ign_ms / 1000, 3),
    days,
  };
}

/** A trip as `GET /api/devices/:id/trips` answers it. */
export function tripView(t: Trip): Omit<Trip, 'days' | 'overspeed_s' | 'fuel_used_pct'> {
  const { days: _d, overspeed_s: _o, fuel_used_pct: _f, ...rest } = t;
  return rest;
}

/** A stop as `GET /api/devices/:id/stops` answers it. */
export function stopView(s: Stop): Omit<Stop, 'days'> {
  const { days: _d, ...rest } = s;
  return rest;
}
