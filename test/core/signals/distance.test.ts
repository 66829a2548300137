// atLeastM decides exactly what `haversineM(...) >= r` decides, for pairs around the threshold, far apart, near the poles and across the antimeridian.
import { describe, expect, it } from 'vitest';
import { atLeastM, haversineM } from '../../../core/signals/distance.js';
import { destination } from '../../../geo/distance.js';
import { rng } from '../../../harness/random.js';

describe('atLeastM', () => {
  it('agrees with haversineM >= r on 200,000 pairs, many within a millimetre of r', () => {
    const random = rng(7);
    let disagreements = 0;
    let nearThreshold = 0;
    for (let i = 0; i < 200_000; i++) {
      const lat =
        random() < 0.1 ? (random() < 0.5 ? -1 : 1) * (85 + random() * 5) : random() * 160 - 80;
      const lon = random() < 0.05 ? (random() < 0.5 ? -179.9999 : 179.9999) : random() * 360 - 180;
      const r = [0, 1, 50, 100, 200, 1000, 50_000][Math.floor(random() * 7)] as number;
      const d = random() < 0.5 ? r * (1 + (random() - 0.5) * 1e-9) : random() * 3 * r + random();
      const p = destination(lat, lon, random() * 360, d);
      const exact = haversineM(lat, lon, p.lat, p.lon);
      if (Math.abs(exact - r) < 1e-3) nearThreshold += 1;
      if (atLeastM(lat, lon, p.lat, p.lon, r) !== exact >= r) disagreements += 1;
    }
    expect(nearThreshold).toBeGreaterThan(10_000);
    expect(disagreements).toBe(0);
  });

  it('agrees on the edge values', () => {
    const cases: Array<[number, number, number, number, number]> = [
      [52.5, 13.4, 52.5, 13.4, 0],
      [52.5, 13.4, 52.5, 13.4, 1],
      [52.5, 13.4, 52.6, 13.4, -1],
      [0, 179.9999, 0, -179.9999, 100],
      [89.9999, 0, 89.9999, 180, 10],
      [Number.NaN, 0, 0, 0, 1],
      [Number.POSITIVE_INFINITY, 0, 0, 0, 1],
    ];
    for (const [a, b, c, d, r] of cases) {
      expect(atLeastM(a, b, c, d, r), `${[a, b, c, d, r]}`).toBe(haversineM(a, b, c, d) >= r);
    }
  });
});
