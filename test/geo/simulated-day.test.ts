// Trips and stops of a simulated day against what the simulator knows: when each vehicle parked and left, and how far it drove (its odometer integrates speed).
import { describe, expect, it } from 'vitest';
import { geoConfig } from '../../geo/config.js';
import type { GeoSample } from '../../geo/sample.js';
import { drive, type Row, vehicle } from '../devices/drive/day.js';
import { run } from './run.js';

const IDLE_KMH = geoConfig().idleSpeedKmh;

/** One ignition-on period of the simulated day, from the readings (the simulator's own phases). */
interface Outing {
  /** Ignition on (the first reading with it on), ms. */
  on: number;
  /** The last reading with the ignition on, ms; the next one reports it off. */
  lastOn: number;
  /** First and last readings moving (at or above the idle speed), ms. */
  firstMoving: number;
  lastMoving: number;
  /** The first reading with the ignition off again, ms. */
  off: number;
  /** Odometer at ignition on, km; how far it drove until the ignition went off, km. */
  odometerAtOn: number;
  odometerKm: number;
}

function outings(rows: readonly Row[]): Outing[] {
  const out: Outing[] = [];
  let cur: Outing | undefined;
  for (const r of rows) {
    if (r.ignition) {
      cur ??= {
        on: r.t,
        lastOn: r.t,
        firstMoving: -1,
        lastMoving: -1,
        off: -1,
        odometerAtOn: r.odometer_km,
        odometerKm: 0,
      };
      cur.lastOn = r.t;
      cur.odometerKm = r.odometer_km - cur.odometerAtOn;
      if (r.speed >= IDLE_KMH) {
        if (cur.firstMoving < 0) cur.firstMoving = r.t;
        cur.lastMoving = r.t;
      }
    } else if (cur) {
      out.push({ ...cur, off: r.t });
      cur = undefined;
    }
  }
  return out;
}

const sample = (r: Row, seq: number): GeoSample => ({
  time: r.t,
  seq,
  lat: r.lat,
  lon: r.lon,
  speed: r.speed,
  heading: r.heading,
  ignition: r.ignition,
  fuel: r.fuel_pct,
});

/** Seconds of [from, to) with the ignition on, by the simulator's ignition-on periods. */
function ignitionOnS(periods: readonly Outing[], from: number, to: number): number {
  let ms = 0;
  for (const p of periods) ms += Math.max(0, Math.min(to, p.off) - Math.max(from, p.on));
  return ms / 1000;
}

// Two seeds, one day each (06:00 to 06:00 UTC, 1 Hz while the ignition is on, one reading a
// minute parked): seed 7 drives 55 times; seed 21 also switches the ignition on once without
// driving off, which is no trip.
describe.each([7, 21])(
  'a simulated day of vehicle seed %i: trips and stops against the simulator',
  (seed) => {
    const rows = drive(vehicle(seed), 24);
    const at = new Map(rows.map((r) => [r.t, r]));
    const row = (iso: string): Row => {
      const r = at.get(Date.parse(iso));
      if (!r) throw new Error(`no reading at ${iso}`);
      return r;
    };
    const periods = outings(rows);
    // An outing is a trip when it got at least TRIP_MIN_DISTANCE_M from where it was parked; the
    // day plan drives from place to place, so the path's length (the odometer) tells.
    const driven = periods.filter((p) => p.odometerKm >= geoConfig().tripMinDistanceM / 1000);
    const { trips, stops } = run(rows.map(sample));

    it('one trip per outing that drove off, none for an ignition on without leaving', () => {
      expect(driven.length).toBeGreaterThan(30);
      expect(trips).toHaveLength(driven.length);
    });

    it('each trip starts at rest before the vehicle was 200 m away, and ends when it came to rest', () => {
      trips.forEach((trip, i) => {
        const p = driven[i] as Outing;
        const start = row(trip.start);
        expect(start.t).toBeGreaterThanOrEqual(p.on);
        expect(start.speed).toBeLessThan(IDLE_KMH);
        expect(start.odometer_km - p.odometerAtOn).toBeLessThan(0.2);
        // Ignition off ends the trip at once; its end is the first reading at rest after moving.
        expect(Date.parse(trip.end)).toBe(p.lastMoving + 1000);
        expect(row(trip.end).speed).toBeLessThan(IDLE_KMH);
      });
    });

    it("each trip's distance (haversine over noisy fixes) is what its odometer drove, within 1 % + 30 m", () => {
      let total = 0;
      let odometer = 0;
      for (const trip of trips) {
        const driven = row(trip.end).odometer_km - row(trip.start).odometer_km;
        expect(Math.abs(trip.distance_km - driven)).toBeLessThanOrEqual(0.03 + 0.01 * driven);
        total += trip.distance_km;
        odometer += driven;
      }
      expect(Math.abs(total / odometer - 1)).toBeLessThan(0.005);
    });

    it('stops lie between the trips, with the ignition-on time the simulator had there', () => {
      expect(stops).toHaveLength(trips.length - 1);
      stops.forEach((stop, i) => {
        expect(stop.start).toBe(trips[i]?.end);
        expect(stop.end).toBe(trips[i + 1]?.start);
        const truth = ignitionOnS(periods, Date.parse(stop.start), Date.parse(stop.end));
        expect(Math.abs(stop.ignition_on_s - truth)).toBeLessThanOrEqual(1);
      });
    });
  },
);
