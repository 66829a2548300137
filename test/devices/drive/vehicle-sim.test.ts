// The simulated vehicle over whole days on an injected clock: fixes match speeds, parking and its reading interval, signal ranges, fuel, determinism, bad fixes, set_speed_limit.
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SIM_CENTER } from '../../../core/config-sim.js';
import { BUILTIN_CATALOG, signalValueOk } from '../../../core/signals/catalog.js';
import { LocalFrame } from '../../../devices/drive/local-frame.js';
import { drive, HOUR, haversineM, type Row, T0, vehicle } from './day.js';

/** Two whole days of two vehicles, 1 Hz, default settings but no bad fixes. */
const days = new Map<number, Row[]>();
beforeAll(() => {
  for (const seed of [1, 2]) days.set(seed, drive(vehicle(seed), 24));
});
const day = (seed: number) => days.get(seed) as Row[];
const frame = new LocalFrame(DEFAULT_SIM_CENTER);
const pairs = (rows: Row[]) => rows.slice(1).map((b, i) => [rows[i] as Row, b] as const);

describe('a simulated day', () => {
  it('the distance between fixes matches the speeds (within GPS noise), every second of 24 h', () => {
    for (const seed of [1, 2]) {
      const rows = day(seed);
      let worst = 0;
      for (const [a, b] of pairs(rows)) {
        const fixes = haversineM(a, b);
        // The model integrates speed linearly between readings: the mean speed times the gap.
        const driven = (((a.speed + b.speed) / 2) * (b.t - a.t)) / 3600;
        const excess = Math.abs(fixes - driven) - (a.acc + b.acc);
        worst = Math.max(worst, excess);
      }
      expect(worst, `seed ${seed}`).toBeLessThanOrEqual(0);
    }
  });

  it('drives plausibly: trips between places, highways and town streets, stops at junctions', () => {
    for (const seed of [1, 2]) {
      const rows = day(seed);
      const on = rows.filter((r) => r.ignition);
      const trips = pairs(rows).filter(([a, b]) => !a.ignition && b.ignition).length;
      const km = (rows.at(-1) as Row).odometer_km - (rows[0] as Row).odometer_km;
      expect(trips, `seed ${seed}`).toBeGreaterThanOrEqual(5);
      expect(km).toBeGreaterThan(40);
      expect(km).toBeLessThan(400);
      expect(Math.max(...on.map((r) => r.speed))).toBeGreaterThan(100); // a highway
      expect(on.filter((r) => r.speed > 20 && r.speed < 40).length).toBeGreaterThan(300); // town
      // Standing with the engine on in the middle of trips (lights, stop signs), not only at ends.
      const stops = pairs(on).filter(([a, b]) => a.speed > 0 && b.speed === 0).length;
      expect(stops).toBeGreaterThan(trips * 2);
      // Most of a day is spent parked, most readings are taken driving.
      expect(on.length).toBeGreaterThan(rows.length / 2);
      const parkedS = rows.length - on.length; // one reading a minute
      expect(parkedS * 60).toBeGreaterThan(12 * 3600);
    }
  });

  it('stays on the grid around SIM_CENTER; heading, altitude, accuracy and every signal are valid', () => {
    const problems: string[] = [];
    for (const r of [...day(1), ...day(2)]) {
      const bad = (what: string) => problems.push(`${new Date(r.t).toISOString()} ${what}`);
      if (haversineM(r, DEFAULT_SIM_CENTER) > 4500) bad(`far from the centre: ${r.lat},${r.lon}`);
      for (const s of BUILTIN_CATALOG.signals) {
        const v = (r as unknown as Record<string, unknown>)[s.key];
        if (v !== undefined && !signalValueOk(s, v)) bad(`${s.key}=${String(v)}`);
      }
      if (!(r.acc > 0 && r.acc < 15)) bad(`acc ${r.acc}`);
      // On a street: near a line of the 200 m grid (curves cut corners by up to 0.3 × 80 m).
      const p = frame.toPoint(r);
      const offStreet = Math.min(...[p.x, p.y].map((v) => Math.abs(v - 200 * Math.round(v / 200))));
      if (offStreet > r.acc + 24) bad(`${offStreet.toFixed(1)} m off the streets`);
      if (!(r.alt > 15 && r.alt < 55)) bad(`alt ${r.alt}`);
    }
    expect(problems).toEqual([]);
    // battery_pct is a phone's or tracker's own battery: a vehicle's telematics unit has none.
    expect(Object.keys(day(1)[0] as Row).sort()).toEqual(
      [...BUILTIN_CATALOG.keys.filter((k) => k !== 'battery_pct'), 't'].sort(),
    );
  });

  it('parked: ignition off, one reading every PARKED_INTERVAL_S, at once when it switches off', () => {
    for (const seed of [1, 2]) {
      const gaps = {
        on: new Set<number>(),
        off: new Set<number>(),
        switchedOff: new Set<number>(),
      };
      let longestBeforeStart = 0;
      for (const [a, b] of pairs(day(seed))) {
        const gap = b.t - a.t;
        if (a.ignition && b.ignition) gaps.on.add(gap);
        if (!a.ignition && !b.ignition) gaps.off.add(gap);
        if (a.ignition && !b.ignition) gaps.switchedOff.add(gap); // the first one at once
        if (!a.ignition && b.ignition) longestBeforeStart = Math.max(longestBeforeStart, gap);
        if (!b.ignition && (b.speed !== 0 || b.rpm !== 0)) expect.fail(`moving parked: ${b.t}`);
      }
      expect(gaps).toEqual({
        on: new Set([1000]),
        off: new Set([60_000]),
        switchedOff: new Set([1000]),
      });
      expect(longestBeforeStart).toBeLessThanOrEqual(60_000);
    }
    // Another interval.
    const rows = drive(vehicle(1, { parkedIntervalMs: 300_000 }), 24);
    const gaps = pairs(rows)
      .filter(([a, b]) => !a.ignition && !b.ignition)
      .map(([a, b]) => b.t - a.t);
    expect(gaps.length).toBeGreaterThan(100);
    expect(new Set(gaps)).toEqual(new Set([300_000]));
  });

  it('battery 13.8–14.4 V running and 12.2–12.7 V parked, coolant warms to ~90 °C, rpm from speed and gear', () => {
    for (const seed of [1, 2]) {
      const rows = day(seed);
      const problems: string[] = [];
      for (const r of rows) {
        const at = new Date(r.t).toISOString();
        const [lo, hi] = r.ignition ? [13.8, 14.4] : [12.2, 12.7];
        if (r.battery_v < lo || r.battery_v > hi) problems.push(`${at} battery ${r.battery_v}`);
        if (r.ignition && !(r.rpm > 600 && r.rpm < 3200)) problems.push(`${at} rpm ${r.rpm}`);
        if (!(r.coolant_c > -5 && r.coolant_c < 95)) problems.push(`${at} coolant ${r.coolant_c}`);
      }
      expect(problems, `seed ${seed}`).toEqual([]);
      const on = rows.filter((r) => r.ignition);
      const warm = on.filter((r) => r.coolant_c >= 85 && r.coolant_c <= 93).length;
      expect(warm / on.length).toBeGreaterThan(0.5);
      // Cold start: the first readings of the day are far below operating temperature.
      expect((rows[0] as Row).coolant_c).toBeLessThan(30);
      // In top gear on the highway the engine turns slower than in town in a low gear.
      const fast = on.filter((r) => r.speed > 100);
      const rpmPerKmh = (rs: Row[]) => rs.reduce((n, r) => n + r.rpm / r.speed, 0) / rs.length;
      expect(rpmPerKmh(fast)).toBeLessThan(
        rpmPerKmh(on.filter((r) => r.speed > 8 && r.speed < 15)),
      );
    }
  });

  it('the odometer grows with the distance driven; fuel falls with it and is refilled at a station', () => {
    const rows = drive(vehicle(3, { fuelPct: 14 }), 24);
    let refills = 0;
    let moving = 0;
    for (const [a, b] of pairs(rows)) {
      expect(b.odometer_km).toBeGreaterThanOrEqual(a.odometer_km);
      if (a.speed > 0 || b.speed > 0) moving += haversineM(a, b);
      if (b.fuel_pct > a.fuel_pct) {
        refills += 1;
        expect(b.ignition).toBe(false); // filled up parked
        expect(b.fuel_pct).toBeGreaterThan(90);
      }
    }
    expect(refills).toBeGreaterThanOrEqual(1);
    const km = (rows.at(-1) as Row).odometer_km - (rows[0] as Row).odometer_km;
    // The fixes of the moving seconds add up to the odometer's distance (GPS noise aside).
    expect(Math.abs(moving / 1000 - km) / km).toBeLessThan(0.02);
    // Before the refill, fuel only fell: by 6.5–10 l/100 km plus idling, from a 45–70 l tank.
    const before = rows.slice(
      0,
      rows.findIndex((r, i) => i > 0 && r.fuel_pct > (rows[i - 1] as Row).fuel_pct),
    );
    const first = before[0] as Row;
    const last = before.at(-1) as Row;
    const used = first.fuel_pct - last.fuel_pct;
    const kmBefore = last.odometer_km - first.odometer_km;
    expect(used).toBeGreaterThan(((kmBefore * 6.5) / 100 / 70) * 100 * 0.9);
    expect(used).toBeLessThan(((kmBefore * 10) / 100 / 45) * 100 * 1.5 + 2);
  });
});

