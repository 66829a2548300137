// Planar segment geometry on [lon, lat] rings (RFC 7946 edges are straight in lon/lat): area and a sweep that finds any crossing.

type Pos = readonly [number, number];

/** Shoelace area of a closed ring in square degrees (positive counter-clockwise). */
export function ringArea(ring: readonly Pos[]): number {
  let a = 0;
  for (let i = 0; i + 1 < ring.length; i++) {
    const p = ring[i] as Pos;
    const q = ring[i + 1] as Pos;
    a += p[0] * q[1] - q[0] * p[1];
  }
  return a / 2;
}

function orient(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  const v = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
  return v > 0 ? 1 : v < 0 ? -1 : 0;
}

function onSegment(
  ax: number,
  ay: number,
  bx: number,
  by: number,
  px: number,
  py: number,
): boolean {
  return (
    Math.min(ax, bx) <= px &&
    px <= Math.max(ax, bx) &&
    Math.min(ay, by) <= py &&
    py <= Math.max(ay, by)
  );
}

/** Do segments ab and cd share any point (crossing, touching or overlapping)? */
export function segmentsMeet(
  ax: number,
  ay: number,
  bx: number,
  by: number,
  cx: number,
  cy: number,
  dx: number,
  dy: number,
): boolean {
  const o1 = orient(ax, ay, bx, by, cx, cy);
  const o2 = orient(ax, ay, bx, by, dx, dy);
  const o3 = orient(cx, cy, dx, dy, ax, ay);
  const o4 = orient(cx, cy, dx, dy, bx, by);
  if (o1 !== o2 && o3 !== o4) return true;
  return (
    (o1 === 0 && onSegment(ax, ay, bx, by, cx, cy)) ||
    (o2 === 0 && onSegment(ax, ay, bx, by, dx, dy)) ||
    (o3 === 0 && onSegment(cx, cy, dx, dy, ax, ay)) ||
    (o4 === 0 && onSegment(cx, cy, dx, dy, bx, by))
  );
}

export interface Crossing {
  kind: 'cross' | 'budget';
  /** Ring indexes of the two edges (equal: a ring meets itself). */
  a: number;
  b: number;
  /** A vertex of one of the edges, [lon, lat], to point the user at. */
  at: [number, number];
}

/**
 * Edge pairs the sweep may look at: past it the shape is refused. An ordinary 10,000-vertex
 * outline needs under 100,000; a star of 5,000 thin spikes needs tens of millions.
 */
export const CROSSING_WORK_BUDGET = 1_000_000;

/**
 * The first place where two edges of the rings meet other than at the vertex two neighbouring
 * edges share, or null. A sweep over edges sorted by their west end: only edges whose boxes
 * overlap are tested, so ordinary polygons cost about n log n; a pathological one that would need
 * more than CROSSING_WORK_BUDGET pairs is reported as `budget` (refused rather than checked for
 * seconds).
 */
export function findCrossing(
  rings: readonly (readonly Pos[])[],
  budget = CROSSING_WORK_BUDGET,
): Crossing | null {
  let m = 0;
  for (const r of rings) m += r.length - 1;
  const x1 = new Float64Array(m);
  const y1 = new Float64Array(m);
  const x2 = new Float64Array(m);
  const y2 = new Float64Array(m);
  const ringOf = new Int32Array(m);
  const idx = new Int32Array(m); // position of the edge in its ring
  const len = new Int32Array(m); // edges in its ring
  let e = 0;
  rings.forEach((ring, r) => {
    for (let k = 0; k + 1 < ring.length; k++, e++) {
      const p = ring[k] as Pos;
      const q = ring[k + 1] as Pos;
      x1[e] = p[0];
      y1[e] = p[1];
      x2[e] = q[0];
      y2[e] = q[1];
      ringOf[e] = r;
      idx[e] = k;
      len[e] = ring.length - 1;
    }
  });
  const minX = (i: number) => Math.min(x1[i] as number, x2[i] as number);
  const order = Array.from({ length: m }, (_, i) => i).sort((a, b) => minX(a) - minX(b));
  let active: number[] = [];
  let work = 0;
  for (const i of order) {
    const loX = minX(i);
    const loY = Math.min(y1[i] as number, y2[i] as number);
    const hiY = Math.max(y1[i] as number, y2[i] as number);
    const kept: number[] = [];
    for (const j of active) {
      if (Math.max(x1[j] as number, x2[j] as number) < loX) continue; // left behind for good
      kept.push(j);
      if (++work > budget) {
        return { kind: 'budget', a: 0, b: 0, at: [x1[i] as number, y1[i] as number] };
      }
      if (Math.max(y1[j] as number, y2[j] as number) < loY) continue;
      if (Math.min(y1[j] as number, y2[j] as number) > hiY) continue;
      if (meet(i, j)) {
        return {
          kind: 'cross',
          a: ringOf[j] as number,
          b: ringOf[i] as number,
          at: [x1[i] as number, y1[i] as number],
        };
      }
    }
    kept.push(i);
    active = kept;
  }
  return null;

  function meet(i: number, j: number): boolean {
    const [a, b] = (idx[i] as number) < (idx[j] as number) ? [i, j] : [j, i];
    const n = len[a] as number;
    const sameRing = ringOf[a] === ringOf[b];
    const ia = idx[a] as number;
    const ib = idx[b] as number;
    if (sameRing && n > 2 && (ib === ia + 1 || (ia === 0 && ib === n - 1))) {
      // Neighbours share one vertex: they may only meet there (no spike folding back on itself).
      const sx = ib === ia + 1 ? (x2[a] as number) : (x1[a] as number);
      const sy = ib === ia + 1 ? (y2[a] as number) : (y1[a] as number);
      const ux = ib === ia + 1 ? (x1[a] as number) : (x2[a] as number);
      const uy = ib === ia + 1 ? (y1[a] as number) : (y2[a] as number);
      const wx = ib === ia + 1 ? (x2[b] as number) : (x1[b] as number);
      const wy = ib === ia + 1 ? (y2[b] as number) : (y1[b] as number);
      if (orient(ux, uy, sx, sy, wx, wy) !== 0) return false;
      return (ux - sx) * (wx - sx) + (uy - sy) * (wy - sy) > 0;
    }
    return segmentsMeet(
      x1[a] as number,
      y1[a] as number,
      x2[a] as number,
      y2[a] as number,
      x1[b] as number,
      y1[b] as number,
      x2[b] as number,
      y2[b] as number,
    );
  }
}
