// A flat local frame around the simulator's centre: metres east/north to WGS 84 and back, bearings; ample for a city of a few kilometres.

/** Mean Earth radius (IUGG), the one haversine distances use. */
export const EARTH_RADIUS_M = 6_371_008.8;
const RAD = Math.PI / 180;

export interface LatLon {
  lat: number;
  lon: number;
}

/** A point in the local frame: metres east (x) and north (y) of the centre. */
export interface Point {
  x: number;
  y: number;
}

/**
 * Equirectangular projection about the centre. Within ±5 km of it a distance differs from the
 * great-circle one by less than 0.1 % (the cosine of the latitude changes that little), far
 * below GPS noise, so the model can move in metres and report degrees.
 */
export class LocalFrame {
  private readonly metresPerDegLat = EARTH_RADIUS_M * RAD;
  private readonly metresPerDegLon: number;

  constructor(readonly center: LatLon) {
    this.metresPerDegLon = this.metresPerDegLat * Math.cos(center.lat * RAD);
  }

  toLatLon(p: Point): LatLon {
    return {
      lat: this.center.lat + p.y / this.metresPerDegLat,
      lon: this.center.lon + p.x / this.metresPerDegLon,
    };
  }

  toPoint(g: LatLon): Point {
    return {
      x: (g.lon - this.center.lon) * this.metresPerDegLon,
      y: (g.lat - this.center.lat) * this.metresPerDegLat,
    };
  }
}

/** Degrees from north, clockwise, in [0, 360). */
export function bearingDeg(from: Point, to: Point): number {
  return normalizeDeg(Math.atan2(to.x - from.x, to.y - from.y) / RAD);
}

export function normalizeDeg(deg: number): number {
  const d = deg % 360;
  return d < 0 ? d + 360 : d;
}

export function distanceM(a: Point, b: Point): number {
  return Math.hypot(b.x - a.x, b.y - a.y);
}