describe('determinism and bad fixes', () => {
  it('the same seed and clock give the same readings; another seed does not', () => {
    const a = drive(vehicle(7, { badFixRate: 0.01 }), 3);
    const b = drive(vehicle(7, { badFixRate: 0.01 }), 3);
    expect(b).toEqual(a);
    expect(drive(vehicle(8, { badFixRate: 0.01 }), 3)).not.toEqual(a);
    // At another rate of readings it still drives the same day (positions integrate time).
    const coarse = drive(vehicle(7), 3, { stepMs: 5000 });
    expect(
      Math.abs((coarse.at(-1) as Row).odometer_km - (a.at(-1) as Row).odometer_km),
    ).toBeLessThan(5);
  });

  it('bad fixes at SIM_BAD_FIX_RATE: (0, 0) or a jump a filter flags (> 350 km/h from the fix before)', () => {
    const rate = 0.01;
    let readings = 0;
    let zero = 0;
    let jumps = 0;
    for (let seed = 0; seed < 4; seed++) {
      const rows = drive(vehicle(100 + seed, { badFixRate: rate }), 12);
      readings += rows.length;
      for (const [a, b] of pairs(rows)) {
        if (b.lat === 0 && b.lon === 0) {
          zero += 1;
          continue;
        }
        if (haversineM(b, DEFAULT_SIM_CENTER) < 10_000) continue;
        jumps += 1;
        const kmh = haversineM(a, b) / 1000 / ((b.t - a.t) / HOUR);
        expect(kmh).toBeGreaterThan(350);
      }
    }
    const expected = readings * rate;
    const sigma = Math.sqrt(readings * rate * (1 - rate));
    expect(Math.abs(zero + jumps - expected)).toBeLessThan(4 * sigma);
    expect(zero).toBeGreaterThan(expected / 4);
    expect(jumps).toBeGreaterThan(expected / 4);
    // The default rate: none in a few hours is likely, but the model has none at rate 0.
    const clean = day(1).filter((r) => haversineM(r, DEFAULT_SIM_CENTER) > 10_000);
    expect(clean).toEqual([]);
  });
});

