// The simulated city: a square street grid around SIM_CENTER with a ring road and two cross-town expressways, its junctions and its parking places.
import type { Random } from '../rng.js';
import type { Point } from './local-frame.js';

export type RoadClass = 'highway' | 'main' | 'residential';

/**
 * Speeds by road class: `kmh` is what a driver of average habits cruises at (a driver's own
 * factor, 0.9–1.12, scales it), `routeKmh` what the route planner assumes. The highways are
 * urban motorways (ring and expressways) where traffic runs at 100–130 km/h: above the built-in
 * overspeed limit of 110 km/h often enough for the demo's first alarm within minutes.
 */
export const ROAD_CLASSES: Record<RoadClass, { kmh: number; routeKmh: number }> = {
  highway: { kmh: 115, routeKmh: 105 },
  main: { kmh: 50, routeKmh: 45 },
  residential: { kmh: 30, routeKmh: 27 },
};

/** 0: a street running east-west (constant y), 1: one running north-south (constant x). */
export type Axis = 0 | 1;

/** How a junction treats a vehicle passing it. */
export interface JunctionRule {
  /** Chance that it has to stop (a red light, a stop sign, crossing traffic). */
  stopChance: number;
  /** Waiting time at a stop, seconds. */
  waitS: readonly [number, number];
  /** Speed to pass at when it does not stop (km/h); undefined: no need to slow. */
  passKmh: number | undefined;
  /** What the route planner expects it to cost, seconds. */
  expectedDelayS: number;
  /** Radius of the curve when turning here, metres (the speed to pass at suits it). */
  turnRadiusM: number;
}

const NONE: JunctionRule = {
  stopChance: 0,
  waitS: [0, 0],
  passKmh: undefined,
  expectedDelayS: 0,
  turnRadiusM: 12,
};
const LIGHT: JunctionRule = { ...NONE, stopChance: 0.45, waitS: [5, 45], expectedDelayS: 16 };
const STOP_SIGN: JunctionRule = { ...NONE, stopChance: 1, waitS: [1, 4], expectedDelayS: 8 };
const YIELD: JunctionRule = {
  ...NONE,
  stopChance: 0.15,
  waitS: [1, 4],
  passKmh: 25,
  expectedDelayS: 3,
};

/** A parking place: the middle of a block of a street that is not a highway. */
export interface Place {
  point: Point;
  /** The block's end nodes and the street's axis. */
  a: number;
  b: number;
  axis: Axis;
  kind: 'home' | 'work' | 'visit' | 'fuel';
}

export interface GridOptions {
  /** Lines from the centre to the ring in each direction (the ring is line ±half). */
  half: number;
  /** Metres between parallel streets. */
  spacingM: number;
  /** Every n-th street is a main road. */
  mainEvery: number;
}

/** 31 × 31 streets 200 m apart: 6 km across, ring at ±3 km, main roads every kilometre. */
export const DEFAULT_GRID: GridOptions = { half: 15, spacingM: 200, mainEvery: 5 };

/**
 * Nodes are the crossings (i, j) of north-south street i and east-west street j, i and j in
 * −half..half. Streets ±half are the ring, streets 0 the expressways; they connect to each other
 * and to main roads by ramps and cross residential streets on bridges (no junction).
 */
export class StreetGrid {
  readonly size: number;
  readonly fuelStations: readonly Place[];
  /**
   * For the route planner, per node: delays[node·4 + from·2 + to] the expected delay of passing
   * it (Infinity: no turn there), legSeconds[node·2 + axis] the time to drive one block of that
   * street at the planner's speed.
   */
  readonly tables: { delays: Float64Array; legSeconds: Float64Array };

