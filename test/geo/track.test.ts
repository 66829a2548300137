import { describe, expect, it } from 'vitest';
import { bearingDeg, destination, haversineM, trackLengthM } from '../../geo/distance.js';
import { splitTrack, type TrackColumns, trackGeoJson } from '../../geo/track.js';
import { T0 } from './tracks.js';

/** n fixes one second apart on a zig-zag heading east, with optional holes. */
function zigzag(n: number, o: { invalid?: number[]; gapAfter?: number[] } = {}): TrackColumns {
  const time = new Float64Array(n);
  const lat = new Float64Array(n);
  const lon = new Float64Array(n);
  let t = T0;
  for (let i = 0; i < n; i++) {
    time[i] = t;
    lat[i] = 52.5 + 0.001 * Math.sin(i / 50);
    lon[i] = 13.4 + i * 0.0002;
    t += o.gapAfter?.includes(i) ? 4_000_000 : 1000;
  }
  for (const i of o.invalid ?? []) lat[i] = Number.NaN;
  return { time, lat, lon };
}

describe('distance', () => {
  it('haversine matches known distances', () => {
    // Berlin TV tower to Brandenburg Gate, about 2.2 km; a degree of latitude, about 111.2 km.
    expect(haversineM(52.520815, 13.409419, 52.516275, 13.377704) / 1000).toBeCloseTo(2.2, 1);
    expect(haversineM(0, 0, 1, 0)).toBeCloseTo(111_195, -1);
    expect(haversineM(10, 20, 10, 20)).toBe(0);
    const p = destination(52.5, 13.4, 60, 1234);
    expect(haversineM(52.5, 13.4, p.lat, p.lon)).toBeCloseTo(1234, 6);
    expect(bearingDeg(52.5, 13.4, p.lat, p.lon)).toBeCloseTo(60, 6);
  });

  it('track length skips unusable fixes and steps across a gap', () => {
    const pts = [
      { lat: 0, lon: 0 },
      { lat: Number.NaN, lon: 5 },
      { lat: 0, lon: 0.01 },
      {},
      { lat: 0, lon: 0.02 },
    ];
    expect(trackLengthM(pts)).toBeCloseTo(2 * haversineM(0, 0, 0, 0.01), 6);
    expect(trackLengthM(pts, { times: [0, 1, 2, 3, 5000], maxGapMs: 1000 })).toBeCloseTo(
      haversineM(0, 0, 0, 0.01),
      6,
    );
  });
});

describe('track', () => {
  it('splits at long silences and invalid fixes; a lone fix makes no line', () => {
    const c = zigzag(100, { invalid: [10, 12], gapAfter: [50] });
    expect(splitTrack(c, 3_600_000)).toEqual([
      [0, 10],
      [13, 51],
      [51, 100],
    ]);
  });

  it('keeps at most max_points, every run with its ends and times', () => {
    const c = zigzag(20_000, { invalid: [5000], gapAfter: [12_000] });
    const fc = trackGeoJson(c, { maxPoints: 500, maxGapMs: 3_600_000 });
    expect(fc.type).toBe('FeatureCollection');
    expect(fc.features).toHaveLength(3);
    const points = fc.features.reduce((a, f) => a + f.geometry.coordinates.length, 0);
    expect(points).toBeLessThanOrEqual(500);
    expect(points).toBeGreaterThan(490);
    const [a, b, d] = fc.features;
    expect(a?.properties.start).toBe(new Date(T0).toISOString());
    expect(a?.geometry.coordinates[0]).toEqual([c.lon[0], c.lat[0]]);
    expect(a?.properties.end).toBe(new Date(c.time[4999] as number).toISOString());
    expect(b?.geometry.coordinates[0]).toEqual([c.lon[5001], c.lat[5001]]);
    expect(d?.geometry.coordinates.at(-1)).toEqual([c.lon[19_999], c.lat[19_999]]);
    for (const f of fc.features) {
      expect(f.properties.times).toHaveLength(f.geometry.coordinates.length);
      const ts = f.properties.times.map(Date.parse);
      expect(ts).toEqual([...ts].sort((x, y) => x - y));
    }
  });

  it('keeps the shape: the thinned line stays close to every fix', () => {
    const c = zigzag(10_000);
    const f = trackGeoJson(c, { maxPoints: 400, maxGapMs: 3_600_000 }).features[0];
    const line = f?.geometry.coordinates ?? [];
    // The zig-zag peaks (±111 m) survive: the thinned track spans the same north-south range.
    const lats = line.map((p) => p[1]);
    expect(Math.max(...lats)).toBeCloseTo(Math.max(...c.lat), 5);
    expect(Math.min(...lats)).toBeCloseTo(Math.min(...c.lat), 5);
    const full = trackLengthM(Array.from(c.lat, (lat, i) => ({ lat, lon: c.lon[i] })));
    const thin = trackLengthM(line.map(([lon, lat]) => ({ lat, lon })));
    expect(thin / full).toBeGreaterThan(0.99);
  });

  it('returns everything under the budget, and only the longest runs when runs outnumber it', () => {
    const c = zigzag(30);
    expect(
      trackGeoJson(c, { maxPoints: 2000, maxGapMs: 3_600_000 }).features[0]?.geometry.coordinates,
    ).toHaveLength(30);
    const gaps = zigzag(30, { gapAfter: [1, 3, 5, 20] }); // runs of 2, 2, 2, 15, 9 fixes
    const fc = trackGeoJson(gaps, { maxPoints: 4, maxGapMs: 3_600_000 });
    expect(fc.features.map((f) => f.properties.start)).toEqual([
      new Date(gaps.time[6] as number).toISOString(),
      new Date(gaps.time[21] as number).toISOString(),
    ]);
    expect(fc.features.reduce((a, f) => a + f.geometry.coordinates.length, 0)).toBe(4);
  });
});
