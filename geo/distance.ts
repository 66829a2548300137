// Distances on the WGS 84 sphere: haversine in metres, bearings, a local flat projection, and track length over valid fixes.

import { atLeastM, EARTH_RADIUS_M, haversineM } from '../core/signals/distance.js';

// One distance for the store's position judge and for geo (the same sphere, the same formula).
export { atLeastM, EARTH_RADIUS_M, haversineM };

const RAD = Math.PI / 180;

/** Initial bearing from the first point to the second, degrees clockwise from north, 0 ≤ b < 360. */
export function bearingDeg(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const p1 = lat1 * RAD;
  const p2 = lat2 * RAD;
  const dl = (lon2 - lon1) * RAD;
  const y = Math.sin(dl) * Math.cos(p2);
  const x = Math.cos(p1) * Math.sin(p2) - Math.sin(p1) * Math.cos(p2) * Math.cos(dl);
  const b = Math.atan2(y, x) / RAD;
  return b < 0 ? b + 360 : b;
}

/** The point `distanceM` from (lat, lon) along `bearing` degrees (for building test tracks). */
export function destination(
  lat: number,
  lon: number,
  bearing: number,
  distanceM: number,
): { lat: number; lon: number } {
  const ang = distanceM / EARTH_RADIUS_M;
  const th = bearing * RAD;
  const p1 = lat * RAD;
  const l1 = lon * RAD;
  const p2 = Math.asin(Math.sin(p1) * Math.cos(ang) + Math.cos(p1) * Math.sin(ang) * Math.cos(th));
  const l2 =
    l1 +
    Math.atan2(
      Math.sin(th) * Math.sin(ang) * Math.cos(p1),
      Math.cos(ang) - Math.sin(p1) * Math.sin(p2),
    );
  return { lat: p2 / RAD, lon: ((((l2 / RAD + 540) % 360) + 360) % 360) - 180 };
}

/** Metres per degree of latitude and of longitude at `lat`: a flat projection good within a few km. */
export function metresPerDegree(lat: number): { y: number; x: number } {
  const y = EARTH_RADIUS_M * RAD;
  return { y, x: y * Math.cos(lat * RAD) };
}

/** A point with a possibly missing or unusable position. */
export interface MaybeFix {
  lat?: number | undefined;
  lon?: number | undefined;
}

function usable(p: MaybeFix): p is { lat: number; lon: number } {
  return Number.isFinite(p.lat) && Number.isFinite(p.lon);
}

/**
 * Length in metres of a track: the sum of haversine steps between consecutive usable fixes
 * (points without a finite lat/lon are skipped). With `times` and `maxGapMs`, a step spanning
 * more than the gap adds nothing (the vehicle was not seen moving).
 */
export function trackLengthM(
  points: readonly MaybeFix[],
  opts: { times?: readonly number[]; maxGapMs?: number } = {},
): number {
  const { times, maxGapMs = Number.POSITIVE_INFINITY } = opts;
  let total = 0;
  let prev = -1;
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    if (p === undefined || !usable(p)) continue;
    const q = prev >= 0 ? points[prev] : undefined;
    if (q !== undefined && usable(q)) {
      const dt = times ? (times[i] ?? 0) - (times[prev] ?? 0) : 0;
      if (dt <= maxGapMs) total += haversineM(q.lat, q.lon, p.lat, p.lon);
    }
    prev = i;
  }
  return total;
}
