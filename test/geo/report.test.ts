import { describe, expect, it } from 'vitest';
import { DEFAULT_GEO_CONFIG } from '../../geo/config.js';
import { summarize } from '../../geo/report.js';
import { run } from './run.js';
import { rng, TrackBuilder, workingDay } from './tracks.js';

const D0 = Date.parse('2026-03-02T00:00:00Z');
const DAY = 86_400_000;
const score = DEFAULT_GEO_CONFIG.score;

function week() {
  const b = new TrackBuilder(D0, 52.52, 13.405, rng(5));
  for (let d = 0; d < 2; d++) workingDay(b, D0 + d * DAY);
  // Parked all the third day, then a night drive across midnight, with fuel readings.
  b.park(Math.floor((D0 + 3 * DAY - 20 * 60_000 - b.t) / 60_000), { ignition: false, jitterM: 10 });
  b.idle(5);
  for (let i = 0; i < 40 * 60; i++)
    b.ramp(60, 2)
      .cruise(1)
      .bare({ fuel: 60 - i / 100, speed: 60, ignition: true }, 0.5);
  b.ramp(0, 2).park(30, { ignition: false });
  return run(b.samples);
}

describe('reports', () => {
  const r = week();
  const sum = (xs: number[]) => xs.reduce((a, x) => a + x, 0);

  it('a daily report equals the sums over its trips and stops', () => {
    const rows = summarize('v1', r.trips, r.stops, { groupBy: 'day', score });
    expect(rows.map((x) => x.day)).toEqual([
      '2026-03-02',
      '2026-03-03',
      '2026-03-04',
      '2026-03-05',
    ]);
    const all = summarize('v1', r.trips, r.stops, { groupBy: 'none', score });
    expect(all).toHaveLength(1);
    const total = all[0];
    expect(total?.distance_km).toBeCloseTo(sum(r.trips.map((t) => t.distance_km)), 2);
    expect(total?.driving_s).toBeCloseTo(sum(r.trips.map((t) => t.duration_s)), 2);
    expect(total?.idle_s).toBeCloseTo(
      sum([...r.trips.map((t) => t.idle_s), ...r.stops.map((s) => s.ignition_on_s)]),
      2,
    );
    expect(total?.stopped_s).toBeCloseTo(sum(r.stops.map((s) => s.duration_s)), 2);
    expect(total?.trips).toBe(r.trips.length);
    expect(total?.harsh_events).toBe(
      sum(r.trips.map((t) => t.harsh_accel + t.harsh_brake + t.harsh_corner)),
    );
    expect(total?.max_speed_kmh).toBe(Math.max(...r.trips.map((t) => t.max_speed_kmh)));
    expect(total?.fuel_used_pct).toBeCloseTo(sum(r.trips.map((t) => t.fuel_used_pct)), 2);
    expect(total?.distance_km).toBeCloseTo(sum(rows.map((x) => x.distance_km)), 2);
    expect(total?.trips).toBe(sum(rows.map((x) => x.trips)));
  });

  it('a trip across midnight counts its part on each day; the trip on the day it started', () => {
    const night = r.trips[r.trips.length - 1];
    expect(night?.days.map((d) => d.day)).toEqual(['2026-03-04', '2026-03-05']);
    const rows = summarize('v1', [night as never], [], { groupBy: 'day', score });
    expect(rows.map((x) => [x.day, x.trips])).toEqual([
      ['2026-03-04', 1],
      ['2026-03-05', 0],
    ]);
    expect(sum(rows.map((x) => x.distance_km))).toBeCloseTo(night?.distance_km ?? 0, 2);
    expect(sum(rows.map((x) => x.driving_s))).toBeCloseTo(night?.duration_s ?? 0, 2);
    expect(rows[1]?.driving_s).toBe((Date.parse(night?.end ?? '') - D0 - 3 * DAY) / 1000);
    expect(night?.fuel_used_pct).toBeCloseTo(23.99, 1);
    expect(sum(rows.map((x) => x.fuel_used_pct))).toBeCloseTo(night?.fuel_used_pct ?? 0, 2);
  });

  it('a day is all accounted for: stops and trips fill it, no more', () => {
    const rows = summarize('v1', r.trips, r.stops, { groupBy: 'day', score });
    const day2 = rows[1];
    expect((day2?.stopped_s ?? 0) + (day2?.driving_s ?? 0)).toBeCloseTo(86_400, 0);
    expect(day2?.avg_speed_kmh).toBeCloseTo(
      (day2?.distance_km ?? 0) / ((day2?.driving_s ?? 1) / 3600),
      1,
    );
  });

  it('selects days, and scores from the sums', () => {
    const rows = summarize('v1', r.trips, r.stops, {
      groupBy: 'none',
      fromDay: '2026-03-03',
      toDay: '2026-03-03',
      score,
    });
    const day = summarize('v1', r.trips, r.stops, { groupBy: 'day', score })[1];
    expect(rows[0]).toEqual({ ...day, day: undefined, device_id: 'v1' } as never);
  });
});
