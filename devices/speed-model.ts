// Vehicle speed model, after the original: drift toward a target speed, cruise there a while, then pick a new target; Gaussian noise.
import type { Random } from './rng.js';

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
 * (README: "The demo's first five minutes").
 */
export class SpeedModel {
  private speed: number;
  private target: number;
  private readonly acceleration: number;

  constructor(private readonly random: Random) {
    this.speed = random.uniform(20, 60);
    this.target = random.uniform(30, SPEED_MAX);
    this.acceleration = random.uniform(0.5, 2);
  }

  /** Advances one tick and returns the new speed in km/h, rounded to 0.01. */
  tick(): number {
    const cruising = Math.abs(this.target - this.speed) <= this.acceleration;
    if (cruising && this.random.next() < NEW_TARGET_CHANCE) {
      this.target = this.random.uniform(SPEED_MIN, SPEED_MAX);
    }
    const gap = this.target - this.speed;
    this.speed += Math.sign(gap) * Math.min(Math.abs(gap), this.acceleration);
    this.speed += this.random.gaussian(0, NOISE_SIGMA);
    this.speed = Math.min(SPEED_MAX, Math.max(SPEED_MIN, this.speed));
    return Math.round(this.speed * 100) / 100;
  }
}
