// The quickest route between two places on the street grid (Dijkstra over crossings and the street a vehicle arrives on), as a polyline with its junctions.
import { distanceM, type Point } from './local-frame.js';
import {
  type Axis,
  type JunctionRule,
  type Place,
  ROAD_CLASSES,
  type RoadClass,
  type StreetGrid,
} from './street-grid.js';

/** One crossing on the route: where it is along the route and how it treats the vehicle. */
export interface RouteJunction {
  /** Index into Route.points. */
  index: number;
  rule: JunctionRule;
}

export interface Route {
  /** From the start place through the crossings to the destination place. */
  points: Point[];
  /** Distance along the route to each point, metres (cum[0] = 0). */
  cum: number[];
  /** Road class of leg k (points[k] → points[k+1]). */
  legClass: RoadClass[];
  junctions: RouteJunction[];
  length: number;
}

const seconds = (metres: number, cls: RoadClass): number =>
  metres / (ROAD_CLASSES[cls].routeKmh / 3.6);

/** A binary min-heap of (cost, state) in typed arrays; stale entries are skipped on pop. */
class Heap {
  private costs = new Float64Array(1024);
  private states = new Int32Array(1024);
  size = 0;

  push(cost: number, state: number): void {
    if (this.size === this.costs.length) {
      const costs = new Float64Array(this.size * 2);
      costs.set(this.costs);
      const states = new Int32Array(this.size * 2);
      states.set(this.states);
      this.costs = costs;
      this.states = states;
    }
    const c = this.costs;
    const st = this.states;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if ((c[p] as number) <= cost) break;
      c[i] = c[p] as number;
      st[i] = st[p] as number;
      i = p;
    }
    c[i] = cost;
    st[i] = state;
  }

  /** Removes the cheapest entry; its cost and state are in topCost / topState. */
  pop(): void {
    const c = this.costs;
    const st = this.states;
    this.topCost = c[0] as number;
    this.topState = st[0] as number;
    const n = --this.size;
    const cost = c[n] as number;
    const state = st[n] as number;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const m = r < n && (c[r] as number) < (c[l] as number) ? r : l;
      if ((c[m] as number) >= cost) break;
      c[i] = c[m] as number;
      st[i] = st[m] as number;
      i = m;
    }
    c[i] = cost;
    st[i] = state;
  }

  topCost = 0;
  topState = 0;
}

/**
 * Plans by expected travel time: legs at the planner's speed of their class, junctions at their
 * expected delay, turns only where the streets connect. A state is (crossing, axis arrived on),
 * 2 × 961 states on the default grid; A* with the straight line at the fastest road's speed
 * (never more than the real time) and the grid's tables make a plan a fraction of a millisecond.
 */
export function planRoute(grid: StreetGrid, from: Place, to: Place): Route {
  if (sameBlock(from, to)) return build(grid, from, to, []);
  const n = grid.nodeCount * 2;
  const cost = new Float64Array(n).fill(Number.POSITIVE_INFINITY);
  const prev = new Int32Array(n).fill(-1);
  const heap = new Heap();
  // A*: no route from a crossing is quicker than the straight line at the fastest road's speed.
  const { size, spacingM, half } = { ...grid.options, size: grid.size };
  const fastest = Math.max(...Object.values(ROAD_CLASSES).map((c) => c.routeKmh)) / 3.6;
  const h = (node: number): number => {
    const dx = (Math.floor(node / size) - half) * spacingM - to.point.x;
    const dy = ((node % size) - half) * spacingM - to.point.y;
    return Math.sqrt(dx * dx + dy * dy) / fastest;
  };
  const fromCls = grid.classAt(from.a, from.axis);
  for (const node of [from.a, from.b]) {
    const s = node * 2 + from.axis;
    cost[s] = seconds(distanceM(from.point, grid.point(node)), fromCls);
    heap.push((cost[s] as number) + h(node), s);
  }
  const { delays, legSeconds } = grid.tables;
  const toCls = grid.classAt(to.a, to.axis);
  /** The rest of the way from a crossing of the destination's block (Infinity: no turn there). */
  const finish = (s: number): number => {
    const node = s >> 1;
    const delay = delays[node * 4 + (s & 1) * 2 + to.axis] as number;
    return delay + seconds(distanceM(grid.point(node), to.point), toCls);
  };
  let best = -1;
  let bestCost = Number.POSITIVE_INFINITY;
  while (heap.size > 0) {
    heap.pop();
    const s = heap.topState;
    const node = s >> 1;
    const c = cost[s] as number;
    if (heap.topCost > c + h(node) + 1e-9) continue; // a stale entry
    if (heap.topCost >= bestCost) break; // every state left costs more than the best way found
    const axis = s & 1;
    if (node === to.a || node === to.b) {
      const total = c + finish(s);
      if (total < bestCost) {
        bestCost = total;
        best = s;
      }
    }
    for (let next = 0; next < 2; next++) {
      const delay = delays[node * 4 + axis * 2 + next] as number;
      if (delay === Number.POSITIVE_INFINITY) continue; // no turn here
      const base = c + delay + (legSeconds[node * 2 + next] as number);
      for (const m of grid.neighbourPair(node, next as Axis)) {
        if (m < 0) continue;
        const t = m * 2 + next;
        if (base < (cost[t] as number)) {
          cost[t] = base;
          prev[t] = s;
          heap.push(base + h(m), t);
        }
      }
    }
  }
  const states: number[] = [];
  for (let s = best; s !== -1; s = prev[s] as number) states.push(s);
  states.reverse();
  return build(grid, from, to, states);
}

function sameBlock(a: Place, b: Place): boolean {
  return a.axis === b.axis && ((a.a === b.a && a.b === b.b) || (a.a === b.b && a.b === b.a));
}

/** The polyline and junctions of a state path (crossing, axis arrived on). */
function build(grid: StreetGrid, from: Place, to: Place, states: readonly number[]): Route {
  const points: Point[] = [from.point];
  const legClass: RoadClass[] = [];
  const junctions: RouteJunction[] = [];
  let axis: Axis = from.axis;
  for (let k = 0; k < states.length; k++) {
    const s = states[k] as number;
    const node = s >> 1;
    legClass.push(grid.classAt(node, s & 1 ? 1 : 0));
    points.push(grid.point(node));
    const next = states[k + 1];
    const leave: Axis = next === undefined ? to.axis : next & 1 ? 1 : 0;
    axis = (s & 1) as Axis;
    junctions.push({ index: points.length - 1, rule: grid.junction(node, axis, leave) });
  }
  legClass.push(grid.classAt(to.a, to.axis));
  points.push(to.point);
  const cum = [0];
  for (let k = 1; k < points.length; k++) {
    cum.push((cum[k - 1] as number) + distanceM(points[k - 1] as Point, points[k] as Point));
  }
  return { points, cum, legClass, junctions, length: cum[cum.length - 1] as number };
}
