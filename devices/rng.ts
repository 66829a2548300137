// Seedable random numbers for the simulated vehicles: mulberry32 plus Box-Muller for Gaussian noise.

export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  uniform(min: number, max: number): number;
  gaussian(mean: number, sigma: number): number;
}

/** Small and fast; statistical quality is ample for a simulator, and a seed makes runs reproducible. */
export function createRandom(seed: number = Math.floor(Math.random() * 2 ** 32)): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    uniform: (min, max) => min + next() * (max - min),
    gaussian: (mean, sigma) => {
      const u = 1 - next(); // (0, 1]: log(0) would be -Infinity
      return mean + sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
    },
  };
}

/** A per-device seed derived from a fleet seed and the device id (FNV-1a), stable across runs. */
export function deviceSeed(seed: number, deviceId: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < deviceId.length; i++) {
    h ^= deviceId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
