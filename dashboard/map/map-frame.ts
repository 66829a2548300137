// What one client's live map shows at one moment (its vehicles, or grid-cell aggregates above MAP_MARKERS_MAX), and the change from the previous one as a `map` update; pure.
import {
  MAP_CELL_PX,
  MAP_COORD_SCALE,
  MAP_MARKERS_MAX,
  type MapCell,
  type MapUpdate,
  type MapVehicle,
  type MapViewRequest,
} from '../../core/map-wire.js';
import { fromPx, toPx } from '../../geo/web-mercator.js';
import type { LiveRow } from '../device-board.js';

export interface FrameOptions {
  /** More vehicles than this in the view: cells. */
  markersMax: number;
  /** A cell's side in screen pixels. */
  cellPx: number;
}

export const DEFAULT_FRAME_OPTIONS: FrameOptions = {
  markersMax: MAP_MARKERS_MAX,
  cellPx: MAP_CELL_PX,
};

type Tuple = MapVehicle | MapCell;

export interface Frame {
  kind: MapUpdate['kind'];
  zoom: number;
  /** By device id (vehicles) or cell key (cells). */
  items: Map<string, Tuple>;
  /** Vehicles in the view. */
  total: number;
  /** Every visible vehicle's fix, in or out of the view. */
  extent: [number, number, number, number] | null;
}

const STATUS_INDEX = { online: 0, warning: 1, offline: 2 } as const;
const coord = (deg: number): number => Math.round(deg * MAP_COORD_SCALE);

/**
 * The longitude to draw `lon` at inside [west, east] (shifted by whole turns when the view crosses
 * the antimeridian), or undefined when it is outside.
 */
export function lonInView(lon: number, west: number, east: number): number | undefined {
  if (east - west >= 360) return lon;
  const shifted = lon + 360 * Math.ceil((west - lon) / 360);
  return shifted <= east ? shifted : undefined;
}

/** The frame of a view: `rows` is the live board's, `canSee` the client's access. */
export function buildFrame(
  rows: readonly LiveRow[],
  view: MapViewRequest,
  canSee: (deviceId: string) => boolean,
  options: FrameOptions = DEFAULT_FRAME_OPTIONS,
): Frame {
  const [south, west, north, east] = view.bounds;
  const inView: LiveRow[] = [];
  const lons: number[] = [];
  let extent: [number, number, number, number] | null = null;
  for (const row of rows) {
    const fix = row.fleet.fix;
    if (!fix || !canSee(row.deviceId)) continue;
    if (extent === null) extent = [fix.lat, fix.lon, fix.lat, fix.lon];
    else {
      if (fix.lat < extent[0]) extent[0] = fix.lat;
      if (fix.lon < extent[1]) extent[1] = fix.lon;
      if (fix.lat > extent[2]) extent[2] = fix.lat;
      if (fix.lon > extent[3]) extent[3] = fix.lon;
    }
    if (fix.lat < south || fix.lat > north) continue;
    const lon = lonInView(fix.lon, west, east);
    if (lon === undefined) continue;
    inView.push(row);
    lons.push(lon);
  }
  const items = new Map<string, Tuple>();
  const base = { zoom: view.zoom, items, total: inView.length, extent };
  if (inView.length <= options.markersMax) {
    inView.forEach((row, i) => {
      const fix = row.fleet.fix as NonNullable<LiveRow['fleet']['fix']>;
      const heading = fix.heading === null ? null : Math.round(fix.heading) % 360;
      items.set(row.deviceId, [
        row.deviceId,
        coord(fix.lat),
        coord(lons[i] as number),
        heading,
        STATUS_INDEX[row.status],
      ]);
    });
    return { kind: 'vehicles', ...base };
  }
  cellsOf(inView, lons, view.zoom, options.cellPx, items);
  return { kind: 'cells', ...base };
}

interface Sum {
  x: number;
  y: number;
  counts: [number, number, number];
}

/** Vehicles summed per square of `cellPx` screen pixels; each centroid rounded to a pixel. */
function cellsOf(
  rows: readonly LiveRow[],
  lons: readonly number[],
  zoom: number,
  cellPx: number,
  into: Map<string, Tuple>,
): void {
  const sums = new Map<string, Sum>();
  rows.forEach((row, i) => {
    const fix = row.fleet.fix as NonNullable<LiveRow['fleet']['fix']>;
    const p = toPx(fix.lat, lons[i] as number, zoom);
    const key = `${Math.floor(p.x / cellPx)}:${Math.floor(p.y / cellPx)}`;
    let sum = sums.get(key);
    if (!sum) {
      sum = { x: 0, y: 0, counts: [0, 0, 0] };
      sums.set(key, sum);
    }
    sum.x += p.x;
    sum.y += p.y;
    sum.counts[STATUS_INDEX[row.status]] += 1;
  });
  for (const [key, { x, y, counts }] of sums) {
    const n = counts[0] + counts[1] + counts[2];
    const at = fromPx(Math.round(x / n), Math.round(y / n), zoom);
    into.set(key, [key, coord(at.lat), coord(at.lon), n, counts[0], counts[1], counts[2]]);
  }
}

const same = (a: Tuple, b: Tuple): boolean => {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
};

/**
 * What to send after `prev` was the client's last frame: everything (reset) when there was none
 * or the kind or the cells' zoom changed, else what is new or different and what is gone;
 * undefined when nothing changed.
 */
export function diffFrames(prev: Frame | undefined, next: Frame): MapUpdate | undefined {
  const reset =
    prev === undefined ||
    prev.kind !== next.kind ||
    (next.kind === 'cells' && prev.zoom !== next.zoom);
  const changed: Tuple[] = [];
  const gone: string[] = [];
  if (reset) changed.push(...next.items.values());
  else {
    for (const [key, tuple] of next.items) {
      const before = prev.items.get(key);
      if (!before || !same(before, tuple)) changed.push(tuple);
    }
    for (const key of prev.items.keys()) if (!next.items.has(key)) gone.push(key);
    if (changed.length === 0 && gone.length === 0) return undefined;
  }
  const update: MapUpdate = { kind: next.kind, zoom: next.zoom, reset, gone, total: next.total };
  if (next.kind === 'vehicles') update.vehicles = changed as MapVehicle[];
  else update.cells = changed as MapCell[];
  return update;
}
