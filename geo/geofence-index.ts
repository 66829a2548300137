// Geofences compiled for fast point tests: bounding boxes first, then the circle or a banded even-odd polygon test; the speed limit at a point.
import { haversineM, metresPerDegree } from './distance.js';
import type { GeofenceShape } from './geofence-shape.js';

export type GeofenceId = string | number;

/** A geofence as the registry holds it (`shape` already validated by validateShape). */
export interface Geofence {
  id: GeofenceId;
  name: string;
  shape: GeofenceShape;
  speed_limit_kmh?: number | undefined;
}

/** One ring with its edges grouped in latitude bands, so a test reads only the edges near it. */
interface Ring {
  xs: Float64Array;
  ys: Float64Array;
  minY: number;
  bandH: number;
  bands: Int32Array[];
}

interface Zone {
  fence: Geofence;
  minLat: number;
  maxLat: number;
  minLon: number;
  maxLon: number;
  /** One of the two (both always present, so every zone has the same shape for the JIT). */
  circle: { lat: number; lon: number; r: number } | null;
  rings: Ring[] | null;
}

export interface ZoneIndex {
  readonly zones: readonly Zone[];
  readonly byId: ReadonlyMap<GeofenceId, Zone>;
  /** minLat, maxLat, minLon, maxLon of each zone in turn: the first, cheap test. */
  readonly boxes: Float64Array;
}

const EDGES_PER_BAND = 8;
const MAX_BANDS = 2048;

function compileRing(ring: readonly (readonly [number, number])[]): Ring {
  const n = ring.length;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  let minY = Number.POSITIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  ring.forEach(([x, y], i) => {
    xs[i] = x;
    ys[i] = y;
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  });
  const count = Math.max(1, Math.min(MAX_BANDS, Math.floor((n - 1) / EDGES_PER_BAND)));
  const bandH = (maxY - minY) / count || 1;
  const lists: number[][] = Array.from({ length: count }, () => []);
  for (let e = 0; e + 1 < n; e++) {
    const lo = Math.min(ys[e] as number, ys[e + 1] as number);
    const hi = Math.max(ys[e] as number, ys[e + 1] as number);
    const b0 = Math.max(0, Math.floor((lo - minY) / bandH));
    const b1 = Math.min(count - 1, Math.floor((hi - minY) / bandH));
    for (let b = b0; b <= b1; b++) (lists[b] as number[]).push(e);
  }
  return { xs, ys, minY, bandH, bands: lists.map((l) => Int32Array.from(l)) };
}

function compileZone(fence: Geofence): Zone {
  const s = fence.shape;
  if (s.type === 'circle') {
    const [lon, lat] = s.center;
    const k = metresPerDegree(lat);
    const dLat = s.radius_m / k.y;
    const dLon = Math.abs(lat) + dLat >= 90 ? 180 : s.radius_m / k.x;
    return {
      fence,
      minLat: lat - dLat,
      maxLat: lat + dLat,
      minLon: lon - dLon * 1.01,
      maxLon: lon + dLon * 1.01,
      circle: { lat, lon, r: s.radius_m },
      rings: null,
    };
  }
  const rings = s.coordinates.map(compileRing);
  const outer = s.coordinates[0] ?? [];
  const lons = outer.map((p) => p[0]);
  const lats = outer.map((p) => p[1]);
  return {
    fence,
    minLat: Math.min(...lats),
    maxLat: Math.max(...lats),
    minLon: Math.min(...lons),
    maxLon: Math.max(...lons),
    circle: null,
    rings,
  };
}

/** Builds the index once per change of the geofence list. */
export function compileZones(fences: readonly Geofence[]): ZoneIndex {
  const zones = fences.map(compileZone);
  const boxes = new Float64Array(zones.length * 4);
  zones.forEach((z, i) => {
    boxes.set([z.minLat, z.maxLat, z.minLon, z.maxLon], i * 4);
  });
  return { zones, byId: new Map(zones.map((z) => [z.fence.id, z])), boxes };
}