  constructor(readonly options: GridOptions = DEFAULT_GRID) {
    this.size = 2 * options.half + 1;
    const h = options.half;
    const m = options.mainEvery;
    // A few stations on main roads, spread over the city; fixed, so every vehicle knows them.
    this.fuelStations = [
      [-2 * m, 3, 1],
      [2 * m, -7, 1],
      [-7, m, 0],
      [8, -m, 0],
      [m, h - 4, 1],
      [-3, -2 * m, 0],
    ].map(([i, j, axis]) => this.placeAt(i as number, j as number, axis as Axis, 'fuel'));
    this.tables = this.planningTables();
  }

  private planningTables(): { delays: Float64Array; legSeconds: Float64Array } {
    const n = this.nodeCount;
    const delays = new Float64Array(n * 4);
    const legSeconds = new Float64Array(n * 2);
    for (let node = 0; node < n; node++) {
      for (const from of [0, 1] as const) {
        legSeconds[node * 2 + from] =
          this.options.spacingM / (ROAD_CLASSES[this.classAt(node, from)].routeKmh / 3.6);
        for (const to of [0, 1] as const) {
          delays[node * 4 + from * 2 + to] =
            from !== to && !this.connects(node)
              ? Number.POSITIVE_INFINITY
              : this.junction(node, from, to).expectedDelayS;
        }
      }
    }
    return { delays, legSeconds };
  }

  get nodeCount(): number {
    return this.size * this.size;
  }

  node(i: number, j: number): number {
    const h = this.options.half;
    return (i + h) * this.size + (j + h);
  }

  /** Street indices of a node: i (its north-south street), j (its east-west street). */
  indices(node: number): [number, number] {
    const h = this.options.half;
    return [Math.floor(node / this.size) - h, (node % this.size) - h];
  }

  point(node: number): Point {
    const [i, j] = this.indices(node);
    return { x: i * this.options.spacingM, y: j * this.options.spacingM };
  }

  lineClass(index: number): RoadClass {
    const { half, mainEvery } = this.options;
    if (index === 0 || Math.abs(index) === half) return 'highway';
    return index % mainEvery === 0 ? 'main' : 'residential';
  }

  /** The class of the street of `axis` through `node`. */
  classAt(node: number, axis: Axis): RoadClass {
    const [i, j] = this.indices(node);
    return this.lineClass(axis === 0 ? j : i);
  }

  /** Can a vehicle change streets here? Not where a highway bridges a residential street. */
  connects(node: number): boolean {
    const a = this.classAt(node, 0);
    const b = this.classAt(node, 1);
    if (a !== 'highway' && b !== 'highway') return true;
    return a !== 'residential' && b !== 'residential';
  }

  /** The nodes next to `node` along the street of `axis`. */
  neighbours(node: number, axis: Axis): number[] {
    const [i, j] = this.indices(node);
    const h = this.options.half;
    const out: number[] = [];
    for (const d of [-1, 1]) {
      const ni = axis === 1 ? i : i + d;
      const nj = axis === 1 ? j + d : j;
      if (Math.abs(ni) <= h && Math.abs(nj) <= h) out.push(this.node(ni, nj));
    }
    return out;
  }

  /** The two nodes next to `node` along `axis` (−1 past the edge of the grid), without allocating. */
  neighbourPair(node: number, axis: Axis): [number, number] {
    const pair = this.pair;
    const size = this.size;
    if (axis === 0) {
      // East-west: i changes, i.e. the node id moves by `size`.
      pair[0] = node >= size ? node - size : -1;
      pair[1] = node + size < size * size ? node + size : -1;
    } else {
      const j = node % size;
      pair[0] = j > 0 ? node - 1 : -1;
      pair[1] = j < size - 1 ? node + 1 : -1;
    }
    return pair;
  }

  private readonly pair: [number, number] = [-1, -1];

