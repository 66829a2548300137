// One simulated vehicle's day on the street grid (parked, starting, driving, arriving) and the readings it reports: every tick with the ignition on, every PARKED_INTERVAL_S with it off.
import type { SignalValue } from '../../core/signals/catalog.js';
import { createRandom, type Random } from '../rng.js';
import { DayPlan, drawPlanSpec } from './day-plan.js';
import { Gps } from './gps.js';
import { type LocalFrame, normalizeDeg, type Point } from './local-frame.js';
import { buildPath } from './path.js';
import { drawSpec, Powertrain } from './powertrain.js';
import { planRoute } from './route-planner.js';
import { type Place, ROAD_CLASSES, type StreetGrid } from './street-grid.js';
import { type Driver, drawDriver, RouteFollower } from './vehicle-dynamics.js';

/** Where a vehicle was and what its gauges said (VehicleMemory keeps it across restarts). */
export interface VehicleSnapshot {
  /** Time of the snapshot, ms. */
  at: number;
  /** Position in the local frame, metres. */
  x: number;
  y: number;
  odometerKm: number;
  fuelPct: number;
  coolantC: number;
}

/** What a Device needs of its vehicle. */
export interface VehicleModel {
  /** set_speed_limit: every reading from now on is at or below it; null lifts it. */
  setSpeedLimit(kmh: number | null): void;
  readonly speedLimit: number | null;
  /** Advances the vehicle to `now` (ms); the reading's signals if one is due now, else undefined. */
  read(now: number): Record<string, SignalValue> | undefined;
}

export interface VehicleSimOptions {
  grid: StreetGrid;
  frame: LocalFrame;
  /** PARKED_INTERVAL_S in ms: one reading per this while the ignition is off. */
  parkedIntervalMs: number;
  /** SIM_BAD_FIX_RATE: chance per reading of a zero fix or a far jump. */
  badFixRate: number;
  /** Starting fuel level (tests); default: drawn, 25–95 %. */
  fuelPct?: number;
}

type Phase = 'parked' | 'starting' | 'driving' | 'arriving';

/** Integration step while the vehicle moves, ms: a quarter second keeps curves and stops exact to centimetres. */
const STEP_MS = 250;
/** A parked reading may come this much before its due time (timer jitter), ms. */
const DUE_SLACK_MS = 100;
/** The first trip of a run is at least this long (straight line), so it drives for minutes. */
const FIRST_TRIP_MIN_M = 2500;

