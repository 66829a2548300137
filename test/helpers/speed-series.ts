// A speed-only series for synthetic stored history (the browser test's "earlier run"): the simulator's speed model before vehicles drove a street grid (devices/drive/). Drift toward a target speed, cruise there a while, then pick a new target; Gaussian noise; an optional speed limit caps it.
import type { Random } from '../../devices/rng.js';

export const SPEED_MIN = 0;
export const SPEED_MAX = 120;
/** Per tick once the target is reached: ~20 ticks of cruising on average. */
const NEW_TARGET_CHANCE = 0.05;
const NOISE_SIGMA = 0.5;

/**
 * The original picked a new target with 5 % chance on every tick, so a high target was usually
 * abandoned before it was reached and a vehicle rarely held 110+ km/h for 5 s. Here a target is
 * kept until reached (then 5 % per tick, as before) and the first one is drawn from 30..120, so
 * the demo's built-in overspeed rule (above 110 for 5 s) fires on its own within a few minutes
 * (README: "The first five minutes").
 */
export class SpeedModel {
  private speed: number;
  private target: number;
  private readonly acceleration: number;
  /** km/h; null: no limit (the model's own 0–120 range only). */
  private limit: number | null = null;

  constructor(private readonly random: Random) {
    this.speed = random.uniform(20, 60);
    this.target = random.uniform(30, SPEED_MAX);
    this.acceleration = random.uniform(0.5, 2);
  }

  get speedLimit(): number | null {
    return this.limit;
  }

  /**
   * set_speed_limit: from the next tick every speed is at or below `kmh` (a simulated vehicle
   * obeys at once rather than braking over a few seconds, so every reading after the command's
   * result is within the limit); null lifts it.
   */
  setSpeedLimit(kmh: number | null): void {
    this.limit = kmh;
  }

  /** Advances one tick and returns the new speed in km/h, rounded to 0.01. */
  tick(): number {
    const max = this.limit === null ? SPEED_MAX : Math.min(SPEED_MAX, this.limit);
    const cruising = Math.abs(Math.min(this.target, max) - this.speed) <= this.acceleration;
    if (cruising && this.random.next() < NEW_TARGET_CHANCE) {
      this.target = this.random.uniform(SPEED_MIN, SPEED_MAX);
    }
    const gap = Math.min(this.target, max) - this.speed;
    this.speed += Math.sign(gap) * Math.min(Math.abs(gap), this.acceleration);
    this.speed += this.random.gaussian(0, NOISE_SIGMA);
    this.speed = Math.min(max, Math.max(SPEED_MIN, this.speed));
    // Rounding must not lift a reading above a limit with more decimals (e.g. 50.005).
    return Math.min(max, Math.round(this.speed * 100) / 100);
  }
}