describe('set_speed_limit', () => {
  it('no reading above the limit from the moment it is set; lifted, the vehicle is fast again', () => {
    const sim = vehicle(1);
    const limitAt = T0 + 4 * 60_000; // driving by then (the first trip is at least 2.5 km)
    const liftAt = T0 + 4 * HOUR;
    const rows = drive(sim, 24, {
      at: (t) => {
        if (t === limitAt) sim.setSpeedLimit(37.5);
        if (t === liftAt) sim.setSpeedLimit(null);
      },
    });
    const limited = rows.filter((r) => r.t >= limitAt && r.t < liftAt);
    expect(Math.max(...limited.map((r) => r.speed))).toBeLessThanOrEqual(37.5);
    expect(limited.filter((r) => r.speed > 30).length).toBeGreaterThan(100); // it still drives
    expect(Math.max(...rows.filter((r) => r.t >= liftAt).map((r) => r.speed))).toBeGreaterThan(60);
    expect(sim.speedLimit).toBeNull();
    // Positions keep matching speeds under the limit (no distance without speed).
    for (const [a, b] of pairs(limited)) {
      const driven = (((a.speed + b.speed) / 2) * (b.t - a.t)) / 3600;
      expect(Math.abs(haversineM(a, b) - driven)).toBeLessThanOrEqual(a.acc + b.acc);
    }
  });

  it('a limit of 0 holds the vehicle where it is, engine running', () => {
    const sim = vehicle(2);
    drive(sim, 0.1);
    sim.setSpeedLimit(0);
    const rows = drive(sim, 0.5, { from: T0 + 0.1 * HOUR });
    expect(new Set(rows.map((r) => r.speed))).toEqual(new Set([0]));
    const first = rows[0] as Row;
    for (const r of rows) expect(haversineM(r, first)).toBeLessThanOrEqual(r.acc + first.acc);
    expect(rows.every((r) => r.ignition)).toBe(true);
  });
});