const round = (v: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

/** Outside air, °C: a mild day, coldest before dawn. */
function ambientC(localHour: number): number {
  return 11 + 6 * Math.sin((2 * Math.PI * (localHour - 9)) / 24);
}

/**
 * Pure logic: time only comes in through read(now), randomness only from the seeded Random it is
 * built with (split into one stream per concern at construction, so the same seed and the same
 * clock give the same readings).
 */
export class VehicleSim implements VehicleModel {
  private phase: Phase = 'starting';
  private t: number | undefined;
  private until = 0;
  private place: Place;
  private destination: Place;
  private follower: RouteFollower | undefined;
  private heading = 0;
  private limitKmh: number | null = null;
  private lastIgnition: boolean | undefined;
  private lastReadingAt: number | undefined;
  private parkedDueAt = 0;
  private readonly plan: DayPlan;
  private readonly driver: Driver;
  private readonly powertrain: Powertrain;
  private readonly gps: Gps;
  private readonly streams: { route: Random; drive: Random; bad: Random };
  private resumeFrom: VehicleSnapshot | undefined;

  constructor(
    private readonly options: VehicleSimOptions,
    random: Random,
  ) {
    const split = () => createRandom(Math.floor(random.next() * 2 ** 32));
    const { grid, frame } = options;
    this.driver = drawDriver(random);
    this.plan = new DayPlan(drawPlanSpec(grid, random), grid, frame.center.lon, split());
    const spec = drawSpec(random);
    this.powertrain = new Powertrain(
      spec,
      {
        odometerKm: random.uniform(8000, 160_000),
        fuelPct: options.fuelPct ?? random.uniform(25, 95),
        coolantC: 15,
      },
      split(),
    );
    this.gps = new Gps(random.uniform(3, 6), split());
    this.streams = { route: split(), drive: split(), bad: split() };
    this.place = this.plan.spec.home;
    this.destination = this.place;
  }

  /** The state to keep across a restart (position, odometer, fuel, coolant). */
  snapshot(): VehicleSnapshot {
    const p = this.pose();
    const pt = this.powertrain;
    return {
      at: this.t ?? 0,
      x: p.x,
      y: p.y,
      odometerKm: pt.odometerM / 1000,
      fuelPct: pt.fuelPct,
      coolantC: pt.coolantC,
    };
  }

  /**
   * Before the first reading: carry on from a snapshot of an earlier run (the same vehicle,
   * restarted) rather than from home with drawn gauges. It stands at the nearest town street,
   * the engine cooled for the time it was away, and starts its next trip from there.
   */
  resume(s: VehicleSnapshot): void {
    if (this.t === undefined) this.resumeFrom = s;
  }

  get speedLimit(): number | null {
    return this.limitKmh;
  }

  setSpeedLimit(kmh: number | null): void {
    this.limitKmh = kmh;
    if (kmh !== null) this.follower?.capSpeed(kmh / 3.6);
  }

  read(now: number): Record<string, SignalValue> | undefined {
    this.advance(now);
    const ignition = this.phase !== 'parked';
    if (!ignition) {
      // The first reading with the ignition off goes out at once; then one per parked interval.
      if (this.lastIgnition === false && now < this.parkedDueAt - DUE_SLACK_MS) return undefined;
      const interval = this.options.parkedIntervalMs;
      this.parkedDueAt = this.lastIgnition === false ? this.parkedDueAt + interval : now + interval;
      if (this.parkedDueAt <= now) this.parkedDueAt = now + interval;
    }
    this.lastIgnition = ignition;
    // No bad fix first: a filter needs a good fix to judge the next one against.
    const gapMs = this.lastReadingAt === undefined ? undefined : now - this.lastReadingAt;
    this.lastReadingAt = now;
    return this.values(now, ignition, gapMs);
  }

  private values(
    now: number,
    ignition: boolean,
    gapMs: number | undefined,
  ): Record<string, SignalValue> {
    const pose = this.pose();
    const fix = this.gps.fix(pose, now);
    const v = this.follower && this.phase === 'driving' ? this.follower.v : 0;
    const speedKmh = v * 3.6;
    const cap = this.limitKmh ?? Number.POSITIVE_INFINITY;
    const bad = gapMs === undefined ? undefined : this.badFix(pose, gapMs);
    const { lat, lon } = bad ?? this.options.frame.toLatLon(fix.point);
    const pt = this.powertrain;
    const engine = pt.readings(ignition, v);
    const heading = round(normalizeDeg(this.heading), 1);
    return {
      // Rounding must not lift a reading above a limit with more decimals (e.g. 50.005).
      speed: Math.min(cap, round(speedKmh, 2)),
      lat: round(lat, 6),
      lon: round(lon, 6),
      alt: round(fix.alt, 1),
      acc: fix.acc,
      heading: heading >= 360 ? 0 : heading,
      ignition,
      odometer_km: round(pt.odometerM / 1000, 2),
      fuel_pct: round(pt.fuelPct, 1),
      battery_v: round(engine.battery_v, 2),
      coolant_c: round(engine.coolant_c, 1),
      rpm: Math.round(engine.rpm),
    };
  }

  /**
   * SIM_BAD_FIX_RATE: a receiver sometimes reports (0, 0) or a position far away. The jump is
   * at least twice what 350 km/h covers since the last reading, so a filter must flag it.
   */
  private badFix(truth: Point, gapMs: number): { lat: number; lon: number } | undefined {
    const r = this.streams.bad;
    if (!(r.next() < this.options.badFixRate)) return undefined;
    if (r.next() < 0.5) return { lat: 0, lon: 0 };
    const metres = Math.max(50_000, (2 * 350_000 * gapMs) / 3_600_000) * r.uniform(1, 2);
    const angle = r.uniform(0, 2 * Math.PI);
    const far = this.options.frame.toLatLon({
      x: truth.x + metres * Math.cos(angle),
      y: truth.y + metres * Math.sin(angle),
    });
    const lon = ((((far.lon + 180) % 360) + 360) % 360) - 180;
    return { lat: Math.max(-89, Math.min(89, far.lat)), lon };
  }

  private pose(): Point {
    if (this.follower && (this.phase === 'driving' || this.phase === 'arriving')) {
      const p = this.follower.pose();
      if (this.follower.v > 0) this.heading = p.heading;
      return p.point;
    }
    return this.place.point;
  }

  /** Moves the simulation from its last time to `now`. */
  private advance(now: number): void {
    if (this.t === undefined) {
      this.t = now;
      const s = this.resumeFrom;
      if (s) {
        this.place = this.options.grid.placeNear(s, 'visit');
        this.powertrain.restore(s);
        const away = Math.max(0, now - s.at) / 1000;
        this.powertrain.step(away, 0, 0, 0, false, ambientC(this.plan.localHour(now)));
      }
      // A run starts as the driver is about to leave: a short idle, then the first trip.
      this.startTrip(now, this.plan.firstDestination(this.place, FIRST_TRIP_MIN_M), [1, 5]);
      return;
    }
    for (let t: number = this.t; t < now; t = this.t) {
      const ambient = ambientC(this.plan.localHour(t));
      if (this.phase === 'driving' && this.follower) {
        const dt = Math.min(STEP_MS, now - t);
        const v0 = this.follower.v;
        const cap = this.limitKmh === null ? Number.POSITIVE_INFINITY : this.limitKmh / 3.6;
        const d = this.follower.step(dt / 1000, cap);
        this.powertrain.step(dt / 1000, v0, this.follower.v, d, true, ambient);
        this.t = t + dt;
        if (this.follower.done) this.arrive(this.t);
        continue;
      }
      const next = Math.min(now, this.until);
      this.powertrain.step((next - t) / 1000, 0, 0, 0, this.phase !== 'parked', ambient);
      this.t = next;
      if (next >= this.until) this.endPhase(next);
    }
  }

  private endPhase(at: number): void {
    if (this.phase === 'starting') {
      this.phase = 'driving';
    } else if (this.phase === 'arriving') {
      this.phase = 'parked';
      if (this.place.kind === 'fuel') this.powertrain.refuel();
      this.until = at + this.plan.parkingS(this.place, at) * 1000;
    } else if (this.phase === 'parked') {
      this.startTrip(
        at,
        this.plan.nextDestination(this.place, at, this.powertrain.fuelPct),
        [3, 20],
      );
    }
  }

  /** Ignition on, idling for warmUpS (seconds, drawn from the range), then the route to `to`. */
  private startTrip(at: number, to: Place, warmUpS: readonly [number, number]): void {
    const r = this.streams.route;
    const route = planRoute(this.options.grid, this.place, to);
    const turnFactor = r.uniform(0.85, 1.1);
    const plans = route.junctions.map((j) => ({
      waitS: r.next() < j.rule.stopChance ? r.uniform(j.rule.waitS[0], j.rule.waitS[1]) : 0,
      passMs: j.rule.passKmh === undefined ? undefined : (j.rule.passKmh * turnFactor) / 3.6,
    }));
    const pace = this.driver.pace;
    const path = buildPath(route, plans, (cls) => (ROAD_CLASSES[cls].kmh * pace) / 3.6);
    this.follower = new RouteFollower(path, this.driver, this.streams.drive);
    this.destination = to;
    this.phase = 'starting';
    this.until = at + r.uniform(warmUpS[0], warmUpS[1]) * 1000;
  }

  private arrive(at: number): void {
    this.place = this.destination;
    this.phase = 'arriving';
    this.until = at + this.streams.route.uniform(3, 15) * 1000;
  }
}
