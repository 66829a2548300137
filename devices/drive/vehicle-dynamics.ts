// How a driver moves a vehicle along a path: accelerates to the road's pace, brakes in time for curves, stops and the destination, waits at red lights; positions integrate speed exactly.
import type { Random } from '../rng.js';
import type { Path, Pose } from './path.js';

/** A driver's habits, drawn once per vehicle. */
export interface Driver {
  /** Multiplies each road class's speed (0.9–1.12: some drive a little over the limit). */
  pace: number;
  /** Acceleration from standstill, m/s²; it falls off with speed. */
  accelMs2: number;
  /** Comfortable braking, m/s²: what the driver plans with. */
  brakeMs2: number;
}

export function drawDriver(random: Random): Driver {
  return {
    pace: random.uniform(0.9, 1.12),
    accelMs2: random.uniform(1.6, 2.6),
    brakeMs2: random.uniform(2, 2.8),
  };
}

/** Above this a car accelerates no more (about 180 km/h); acceleration falls off toward it. */
const TOP_SPEED_MS = 50;
/** Braking harder than planned (to obey a zone it saw late) is allowed up to this, m/s². */
const MAX_BRAKE_MS2 = 6;

/**
 * Follows one path. Each step integrates with the trapezoid rule, so the distance moved is
 * exactly the mean of the speeds at its ends times its length: the distance between two fixes
 * matches the reported speeds (plus GPS noise). A speed limit (set_speed_limit) caps the speed
 * at once, not after braking.
 */
export class RouteFollower {
  /** Distance along the path, metres. */
  s = 0;
  /** Speed, m/s. */
  v = 0;
  private waitingS = 0;
  /** First zone that may still matter (zones before it end behind the vehicle). */
  private first = 0;
  /** Stops already served (their index in path.zones). */
  private served = new Set<number>();
  /** Slow drift of the cruising speed (fraction), so a cruise is not a flat line. */
  private wobble = 0;

  constructor(
    readonly path: Path,
    private readonly driver: Driver,
    private readonly random: Random,
  ) {}

  /** Arrived: at the end, stopped. */
  get done(): boolean {
    return this.s >= this.path.length && this.v === 0 && this.waitingS <= 0;
  }

  /** Waiting at a light or a stop sign (standing, engine on). */
  get waiting(): boolean {
    return this.waitingS > 0;
  }

  pose(): Pose {
    return this.path.pose(this.s);
  }

  /** A set_speed_limit takes effect at once. */
  capSpeed(capMs: number): void {
    this.v = Math.min(this.v, capMs);
  }

  /** Advances dtS seconds under a speed cap (m/s); returns the distance moved, metres. */
  step(dtS: number, capMs: number): number {
    if (dtS <= 0) return 0;
    this.wobble = 0.995 * this.wobble + this.random.gaussian(0, 0.004) * Math.sqrt(dtS);
    this.wobble = Math.max(-0.04, Math.min(0.04, this.wobble));
    if (this.waitingS > 0) {
      this.waitingS -= dtS;
      this.v = 0;
      return 0;
    }
    const v0 = Math.min(this.v, capMs);
    const target = Math.min(this.target(v0), capMs);
    const accel = this.driver.accelMs2 * Math.max(0.15, 1 - v0 / TOP_SPEED_MS);
    let v1 =
      v0 < target ? Math.min(target, v0 + accel * dtS) : Math.max(target, v0 - MAX_BRAKE_MS2 * dtS);
    let d = ((v0 + v1) / 2) * dtS;
    const stop = this.nextStop();
    if (stop !== undefined) {
      const zone = this.path.zones[stop];
      if (zone && this.s + d >= zone.from) {
        // The stop line is within this step: halt on it.
        d = Math.max(0, zone.from - this.s);
        v1 = 0;
        this.served.add(stop);
        this.waitingS = zone.waitS;
      }
    }
    this.s = Math.min(this.s + d, this.path.length);
    this.v = v1;
    return d;
  }

  /** The highest speed every zone ahead allows now (braking curves at the driver's comfort). */
  private target(v: number): number {
    const zones = this.path.zones;
    const b = this.driver.brakeMs2;
    const horizon = (v * v) / (2 * b) + 60;
    while (this.first < zones.length && (zones[this.first]?.to ?? 0) < this.s) this.first += 1;
    let target = Number.POSITIVE_INFINITY;
    for (let k = this.first; k < zones.length; k++) {
      const z = zones[k];
      if (!z) break;
      if (z.from - this.s > horizon) break;
      if (z.to < this.s || this.served.has(k)) continue;
      if (z.from <= this.s) {
        target = Math.min(target, z.leg ? z.vmaxMs * (1 + this.wobble) : z.vmaxMs);
      } else {
        target = Math.min(target, Math.sqrt(z.vmaxMs * z.vmaxMs + 2 * b * (z.from - this.s)));
      }
    }
    return target === Number.POSITIVE_INFINITY ? 0 : target;
  }

  private nextStop(): number | undefined {
    const zones = this.path.zones;
    for (let k = this.first; k < zones.length; k++) {
      const z = zones[k];
      if (!z || z.from > this.s + 100) return undefined; // beyond any one step's reach
      if (z.vmaxMs === 0 && !this.served.has(k) && z.from >= this.s - 1e-9) return k;
    }
    return undefined;
  }
}