function ringContains(r: Ring, x: number, y: number): boolean {
  const b = Math.floor((y - r.minY) / r.bandH);
  const band = r.bands[Math.min(Math.max(b, 0), r.bands.length - 1)];
  if (!band) return false;
  let inside = false;
  for (const e of band) {
    const xi = r.xs[e] as number;
    const yi = r.ys[e] as number;
    const xj = r.xs[e + 1] as number;
    const yj = r.ys[e + 1] as number;
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function inBox(z: Zone, lat: number, lon: number, padLat = 0, padLon = 0): boolean {
  return (
    lat >= z.minLat - padLat &&
    lat <= z.maxLat + padLat &&
    lon >= z.minLon - padLon &&
    lon <= z.maxLon + padLon
  );
}

/** Is the point inside the zone (a hole is outside)? */
export function zoneContains(z: Zone, lat: number, lon: number): boolean {
  return inBox(z, lat, lon) && exactlyInside(z, lat, lon);
}

/** The test after the box: distance to the centre, or even-odd over the rings. */
export function exactlyInside(z: Zone, lat: number, lon: number): boolean {
  if (z.circle) return haversineM(z.circle.lat, z.circle.lon, lat, lon) <= z.circle.r;
  let inside = false;
  for (const r of z.rings ?? []) if (ringContains(r, lon, lat)) inside = !inside;
  return inside;
}

/** Distance in metres from a point (flat projection at it) to the segment ab given in degrees. */
function segmentDistanceM(
  lat: number,
  lon: number,
  ax: number,
  ay: number,
  bx: number,
  by: number,
  kx: number,
  ky: number,
): number {
  const x1 = (ax - lon) * kx;
  const y1 = (ay - lat) * ky;
  const x2 = (bx - lon) * kx;
  const y2 = (by - lat) * ky;
  const dx = x2 - x1;
  const dy = y2 - y1;
  const l2 = dx * dx + dy * dy;
  const t = l2 === 0 ? 0 : Math.max(0, Math.min(1, -(x1 * dx + y1 * dy) / l2));
  return Math.hypot(x1 + t * dx, y1 + t * dy);
}

/** Is the point more than `marginM` outside the zone (not inside, and farther from its edge)? */
export function zoneOutsideBy(z: Zone, lat: number, lon: number, marginM: number): boolean {
  if (z.circle) return haversineM(z.circle.lat, z.circle.lon, lat, lon) > z.circle.r + marginM;
  const k = metresPerDegree(lat);
  const padLat = marginM / k.y;
  const padLon = k.x > 0 ? marginM / k.x : 360;
  if (!inBox(z, lat, lon, padLat, padLon)) return true;
  if (zoneContains(z, lat, lon)) return false;
  for (const r of z.rings ?? []) {
    const b0 = Math.max(0, Math.floor((lat - padLat - r.minY) / r.bandH));
    const b1 = Math.min(r.bands.length - 1, Math.floor((lat + padLat - r.minY) / r.bandH));
    for (let b = b0; b <= b1; b++) {
      for (const e of r.bands[b] ?? []) {
        const d = segmentDistanceM(
          lat,
          lon,
          r.xs[e] as number,
          r.ys[e] as number,
          r.xs[e + 1] as number,
          r.ys[e + 1] as number,
          k.x,
          k.y,
        );
        if (d <= marginM) return false;
      }
    }
  }
  return true;
}

/** Indexes of the zones whose box holds the point (a tight loop over one typed array). */
function boxed(index: ZoneIndex, lat: number, lon: number, visit: (z: Zone) => void): void {
  const b = index.boxes;
  for (let i = 0, o = 0; o < b.length; i++, o += 4) {
    if (lat < (b[o] as number) || lat > (b[o + 1] as number)) continue;
    if (lon < (b[o + 2] as number) || lon > (b[o + 3] as number)) continue;
    visit(index.zones[i] as Zone);
  }
}

/** Ids of the zones containing the point, in the index's order. */
export function zonesAt(index: ZoneIndex, lat: number, lon: number): GeofenceId[] {
  const out: GeofenceId[] = [];
  boxed(index, lat, lon, (z) => {
    if (exactlyInside(z, lat, lon)) out.push(z.fence.id);
  });
  return out;
}

/**
 * The speed limit at a point: the lowest `speed_limit_kmh` of the zones containing it (the safe
 * choice where zones overlap), else `fallback` (the vehicle's own limit).
 */
export function speedLimitAt(index: ZoneIndex, lat: number, lon: number, fallback: number): number {
  let limit = Number.POSITIVE_INFINITY;
  boxed(index, lat, lon, (z) => {
    const l = z.fence.speed_limit_kmh;
    if (l !== undefined && l < limit && exactlyInside(z, lat, lon)) limit = l;
  });
  return Number.isFinite(limit) ? limit : fallback;
}

/** Zones whose box holds the point: the candidates for an enter. */
export function zonesNear(index: ZoneIndex, lat: number, lon: number): Zone[] {
  const out: Zone[] = [];
  boxed(index, lat, lon, (z) => out.push(z));
  return out;
}
