// The live map's Socket.IO payloads: the page's viewport (`map_view`) and the server's compact changes (`map`), with the aggregation constants both sides share.

/**
 * More vehicles than this in a view: the server sends grid-cell aggregates instead of vehicles.
 * 500 canvas markers moving every second stay well inside a frame's budget in Chromium, and 500
 * vehicle changes a second are about 20 KB/s on the wire (bench: `npm run bench -- --only map`).
 */
export const MAP_MARKERS_MAX = 500;
/** Aggregates: one cell per square of this many screen pixels at the view's zoom. */
export const MAP_CELL_PX = 64;
/** Coordinates travel as integers of 1e-5 degree (about a metre). */
export const MAP_COORD_SCALE = 1e5;
/** The status index of MapVehicle and the per-status counts of MapCell, in this order (DeviceState's values). */
export const MAP_STATUSES = ['online', 'warning', 'offline'] as const;
/** Zoom levels a view may ask for (Leaflet's range with tiles up to 19, and some slack). */
export const MAP_MAX_ZOOM = 24;
/** The page waits this long after the map stops moving before it sends its view. */
export const MAP_VIEW_DEBOUNCE_MS = 200;
/** The server sends each client at most one `map` per this period. */
export const MAP_SEND_PERIOD_MS = 1000;

/**
 * `map_view` (client → server): what the map shows. `bounds` [south, west, north, east] in degrees
 * (west may be below -180 or east above 180 where the view crosses the antimeridian); `zoom` as
 * Leaflet has it (fractional with zoomSnap 0.5). A new view replaces the previous one.
 */
export interface MapViewRequest {
  bounds: [number, number, number, number];
  zoom: number;
}

/**
 * One vehicle: [device_id, lat·1e5, lon·1e5, heading in whole degrees (null: not reported), status
 * index in MAP_STATUSES]. Its lon is shifted by ±360 into the view when the view crosses the
 * antimeridian.
 */
export type MapVehicle = [string, number, number, number | null, number];

/**
 * One grid cell: [key, centroid lat·1e5, centroid lon·1e5, vehicles, online, warning, offline].
 * The centroid is rounded to the nearest screen pixel at the view's zoom, so vehicles moving a few
 * metres do not resend it.
 */
export type MapCell = [string, number, number, number, number, number, number];

/**
 * `map` (server → client), at most once per MAP_SEND_PERIOD_MS per client and only when something
 * in its view changed: what is new or different since the previous `map` to that client, and the
 * keys gone. Only vehicles the user may see.
 */
export interface MapUpdate {
  /** `vehicles`: each vehicle of the view; `cells`: aggregates (more than MAP_MARKERS_MAX in view). */
  kind: 'vehicles' | 'cells';
  /** The zoom of the view it answers (a page that zoomed since waits for the next). */
  zoom: number;
  /** true: drop everything drawn so far first (first answer, or another kind or zoom of cells). */
  reset: boolean;
  /** kind `vehicles`: vehicles new to the view, or moved, turned or recoloured. */
  vehicles?: MapVehicle[];
  /** kind `cells`: cells new to the view, or whose counts or centroid changed. */
  cells?: MapCell[];
  /** Device ids (vehicles) or cell keys (cells) no longer in the view. */
  gone: string[];
  /** Vehicles in the view (the sum of the cells' counts). */
  total: number;
  /**
   * [south, west, north, east] of every vehicle the user may see, until the client has had one
   * (the page fits its first view to it); null: none has a fix yet.
   */
  extent?: [number, number, number, number] | null;
}