  /** What passing `node` costs a vehicle arriving along `from` and leaving along `to`. */
  junction(node: number, from: Axis, to: Axis): JunctionRule {
    const on = this.classAt(node, from);
    const cross = this.classAt(node, from === 0 ? 1 : 0);
    const turning = from !== to;
    if (on === 'highway' || cross === 'highway') {
      if (!turning) return NONE; // through an interchange or under a bridge
      if (on === 'highway' && cross === 'highway') {
        return { ...NONE, passKmh: 60, expectedDelayS: 4, turnRadiusM: 80 };
      }
      // A ramp between a highway and a main road, with a light at the main road's end.
      return {
        stopChance: 0.25,
        waitS: [5, 30],
        passKmh: 40,
        expectedDelayS: 10,
        turnRadiusM: 40,
      };
    }
    // A right-angle turn in town: a 12 m curve at about 20 km/h (lateral 2.6 m/s²).
    const turn = (rule: JunctionRule): JunctionRule =>
      turning ? { ...rule, passKmh: 20, expectedDelayS: rule.expectedDelayS + 6 } : rule;
    if (on === 'main' && cross === 'main') return turn(LIGHT);
    if (on === 'residential' && cross === 'main') return turn(STOP_SIGN);
    if (on === 'main') return turn(NONE);
    return turn(YIELD);
  }

  /** The middle of the block from crossing (i, j) one step along `axis`. */
  placeAt(i: number, j: number, axis: Axis, kind: Place['kind']): Place {
    const a = this.node(i, j);
    const b = axis === 0 ? this.node(i + 1, j) : this.node(i, j + 1);
    const pa = this.point(a);
    const pb = this.point(b);
    return { point: { x: (pa.x + pb.x) / 2, y: (pa.y + pb.y) / 2 }, a, b, axis, kind };
  }

  /** A random place on a street that is not a highway. */
  randomPlace(random: Random, kind: Place['kind']): Place {
    const h = this.options.half;
    const pick = () => Math.floor(random.uniform(-h + 1, h - 1));
    for (;;) {
      const axis: Axis = random.next() < 0.5 ? 0 : 1;
      const i = pick();
      const j = pick();
      if (this.lineClass(axis === 0 ? j : i) !== 'highway') return this.placeAt(i, j, axis, kind);
    }
  }

  /**
   * A place on the town street nearest to `p` (not a highway: one cannot park there), at the
   * point of that street closest to `p`: where a vehicle found mid-route stops.
   */
  placeNear(p: Point, kind: Place['kind']): Place {
    const { half, spacingM } = this.options;
    const clampIdx = (v: number) => Math.max(-half + 1, Math.min(half - 2, Math.floor(v)));
    let best: Place | undefined;
    let bestD = Number.POSITIVE_INFINITY;
    for (const axis of [0, 1] as const) {
      // The street of this axis nearest to p, skipping highways, and the block along it.
      const across = axis === 0 ? p.y : p.x;
      const along = axis === 0 ? p.x : p.y;
      const near = Math.floor(across / spacingM);
      for (const line of [near - 1, near, near + 1, near + 2]) {
        if (Math.abs(line) >= half || this.lineClass(line) === 'highway') continue;
        const k = clampIdx(along / spacingM);
        const [i, j] = axis === 0 ? [k, line] : [line, k];
        const block = this.placeAt(i, j, axis, kind);
        const lo = k * spacingM;
        const t = Math.max(lo + 1, Math.min(lo + spacingM - 1, along));
        const point = axis === 0 ? { x: t, y: line * spacingM } : { x: line * spacingM, y: t };
        const d = Math.hypot(point.x - p.x, point.y - p.y);
        if (d < bestD) {
          bestD = d;
          best = { ...block, point };
        }
      }
    }
    return best ?? this.placeAt(1, 1, 0, kind);
  }

  /** The station nearest to `from` (straight-line distance: good enough to choose one). */
  nearestStation(from: Point): Place {
    let best = this.fuelStations[0] as Place;
    let bestD = Number.POSITIVE_INFINITY;
    for (const s of this.fuelStations) {
      const d = Math.hypot(s.point.x - from.x, s.point.y - from.y);
      if (d < bestD) {
        best = s;
        bestD = d;
      }
    }
    return best;
  }
}
