import { describe, expect, it } from 'vitest';
import { geoConfig } from '../../geo/config.js';
import { haversineM } from '../../geo/distance.js';
import { compileZones } from '../../geo/geofence-index.js';
import { VehicleTracker } from '../../geo/tracker.js';
import { ms, run, sortOutputs, types } from './run.js';
import { T0, TrackBuilder } from './tracks.js';

const BERLIN = [52.52, 13.405] as const;

const metresApart = (a: readonly number[] | undefined, b: readonly number[]) =>
  haversineM(a?.[1] ?? 0, a?.[0] ?? 0, b[1] ?? 0, b[0] ?? 0);

const within2Pct = (km: number | undefined, metres: number) =>
  expect(Math.abs((km ?? 0) * 1000 - metres) / metres).toBeLessThan(0.02);

/** Parked, engine on, a 10 km drive east with gentle ramps, engine on at the end, then parked. */
function commute(o: { ignition?: boolean } = {}) {
  const b = new TrackBuilder(T0, ...BERLIN);
  const ign = o.ignition ?? true;
  b.park(10, { jitterM: 15, ignition: ign ? false : undefined });
  if (ign) b.idle(30);
  const depart = b.t;
  const from = [b.lon, b.lat];
  b.ramp(50, 2, 90, { ignition: ign ? true : undefined })
    .cruise(700, 90, { ignition: ign ? true : undefined })
    .ramp(0, 2, 90, { ignition: ign ? true : undefined });
  const arrive = b.t;
  const to = [b.lon, b.lat];
  const metres = b.metres;
  if (ign) b.idle(20);
  b.park(30, { jitterM: 15, ignition: ign ? false : undefined });
  return { b, depart, arrive, metres, from, to };
}

