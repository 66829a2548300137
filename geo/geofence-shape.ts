// Geofence shapes (a circle or a GeoJSON Polygon with holes) and their validation: every hostile shape is refused with a reason.
import { findCrossing, ringArea } from './segments.js';

export interface CircleShape {
  type: 'circle';
  /** [lon, lat], degrees. */
  center: [number, number];
  radius_m: number;
}

/** RFC 7946 Polygon: the outer ring, then holes; each ring closed, [lon, lat] positions. */
export interface PolygonShape {
  type: 'Polygon';
  coordinates: [number, number][][];
}

export type GeofenceShape = CircleShape | PolygonShape;

export type ShapeCheck = { ok: true; shape: GeofenceShape } | { ok: false; reason: string };

/** A circle larger than this is a mistake (a region that size is a polygon). */
export const MAX_CIRCLE_RADIUS_M = 100_000;
/** Positions over all rings of one polygon. */
export const MAX_POLYGON_VERTICES = 10_000;

const fail = (reason: string): ShapeCheck => ({ ok: false, reason });

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Why a [lon, lat] position is unusable, or null. */
function positionProblem(p: unknown, where: string): string | null {
  if (!Array.isArray(p) || p.length < 2 || p.length > 3) {
    return `${where} is not a [lon, lat] position`;
  }
  for (const c of p) {
    if (typeof c !== 'number') return `${where} has a coordinate that is not a number`;
    if (!Number.isFinite(c)) return `${where} has a coordinate that is not finite`;
  }
  const [lon, lat] = p as number[];
  if ((lon as number) < -180 || (lon as number) > 180) return `${where}: longitude out of range`;
  if ((lat as number) < -90 || (lat as number) > 90) return `${where}: latitude out of range`;
  return null;
}

function checkCircle(s: Record<string, unknown>): ShapeCheck {
  const c = s.center;
  const problem = positionProblem(c, 'center');
  if (problem) return fail(problem);
  if (Array.isArray(c) && c.length !== 2) return fail('center is not a [lon, lat] position');
  const r = s.radius_m;
  if (typeof r !== 'number') return fail('radius_m is not a number');
  if (!Number.isFinite(r)) return fail('radius_m is not finite');
  if (r <= 0) return fail('radius_m must be greater than 0');
  if (r > MAX_CIRCLE_RADIUS_M) return fail(`radius_m is above ${MAX_CIRCLE_RADIUS_M} m`);
  const [lon, lat] = c as [number, number];
  return { ok: true, shape: { type: 'circle', center: [lon, lat], radius_m: r } };
}

/** The ring as 2-D positions without repeated consecutive ones, or why it cannot be. */
function readRing(ring: unknown, name: string): [number, number][] | string {
  if (!Array.isArray(ring)) return `${name} is not an array of positions`;
  if (ring.length < 4) return `${name} has fewer than 4 positions`;
  const out: [number, number][] = [];
  for (let i = 0; i < ring.length; i++) {
    const p: unknown = ring[i];
    const problem = positionProblem(p, `${name} position ${i}`);
    if (problem) return problem;
    const [lon, lat] = p as [number, number];
    const last = out[out.length - 1];
    if (last && Math.abs(lon - last[0]) > 180) {
      return `${name} crosses the antimeridian at position ${i} (split the zone in two)`;
    }
    if (!last || last[0] !== lon || last[1] !== lat) out.push([lon, lat]);
  }
  const first = ring[0] as number[];
  const end = ring[ring.length - 1] as number[];
  if (first[0] !== end[0] || first[1] !== end[1]) {
    return `${name} is not closed (its last position must equal its first)`;
  }
  if (out.length < 4) return `${name} has fewer than 3 distinct vertices`;
  if (ringArea(out) === 0) return `${name} has no area`;
  return out;
}

function checkPolygon(s: Record<string, unknown>): ShapeCheck {
  const rings = s.coordinates;
  if (!Array.isArray(rings) || rings.length === 0) {
    return fail('coordinates must be a non-empty array of rings');
  }
  let vertices = 0;
  for (const ring of rings) vertices += Array.isArray(ring) ? ring.length : 0;
  if (vertices > MAX_POLYGON_VERTICES) {
    return fail(`polygon has ${vertices} positions, more than ${MAX_POLYGON_VERTICES}`);
  }
  const clean: [number, number][][] = [];
  for (let i = 0; i < rings.length; i++) {
    const ring = readRing(rings[i], i === 0 ? 'outer ring' : `hole ${i}`);
    if (typeof ring === 'string') return fail(ring);
    clean.push(ring);
  }
  const crossing = findCrossing(clean);
  if (crossing) {
    const name = (i: number) => (i === 0 ? 'outer ring' : `hole ${i}`);
    const at = `near [${crossing.at[0]}, ${crossing.at[1]}]`;
    if (crossing.kind === 'budget') return fail('polygon is too complex to check');
    return fail(
      crossing.a === crossing.b
        ? `${name(crossing.a)} intersects itself ${at}`
        : `${name(crossing.a)} and ${name(crossing.b)} cross ${at}`,
    );
  }
  const outer = clean[0] as [number, number][];
  for (let i = 1; i < clean.length; i++) {
    const v = (clean[i] as [number, number][])[0] as [number, number];
    if (!inRing(outer, v[0], v[1])) return fail(`hole ${i} is outside the outer ring`);
    for (let j = 1; j < clean.length; j++) {
      const h = clean[j] as [number, number][];
      if (j !== i && inRing(h, v[0], v[1])) return fail(`hole ${i} lies inside hole ${j}`);
    }
  }
  return { ok: true, shape: { type: 'Polygon', coordinates: clean } };
}

/** Even-odd test of (x, y) against one closed ring. */
export function inRing(
  ring: readonly (readonly [number, number])[],
  x: number,
  y: number,
): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i] as [number, number];
    const [xj, yj] = ring[j] as [number, number];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** Checks a shape from outside (the API's body); on success the shape as it should be stored. */
export function validateShape(shape: unknown): ShapeCheck {
  if (!isObject(shape)) return fail('shape must be an object');
  if (shape.type === 'circle') return checkCircle(shape);
  if (shape.type === 'Polygon') return checkPolygon(shape);
  return fail('shape.type must be "circle" or "Polygon"');
}
