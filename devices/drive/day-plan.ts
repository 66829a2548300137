// A vehicle's days: a work shift of trips between its places with stops of minutes, a lunch break, a fill-up when the tank runs low, and the night parked at home.
import type { Random } from '../rng.js';
import { distanceM } from './local-frame.js';
import type { Place, StreetGrid } from './street-grid.js';

const HOUR_MS = 3_600_000;
const MIN_S = 60;

export interface DayPlanSpec {
  home: Place;
  work: Place;
  /** Customers, shops, depots: where its trips go. */
  visits: readonly Place[];
  /** Local hour its shift starts (0–24) and how long it lasts, hours. */
  shiftStartH: number;
  shiftHours: number;
  /** Below this fuel level it drives to the nearest station next. */
  refuelBelowPct: number;
}

/** Most vehicles work days; one in five works an evening/night shift. */
export function drawPlanSpec(grid: StreetGrid, random: Random): DayPlanSpec {
  const night = random.next() < 0.2;
  return {
    home: grid.randomPlace(random, 'home'),
    work: grid.randomPlace(random, 'work'),
    visits: Array.from({ length: 12 }, () => grid.randomPlace(random, 'visit')),
    shiftStartH: night ? random.uniform(16, 21) : random.uniform(5.5, 9.5),
    shiftHours: random.uniform(8, 11),
    refuelBelowPct: random.uniform(10, 20),
  };
}

/**
 * Local time is solar time at the centre's longitude (UTC + lon/15 h): a good enough clock for
 * rush hours and nights without a time-zone database.
 */
export class DayPlan {
  /** Start of the shift in which lunch was taken (one lunch per shift). */
  private lunchShift: number | undefined;

  constructor(
    readonly spec: DayPlanSpec,
    private readonly grid: StreetGrid,
    private readonly lonDeg: number,
    private readonly random: Random,
  ) {}

  localHour(at: number): number {
    const h = (at / HOUR_MS + this.lonDeg / 15) % 24;
    return h < 0 ? h + 24 : h;
  }

  /** The shift (start, end ms) that `at` falls in, if any (a night shift crosses midnight). */
  shiftAt(at: number): { start: number; end: number } | undefined {
    const midnight = at - this.localHour(at) * HOUR_MS;
    for (const day of [0, -1]) {
      const start = midnight + (day * 24 + this.spec.shiftStartH) * HOUR_MS;
      const end = start + this.spec.shiftHours * HOUR_MS;
      if (at >= start && at < end) return { start, end };
    }
    return undefined;
  }

  /** The next shift start after `at`. */
  nextShiftStart(at: number): number {
    const midnight = at - this.localHour(at) * HOUR_MS;
    const today = midnight + this.spec.shiftStartH * HOUR_MS;
    return today > at ? today : today + 24 * HOUR_MS;
  }

  /** How long it stays parked (ignition off) after arriving at `place` at `at`, seconds. */
  parkingS(place: Place, at: number): number {
    const r = this.random;
    if (place.kind === 'fuel') return r.uniform(4, 9) * MIN_S;
    const shift = this.shiftAt(at);
    if (!shift) {
      if (place !== this.spec.home) return r.uniform(1, 6) * MIN_S; // then home
      const wake = this.nextShiftStart(at) + r.gaussian(0, 10) * MIN_S * 1000;
      return Math.max(10 * MIN_S, (wake - at) / 1000);
    }
    const hour = this.localHour(at);
    if (this.lunchShift !== shift.start && hour >= 11.5 && hour < 14 && r.next() < 0.6) {
      this.lunchShift = shift.start;
      return r.uniform(30, 55) * MIN_S;
    }
    // Most stops take minutes, a few most of an hour (log-normal, median 6 min).
    return Math.min(45, Math.max(2, Math.exp(r.gaussian(Math.log(6), 0.6)))) * MIN_S;
  }

  /** Where it drives next from `place` at `at`. */
  nextDestination(place: Place, at: number, fuelPct: number): Place {
    const { spec, random: r } = this;
    if (fuelPct < spec.refuelBelowPct && place.kind !== 'fuel') {
      return this.grid.nearestStation(place.point);
    }
    if (!this.shiftAt(at)) return spec.home;
    if (place === spec.home) return r.next() < 0.7 ? spec.work : this.pick(place);
    return this.pick(place);
  }

  /** The first trip of a run: somewhere at least minM away (a trip long enough to see it drive). */
  firstDestination(from: Place, minM: number): Place {
    for (let tries = 0; tries < 50; tries++) {
      const p = this.pick(from);
      if (distanceM(p.point, from.point) >= minM) return p;
    }
    return this.pick(from);
  }

  private pick(not: Place): Place {
    const { spec, random: r } = this;
    for (;;) {
      const p =
        r.next() < 0.75
          ? (spec.visits[Math.floor(r.next() * spec.visits.length)] as Place)
          : this.grid.randomPlace(r, 'visit');
      if (p !== not) return p;
    }
  }
}
