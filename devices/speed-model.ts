// Vehicle speed model, as the original: drift toward a target speed, occasional new targets, Gaussian noise.
import type { Random } from './rng.js';

export const SPEED_MIN = 0;
export const SPEED_MAX = 120;
const NEW_TARGET_CHANCE = 0.05;
const NOISE_SIGMA = 0.5;

export class SpeedModel {
  private speed: number;
  private target: number;
  private readonly acceleration: number;

  constructor(private readonly random: Random) {
    this.speed = random.uniform(20, 60);
    this.target = random.uniform(30, 100);
    this.acceleration = random.uniform(0.5, 2);
  }

  /** Advances one tick and returns the new speed in km/h, rounded to 0.01. */
  tick(): number {
    if (this.random.next() < NEW_TARGET_CHANCE)
      this.target = this.random.uniform(SPEED_MIN, SPEED_MAX);
    const gap = this.target - this.speed;
    this.speed += Math.sign(gap) * Math.min(Math.abs(gap), this.acceleration);
    this.speed += this.random.gaussian(0, NOISE_SIGMA);
    this.speed = Math.min(SPEED_MAX, Math.max(SPEED_MIN, this.speed));
    return Math.round(this.speed * 100) / 100;
  }
}