describe('trips and stops', () => {
  it('a trip runs from the last standstill at the origin to the first at the destination', () => {
    const c = commute();
    const r = run(c.b.samples);
    expect(r.trips).toHaveLength(1);
    const t = r.trips[0];
    expect(ms(t?.start ?? '')).toBe(c.depart);
    expect(ms(t?.end ?? '')).toBe(c.arrive);
    within2Pct(t?.distance_km, c.metres);
    expect(metresApart(t?.start_position, c.from)).toBeLessThan(0.01);
    expect(metresApart(t?.end_position, c.to)).toBeLessThan(0.01);
    expect(t?.duration_s).toBe((c.arrive - c.depart) / 1000);
    expect(t?.max_speed_kmh).toBe(50);
    expect(t?.harsh_accel).toBe(0);
    expect(t?.score).toBe(100);
    // The stop before: from the first sample to the departure, 30 s of it with the engine on.
    expect(r.stops).toHaveLength(1);
    expect(ms(r.stops[0]?.start ?? '')).toBe(T0);
    expect(ms(r.stops[0]?.end ?? '')).toBe(c.depart);
    expect(r.stops[0]?.ignition_on_s).toBe(29);
    expect(types(r.events)).toEqual(['trip_start', 'trip_end']);
    expect(r.events[0]?.time).toBe(t?.start);
    expect(r.events[1]?.time).toBe(t?.end);
    // The stop after is open: it starts at the arrival.
    const now = r.tracker.current();
    expect(now && 'stop' in now ? ms(now.stop.start) : 0).toBe(c.arrive);
  });

  it('ignition off ends the trip at once; without ignition the 180 s rule ends it, same bounds', () => {
    const withIgn = commute();
    const a = run(withIgn.b.samples.slice(0, withIgn.b.samples.length - 29)); // engine off 1st sample
    expect(a.trips).toHaveLength(1);
    expect(ms(a.trips[0]?.end ?? '')).toBe(withIgn.arrive);
    const noIgn = commute({ ignition: false });
    const early = noIgn.b.samples.filter((s) => s.time < noIgn.arrive + 170_000);
    expect(run(early).trips).toHaveLength(0); // not 180 s yet
    const b = run(noIgn.b.samples);
    expect(b.trips).toHaveLength(1);
    expect(ms(b.trips[0]?.start ?? '')).toBe(noIgn.depart);
    expect(ms(b.trips[0]?.end ?? '')).toBe(noIgn.arrive);
    expect(b.trips[0]?.idle_s).toBe(0); // no ignition: no idle
  });

  it('GPS jitter while parked adds no trip and no distance, whatever the signals', () => {
    for (const o of [
      { ignition: false },
      { ignition: undefined },
      { ignition: undefined, speed: false },
      { ignition: true, speed: false, everyS: 1 },
    ]) {
      const b = new TrackBuilder(T0, ...BERLIN);
      b.park(o.everyS ? 3600 : 1440, { ...o, jitterM: 60 });
      const r = run(b.samples);
      expect(r.trips).toEqual([]);
      expect(types(r.events)).toEqual([]);
      const now = r.tracker.current();
      expect(now && 'stop' in now).toBe(true);
    }
  });

  it('a traffic light is no stop; a wait of over 180 s is, and jitter there adds no distance', () => {
    const b = new TrackBuilder(T0, ...BERLIN);
    b.park(5, { ignition: false }).idle(5);
    b.ramp(40, 2).cruise(60).ramp(0, 2).idle(60, { jitterM: 8 });
    b.ramp(40, 2).cruise(60).ramp(0, 2);
    const arrive1 = b.t;
    const d1 = b.metres;
    b.idle(240, { jitterM: 8 });
    const depart2 = b.t;
    b.ramp(40, 2).cruise(60).ramp(0, 2);
    b.park(10, { ignition: false });
    const r = run(b.samples);
    expect(r.trips).toHaveLength(2);
    expect(ms(r.trips[0]?.end ?? '')).toBe(arrive1);
    within2Pct(r.trips[0]?.distance_km, d1);
    // Held from each standing sample: the second leaving the origin, 61 at the light.
    expect(r.trips[0]?.idle_s).toBe(62);
    expect(ms(r.stops[1]?.start ?? '')).toBe(arrive1);
    expect(ms(r.stops[1]?.end ?? '')).toBe(depart2);
    expect(r.stops[1]?.ignition_on_s).toBe(240);
  });

  it('a silence over TRIP_MAX_GAP_S ends the trip at the last sample; no distance across it', () => {
    for (const moved of [0, 5000]) {
      const b = new TrackBuilder(T0, ...BERLIN);
      b.park(5, { ignition: false }).idle(2).ramp(50, 2).cruise(120);
      const lastSeen = b.t;
      const d = b.metres;
      b.silence(3700).teleport(moved).cruise(1);
      const seenAgain = b.t;
      b.cruise(300).ramp(0, 2).park(5, { ignition: false });
      const r = run(b.samples);
      expect(r.trips).toHaveLength(2);
      expect(ms(r.trips[0]?.end ?? '')).toBe(lastSeen);
      within2Pct(r.trips[0]?.distance_km, d);
      // The next trip starts where it was seen again; the silence is in no trip.
      expect(ms(r.trips[1]?.start ?? '')).toBe(seenAgain);
      within2Pct(r.trips[1]?.distance_km, b.metres - d - 13.9);
      // Seen again where it was: a stop over the silence; elsewhere: no stop (none was seen).
      expect(r.stops.map((x) => [ms(x.start), ms(x.end)])).toEqual(
        moved
          ? [[T0, r.stops[0] ? ms(r.stops[0].end) : 0]]
          : [
              [T0, ms(r.stops[0]?.end ?? '')],
              [lastSeen, seenAgain],
            ],
      );
    }
  });

  it('readings without a position still count for idle and ignition', () => {
    const b = new TrackBuilder(T0, ...BERLIN);
    b.park(5, { ignition: false });
    for (let i = 0; i < 60; i++) b.bare({ ignition: true, speed: 0 });
    const depart = b.t;
    b.ramp(30, 2).cruise(60).ramp(0, 2);
    for (let i = 0; i < 10; i++) b.bare({ ignition: true, speed: 0 });
    b.bare({ ignition: false });
    const r = run(b.samples);
    expect(ms(r.stops[0]?.end ?? '')).toBe(depart);
    expect(r.stops[0]?.ignition_on_s).toBe(59);
    expect(ms(r.trips[0]?.start ?? '')).toBe(depart);
    expect(r.trips[0]?.idle_s).toBe(1);
  });

  it('a trip across midnight is split in per-day parts that add up to it', () => {
    const b = new TrackBuilder(Date.parse('2026-03-02T23:50:00Z'), ...BERLIN);
    b.park(3, { ignition: false })
      .idle(1)
      .ramp(60, 2)
      .cruise(1200)
      .ramp(0, 2)
      .park(3, { ignition: false });
    const r = run(b.samples);
    const t = r.trips[0];
    expect(t?.days.map((d) => d.day)).toEqual(['2026-03-02', '2026-03-03']);
    const sum = (k: 'distance_km' | 'driving_s') => t?.days.reduce((a, d) => a + d[k], 0) ?? 0;
    expect(sum('distance_km')).toBeCloseTo(t?.distance_km ?? 0, 2);
    expect(sum('driving_s')).toBeCloseTo(t?.duration_s ?? 0, 2);
    const before = ms('2026-03-03T00:00:00Z') - ms(t?.start ?? '');
    expect(t?.days[0]?.driving_s).toBe(before / 1000);
  });

  it('restarting from the JSON state gives the same results as running through', () => {
    const c = commute();
    const whole = run(c.b.samples);
    for (const cut of [20, 100, 400, 760, 780]) {
      const first = run(c.b.samples.slice(0, cut));
      const state = JSON.parse(JSON.stringify(first.tracker.snapshot()));
      const again = new VehicleTracker({ config: geoConfig(), zones: compileZones([]) }, state);
      const rest = c.b.samples.slice(cut).flatMap((s) => again.push(s));
      const joined = sortOutputs([]);
      for (const part of [first, sortOutputs(rest)]) {
        joined.trips.push(...part.trips);
        joined.stops.push(...part.stops);
        joined.events.push(...part.events);
      }
      expect(joined).toEqual({ trips: whole.trips, stops: whole.stops, events: whole.events });
    }
  });

  it('honours the settings', () => {
    const c = commute();
    const r = run(c.b.samples, { config: geoConfig({ tripMinDistanceM: 20_000 }) });
    expect(r.trips).toEqual([]);
  });
});

describe('bounded state', () => {
  it('hours of readings without a position in a trip keep the state small', () => {
    const b = new TrackBuilder(T0, 52.52, 13.405);
    b.park(3, { ignition: false }).idle(2).ramp(50, 2).cruise(60);
    for (let i = 0; i < 3 * 3600; i++) b.bare({ speed: 50, ignition: true });
    const midway = run(b.samples).tracker;
    expect(midway.current()).toHaveProperty('trip');
    // 4096 steps at most (about 150 bytes each), not 10,800.
    expect(JSON.stringify(midway.snapshot()).length).toBeLessThan(4096 * 200);
    b.cruise(10).ramp(0, 2).park(3, { ignition: false });
    const r = run(b.samples);
    expect(r.trips).toHaveLength(1);
    expect(r.trips[0]?.duration_s).toBeGreaterThan(3 * 3600);
  });
});
