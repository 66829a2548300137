import { describe, expect, it } from 'vitest';
import { createRandom, deviceSeed } from '../../devices/rng.js';
import { SpeedModel } from '../../devices/speed-model.js';

const run = (seed: number, ticks: number) => {
  const model = new SpeedModel(createRandom(seed));
  return Array.from({ length: ticks }, () => model.tick());
};

describe('SpeedModel', () => {
  it('is reproducible with a seed and differs between seeds', () => {
    expect(run(42, 200)).toEqual(run(42, 200));
    expect(run(42, 200)).not.toEqual(run(43, 200));
    expect(deviceSeed(1, 'vehicle_01')).not.toBe(deviceSeed(1, 'vehicle_02'));
  });

  it('stays within 0..120 km/h, moves at most acceleration + noise per tick, and starts at 20..60', () => {
    for (let seed = 0; seed < 50; seed++) {
      const speeds = run(seed, 2000);
      expect(Math.min(...speeds)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...speeds)).toBeLessThanOrEqual(120);
      // First tick: start (20..60) moved by <= 2 km/h plus noise (sigma 0.5; 6 sigma bound).
      expect(speeds[0]).toBeGreaterThan(20 - 2 - 3);
      expect(speeds[0]).toBeLessThan(60 + 2 + 3);
      for (let i = 1; i < speeds.length; i++) {
        expect(Math.abs((speeds[i] ?? 0) - (speeds[i - 1] ?? 0))).toBeLessThan(2 + 3);
      }
    }
  });

  it('adds Gaussian noise with sigma ~0.5 when cruising at target', () => {
    const model = new SpeedModel(createRandom(7));
    const steps: number[] = [];
    let prev = model.tick();
    for (let i = 0; i < 20_000; i++) {
      const s = model.tick();
      steps.push(s - prev);
      prev = s;
    }
    // Mostly small steps: the median absolute step is close to the noise scale, not the acceleration.
    const sorted = steps.map(Math.abs).sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    expect(median).toBeGreaterThan(0.2);
    expect(median).toBeLessThan(2.5);
  });
});

describe('SpeedModel speed limit (set_speed_limit)', () => {
  it('keeps every speed at or below the limit from the next tick, lifts it with null, same random draws', () => {
    for (let seed = 0; seed < 20; seed++) {
      const limited = new SpeedModel(createRandom(seed));
      const free = new SpeedModel(createRandom(seed));
      for (let i = 0; i < 200; i++) expect(limited.tick()).toBe(free.tick());
      limited.setSpeedLimit(33.333);
      const under = Array.from({ length: 2000 }, () => limited.tick());
      expect(Math.max(...under)).toBeLessThanOrEqual(33.333);
      expect(Math.min(...under)).toBeGreaterThanOrEqual(0);
      limited.setSpeedLimit(null);
      expect(limited.speedLimit).toBeNull();
    }
    // Lifted, it climbs above the old limit again.
    const model = new SpeedModel(createRandom(3));
    model.setSpeedLimit(10);
    for (let i = 0; i < 100; i++) model.tick();
    model.setSpeedLimit(null);
    expect(Math.max(...Array.from({ length: 3000 }, () => model.tick()))).toBeGreaterThan(10);
    model.setSpeedLimit(0);
    expect(new Set(Array.from({ length: 50 }, () => model.tick()))).toEqual(new Set([0]));
  });
});
