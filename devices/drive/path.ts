// A route as a drivable path: straight legs joined by circular curves where it turns, so position and heading follow from the distance driven.
import { bearingDeg, type Point } from './local-frame.js';
import type { Route } from './route-planner.js';
import type { RoadClass } from './street-grid.js';

interface Line {
  kind: 'line';
  start: number;
  length: number;
  from: Point;
  /** Unit direction. */
  dx: number;
  dy: number;
}

interface Arc {
  kind: 'arc';
  start: number;
  length: number;
  center: Point;
  radius: number;
  /** Angle of the start point about the centre (radians, from east, counter-clockwise). */
  angle0: number;
  /** +1: counter-clockwise (a left turn), −1: clockwise. */
  sign: 1 | -1;
}

type Piece = Line | Arc;

/** A stretch of the path with a speed cap, or a stop (from = to, vmaxMs = 0) with a wait. */
export interface Zone {
  from: number;
  to: number;
  vmaxMs: number;
  waitS: number;
  /** A leg's cruising speed (the follower adds its wobble to the one it is on). */
  leg: boolean;
}

/** Position and heading (degrees from north) at a distance along the path. */
export interface Pose {
  point: Point;
  heading: number;
}

/** How the path treats each junction of the route: a stop (wait > 0) and/or a speed to pass at. */
export interface JunctionPlan {
  waitS: number;
  passMs: number | undefined;
}

/** Metres before the crossing where a vehicle waits at a light or a stop sign. */
const STOP_LINE_M = 6;

export class Path {
  private cursor = 0;

  constructor(
    private readonly pieces: readonly Piece[],
    readonly zones: readonly Zone[],
    readonly length: number,
  ) {}

  /** Pose at distance s (non-decreasing between calls is fastest: a cursor walks forward). */
  pose(s: number): Pose {
    const pieces = this.pieces;
    if ((pieces[this.cursor] as Piece).start > s) this.cursor = 0;
    while (this.cursor < pieces.length - 1) {
      const p = pieces[this.cursor] as Piece;
      if (s <= p.start + p.length) break;
      this.cursor += 1;
    }
    const p = pieces[this.cursor] as Piece;
    const u = Math.min(Math.max(s - p.start, 0), p.length);
    if (p.kind === 'line') {
      return {
        point: { x: p.from.x + p.dx * u, y: p.from.y + p.dy * u },
        heading: bearingDeg({ x: 0, y: 0 }, { x: p.dx, y: p.dy }),
      };
    }
    const theta = p.angle0 + (p.sign * u) / p.radius;
    const tangent = { x: -Math.sin(theta) * p.sign, y: Math.cos(theta) * p.sign };
    return {
      point: {
        x: p.center.x + p.radius * Math.cos(theta),
        y: p.center.y + p.radius * Math.sin(theta),
      },
      heading: bearingDeg({ x: 0, y: 0 }, tangent),
    };
  }
}

/**
 * Builds the path of a route: a curve of the junction's radius wherever the route turns (at most
 * half of either leg), zones for each leg's cruising speed, each junction's passing speed (over
 * the curve when turning), its stop (just before the crossing) and the stop at the destination.
 */
export function buildPath(
  route: Route,
  plans: readonly JunctionPlan[],
  cruiseMs: (cls: RoadClass) => number,
): Path {
  const pieces: Piece[] = [];
  const zones: Zone[] = [];
  const pts = route.points;
  let s = 0;
  let cur: Point = pts[0] as Point;
  /** Where each junction's curve (or crossing) starts and ends along the path. */
  const turnAt = new Map<number, { from: number; to: number }>();
  const line = (to: Point) => {
    const len = Math.hypot(to.x - cur.x, to.y - cur.y);
    if (len > 1e-9) {
      pieces.push({
        kind: 'line',
        start: s,
        length: len,
        from: cur,
        dx: (to.x - cur.x) / len,
        dy: (to.y - cur.y) / len,
      });
      s += len;
    }
    cur = to;
  };
  const legStarts: number[] = [0];
  const junctionByIndex = new Map(route.junctions.map((j, k) => [j.index, k]));
  for (let k = 1; k < pts.length - 1; k++) {
    const prev = pts[k - 1] as Point;
    const p = pts[k] as Point;
    const next = pts[k + 1] as Point;
    const din = unit(prev, p);
    const dout = unit(p, next);
    const cross = din.x * dout.y - din.y * dout.x;
    const jk = junctionByIndex.get(k);
    const rule = jk === undefined ? undefined : route.junctions[jk]?.rule;
    if (Math.abs(cross) < 1e-9 || !rule) {
      line(p);
      legStarts.push(s);
      turnAt.set(k, { from: s, to: s });
      continue;
    }
    const r = Math.min(
      rule.turnRadiusM,
      Math.hypot(p.x - prev.x, p.y - prev.y) / 2,
      Math.hypot(next.x - p.x, next.y - p.y) / 2,
    );
    const tin = { x: p.x - din.x * r, y: p.y - din.y * r };
    const center = { x: tin.x + dout.x * r, y: tin.y + dout.y * r };
    line(tin);
    const from = s;
    const length = (r * Math.PI) / 2;
    pieces.push({
      kind: 'arc',
      start: s,
      length,
      center,
      radius: r,
      angle0: Math.atan2(tin.y - center.y, tin.x - center.x),
      sign: cross > 0 ? 1 : -1,
    });
    s += length;
    cur = { x: p.x + dout.x * r, y: p.y + dout.y * r };
    legStarts.push(from + length / 2);
    turnAt.set(k, { from, to: s });
  }
  line(pts[pts.length - 1] as Point);
  legStarts.push(s);
  if (pieces.length === 0) {
    // From a place to itself: nothing to drive, but a pose to report.
    pieces.push({ kind: 'line', start: 0, length: 0, from: cur, dx: 0, dy: 1 });
  }
  for (let k = 0; k < route.legClass.length; k++) {
    const cls = route.legClass[k] as RoadClass;
    zones.push({
      from: legStarts[k] as number,
      to: legStarts[k + 1] as number,
      vmaxMs: cruiseMs(cls),
      waitS: 0,
      leg: true,
    });
  }
  route.junctions.forEach((j, k) => {
    const at = turnAt.get(j.index);
    const plan = plans[k];
    if (!at || !plan) return;
    if (plan.waitS > 0) {
      const stop = Math.max(0, at.from - STOP_LINE_M);
      zones.push({ from: stop, to: stop, vmaxMs: 0, waitS: plan.waitS, leg: false });
    }
    if (plan.passMs !== undefined) {
      zones.push({ from: at.from, to: at.to, vmaxMs: plan.passMs, waitS: 0, leg: false });
    }
  });
  zones.push({ from: s, to: s, vmaxMs: 0, waitS: 0, leg: false });
  zones.sort((a, b) => a.from - b.from || a.to - b.to);
  return new Path(pieces, zones, s);
}

function unit(a: Point, b: Point): Point {
  const len = Math.hypot(b.x - a.x, b.y - a.y);
  return { x: (b.x - a.x) / len, y: (b.y - a.y) / len };
}
