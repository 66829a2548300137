// Great-circle distance between two WGS 84 points (haversine on a sphere of the mean Earth radius).

/** IUGG mean Earth radius (m): the sphere's error against the ellipsoid stays under 0.5 %. */
export const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;

/** Metres between (lat1, lon1) and (lat2, lon2), degrees. */
export function haversineM(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const dLat = (lat2 - lat1) * RAD;
  const dLon = (lon2 - lon1) * RAD;
  const a =
    Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * RAD) * Math.cos(lat2 * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(a)));
}

/**
 * Exactly `haversineM(lat1, lon1, lat2, lon2) >= r`, with the trigonometry only near the
 * threshold: R·|Δφ| never exceeds the great-circle distance and R·(|Δφ| + |Δλ|) never falls
 * below it (a path along a meridian then a parallel), so pairs clearly apart or clearly close are
 * decided from those (with a 1e-9 relative margin for rounding). The trip logic asks this of
 * nearly every sample against the candidate points of its window.
 */
export function atLeastM(
  lat1: number,
  lon1: number,
  lat2: number,
  lon2: number,
  r: number,
): boolean {
  const low = Math.abs(lat2 - lat1) * RAD * EARTH_RADIUS_M;
  if (low > r * (1 + 1e-9) && low < Number.POSITIVE_INFINITY && r >= 0) return true;
  const high = low + Math.abs(lon2 - lon1) * RAD * EARTH_RADIUS_M;
  if (high < r * (1 - 1e-9) && r > 0) return false;
  return haversineM(lat1, lon1, lat2, lon2) >= r;
}
