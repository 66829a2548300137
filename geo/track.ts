// GET /track: valid fixes split at long silences and invalid fixes, thinned to a point budget by largest-triangle buckets, as GeoJSON.

/** A vehicle's fixes in time order, column by column; an unusable fix has a NaN lat or lon. */
export interface TrackColumns {
  /** ms since the epoch */
  time: Float64Array;
  lat: Float64Array;
  lon: Float64Array;
  /** How many entries are used (default: all of `time`). */
  length?: number;
}

export interface TrackFeature {
  type: 'Feature';
  geometry: { type: 'LineString'; coordinates: [number, number][] };
  properties: { start: string; end: string; times: string[] };
}

export interface TrackCollection {
  type: 'FeatureCollection';
  features: TrackFeature[];
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Runs of consecutive usable fixes no more than `maxGapMs` apart: [first, end) index pairs. */
export function splitTrack(c: TrackColumns, maxGapMs: number): [number, number][] {
  const { time, lat, lon } = c;
  const n = c.length ?? time.length;
  const runs: [number, number][] = [];
  let start = -1;
  let prevT = 0;
  for (let i = 0; i < n; i++) {
    const y = lat[i] as number;
    const x = lon[i] as number;
    const t = time[i] as number;
    // NaN fails every comparison: this is "finite and in range" without a call.
    if (!(y >= -90 && y <= 90 && x >= -180 && x <= 180)) {
      if (start >= 0 && i - start >= 2) runs.push([start, i]);
      start = -1;
      continue;
    }
    if (start >= 0 && t - prevT > maxGapMs) {
      if (i - start >= 2) runs.push([start, i]);
      start = i;
    }
    if (start < 0) start = i;
    prevT = t;
  }
  if (start >= 0 && n - start >= 2) runs.push([start, n]);
  return runs;
}

/**
 * Picks `k` indexes of [a, b) keeping the shape: the ends, and from each of k − 2 equal buckets
 * the fix forming the largest triangle with the last pick and the next bucket's mean
 * (Largest-Triangle-Three-Buckets, Steinarsson 2013, on a flat projection). One pass, O(b − a).
 */
export function thin(c: TrackColumns, a: number, b: number, k: number, out: number[]): void {
  const n = b - a;
  if (k >= n) {
    for (let i = a; i < b; i++) out.push(i);
    return;
  }
  const { lat, lon } = c;
  // Longitude scaled to the latitude's metres, so a triangle's area is not skewed east-west.
  const kx = Math.cos(((lat[a] as number) * Math.PI) / 180);
  const size = (n - 2) / (k - 2);
  let px = (lon[a] as number) * kx;
  let py = lat[a] as number;
  out.push(a);
  for (let j = 0; j < k - 2; j++) {
    const lo = a + 1 + Math.floor(j * size);
    const hi = a + 1 + Math.floor((j + 1) * size);
    let mx = 0;
    let my = 0;
    if (j === k - 3) {
      mx = (lon[b - 1] as number) * kx;
      my = lat[b - 1] as number;
    } else {
      const nhi = Math.min(b, a + 1 + Math.floor((j + 2) * size));
      for (let i = hi; i < nhi; i++) {
        mx += lon[i] as number;
        my += lat[i] as number;
      }
      mx = (mx / (nhi - hi)) * kx;
      my /= nhi - hi;
    }
    let best = lo;
    let bestArea = -1;
    for (let i = lo; i < hi; i++) {
      const x = (lon[i] as number) * kx;
      const y = lat[i] as number;
      const area = Math.abs((px - mx) * (y - py) - (px - x) * (my - py));
      if (area > bestArea) {
        bestArea = area;
        best = i;
      }
    }
    out.push(best);
    px = (lon[best] as number) * kx;
    py = lat[best] as number;
  }
  out.push(b - 1);
}

/** How many points each run gets: 2 each, the rest in proportion to its fixes; ≤ maxPoints. */
function budget(runs: [number, number][], maxPoints: number): number[] {
  const total = runs.reduce((s, [a, b]) => s + b - a, 0);
  if (total <= maxPoints) return runs.map(([a, b]) => b - a);
  const spare = maxPoints - 2 * runs.length;
  const extra = total - 2 * runs.length;
  return runs.map(([a, b]) => Math.min(b - a, 2 + Math.floor((spare * (b - a - 2)) / extra)));
}

/**
 * The track as GeoJSON: one LineString per run (a run of a single fix has no line and is left
 * out), at most `maxPoints` points in all, each run's ends kept. When there are more runs than
 * maxPoints / 2, the runs with the most fixes are kept, in time order.
 */
export function trackGeoJson(
  c: TrackColumns,
  o: { maxPoints: number; maxGapMs: number },
): TrackCollection {
  let runs = splitTrack(c, o.maxGapMs);
  const maxRuns = Math.floor(o.maxPoints / 2);
  if (runs.length > maxRuns) {
    const keep = new Set(
      runs
        .map((r, i) => ({ i, n: r[1] - r[0] }))
        .sort((p, q) => q.n - p.n || p.i - q.i)
        .slice(0, maxRuns)
        .map((r) => r.i),
    );
    runs = runs.filter((_, i) => keep.has(i));
  }
  const counts = budget(runs, o.maxPoints);
  const features: TrackFeature[] = [];
  const picked: number[] = [];
  runs.forEach(([a, b], r) => {
    picked.length = 0;
    thin(c, a, b, counts[r] as number, picked);
    const coordinates = picked.map((i): [number, number] => [
      c.lon[i] as number,
      c.lat[i] as number,
    ]);
    const times = picked.map((i) => iso(c.time[i] as number));
    features.push({
      type: 'Feature',
      geometry: { type: 'LineString', coordinates },
      properties: { start: times[0] as string, end: times[times.length - 1] as string, times },
    });
  });
  return { type: 'FeatureCollection', features };
}
