// Daily (or whole-range) summaries per vehicle as sums over its trips' and stops' per-day parts: GET /api/reports/summary.
import type { ScoreConfig } from './config.js';
import { round, type Stop, type Trip } from './records.js';
import { drivingScore } from './score.js';

export interface Summary {
  device_id: string;
  /** UTC day (group_by=day). */
  day?: string;
  distance_km: number;
  /** Time in trips (idle in traffic included). */
  driving_s: number;
  /** Engine on while standing: idle within trips plus ignition-on time at stops. */
  idle_s: number;
  stopped_s: number;
  max_speed_kmh: number;
  avg_speed_kmh: number;
  overspeed_s: number;
  fuel_used_pct: number;
  /** Trips that started that day (or in the range). */
  trips: number;
  harsh_events: number;
  score: number;
}

/** Sums a summary row is made from (a report day, or a whole range). */
export interface SummaryAcc {
  distance_km: number;
  driving_s: number;
  idle_s: number;
  stopped_s: number;
  max_speed_kmh: number;
  overspeed_s: number;
  fuel_used_pct: number;
  trips: number;
  harsh_events: number;
}

export const emptyAcc = (): SummaryAcc => ({
  distance_km: 0,
  driving_s: 0,
  idle_s: 0,
  stopped_s: 0,
  max_speed_kmh: 0,
  overspeed_s: 0,
  fuel_used_pct: 0,
  trips: 0,
  harsh_events: 0,
});

export interface SummaryOptions {
  groupBy: 'day' | 'none';
  /** Days (YYYY-MM-DD, UTC) to include, inclusive; absent: all. */
  fromDay?: string;
  toDay?: string;
  score: ScoreConfig;
}

/**
 * One vehicle's summary rows. A trip or stop across midnight counts on each day for its part
 * there (split at UTC midnight when it was computed); a trip counts in `trips` on the day it
 * started. Every figure is a sum (or max) over those parts, and the score is computed from the
 * sums, so a report equals the sum over its trips.
 */
export function summarize(
  deviceId: string,
  trips: readonly Trip[],
  stops: readonly Stop[],
  o: SummaryOptions,
): Summary[] {
  const inRange = (day: string) =>
    (o.fromDay === undefined || day >= o.fromDay) && (o.toDay === undefined || day <= o.toDay);
  const days = new Map<string, SummaryAcc>();
  const at = (day: string) => {
    const key = o.groupBy === 'day' ? day : '';
    const a = days.get(key) ?? emptyAcc();
    days.set(key, a);
    return a;
  };
  for (const t of trips) {
    const startDay = t.start.slice(0, 10);
    if (inRange(startDay)) at(startDay).trips++;
    for (const d of t.days) {
      if (!inRange(d.day)) continue;
      const a = at(d.day);
      a.distance_km += d.distance_km;
      a.driving_s += d.driving_s;
      a.idle_s += d.idle_s;
      a.overspeed_s += d.overspeed_s;
      a.max_speed_kmh = Math.max(a.max_speed_kmh, d.max_speed_kmh);
      a.fuel_used_pct += d.fuel_used_pct;
      a.harsh_events += d.harsh_accel + d.harsh_brake + d.harsh_corner;
    }
  }
  for (const s of stops) {
    for (const d of s.days) {
      if (!inRange(d.day)) continue;
      const a = at(d.day);
      a.stopped_s += d.stopped_s;
      a.idle_s += d.ignition_on_s;
    }
  }
  return [...days.entries()]
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([day, a]) => summaryRow(deviceId, o.groupBy === 'day' ? day : undefined, a, o.score));
}

/** One row from its sums: rounded, the average speed and the score computed from the sums. */
export function summaryRow(
  deviceId: string,
  day: string | undefined,
  a: SummaryAcc,
  score: ScoreConfig,
): Summary {
  const row: Omit<Summary, 'device_id' | 'day'> = {
    distance_km: round(a.distance_km, 3),
    driving_s: round(a.driving_s, 3),
    idle_s: round(a.idle_s, 3),
    stopped_s: round(a.stopped_s, 3),
    max_speed_kmh: a.max_speed_kmh,
    avg_speed_kmh: a.driving_s > 0 ? round(a.distance_km / (a.driving_s / 3600), 1) : 0,
    overspeed_s: round(a.overspeed_s, 3),
    fuel_used_pct: round(a.fuel_used_pct, 2),
    trips: a.trips,
    harsh_events: a.harsh_events,
    score: drivingScore(
      {
        harshEvents: a.harsh_events,
        distanceKm: a.distance_km,
        drivingS: a.driving_s,
        overspeedS: a.overspeed_s,
      },
      score,
    ),
  };
  return day === undefined ? { device_id: deviceId, ...row } : { device_id: deviceId, day, ...row };
}

/** The summary columns of `format=csv`, in this order. */
export const SUMMARY_COLUMNS = [
  'device_id',
  'day',
  'distance_km',
  'driving_s',
  'idle_s',
  'stopped_s',
  'max_speed_kmh',
  'avg_speed_kmh',
  'overspeed_s',
  'fuel_used_pct',
  'trips',
  'harsh_events',
  'score',
] as const;
