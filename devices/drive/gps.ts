// The GPS receiver: a fix near the true position (correlated noise, never farther off than the accuracy it reports), altitude over a gentle terrain, and the rare bad fix.
import type { Random } from '../rng.js';
import type { Point } from './local-frame.js';

export interface Fix {
  point: Point;
  /** Horizontal accuracy, metres: the fix is within this of the true position. */
  acc: number;
  alt: number;
}

/** Height of the ground, metres: a plain a few tens of metres above sea level, gently rolling. */
export function terrainM(p: Point): number {
  return 34 + 8 * Math.sin(p.x / 1300) * Math.cos(p.y / 1700) + 3 * Math.sin((p.x + p.y) / 600);
}

/** A receiver's error drifts rather than jumping from fix to fix (correlation time, s). */
const NOISE_TAU_S = 20;

export class Gps {
  private ex = 0;
  private ey = 0;
  private lastAt: number | undefined;

  constructor(
    /** The receiver's typical accuracy in the open, metres (3–6). */
    private readonly baseAccM: number,
    private readonly random: Random,
  ) {}

  /**
   * A fix of the true position at time `at` (ms). The error is an AR(1) process per axis with a
   * standard deviation of a third of the accuracy, cut off at 95 % of it, so `acc` is a bound,
   * as a filter may assume.
   */
  fix(truth: Point, at: number): Fix {
    const r = this.random;
    const acc = Math.round(this.baseAccM * (1 + 0.35 * Math.abs(r.gaussian(0, 1))) * 10) / 10;
    const sigma = acc / 3;
    const dt = this.lastAt === undefined ? Number.POSITIVE_INFINITY : (at - this.lastAt) / 1000;
    this.lastAt = at;
    const rho = Math.exp(-dt / NOISE_TAU_S);
    const fresh = Math.sqrt(1 - rho * rho) * sigma;
    this.ex = rho * this.ex + r.gaussian(0, fresh);
    this.ey = rho * this.ey + r.gaussian(0, fresh);
    // Rounding lat/lon to 6 decimals moves a fix by up to ~0.1 m: keep that inside acc too.
    const limit = 0.95 * acc - 0.15;
    const off = Math.hypot(this.ex, this.ey);
    const k = off > limit ? limit / off : 1;
    return {
      point: { x: truth.x + this.ex * k, y: truth.y + this.ey * k },
      acc,
      alt: terrainM(truth) + r.gaussian(0, acc / 4),
    };
  }
}
