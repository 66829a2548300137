// The live map's canvas shapes: a vehicle (status circle with a heading line) and a grid cell (a pie of status counts with the count on it), both drawn by Leaflet's canvas renderer.
import L from 'leaflet';
import { MAP_STATUSES } from '../../core/map-wire.js';
import { STATUS_COLOURS } from './map-colours.js';

export const VEHICLE_RADIUS = 6;
/** The heading line reaches this far beyond the circle (px). */
const ARROW = 7;

export interface HeadingOptions extends L.CircleMarkerOptions {
  heading: number | null;
}

export interface CellOptions extends L.CircleMarkerOptions {
  /** Vehicles per status, in MAP_STATUSES order. */
  counts: [number, number, number];
}

/** Leaflet's internals these shapes draw with (Canvas renderer, CircleMarker). */
interface CanvasInternals<O> {
  _renderer: {
    _ctx: CanvasRenderingContext2D | undefined;
    _drawing: boolean;
    _updateCircle(layer: unknown): void;
  };
  _point: L.Point;
  _radius: number;
  _pxBounds: L.Bounds;
  _empty(): boolean;
  options: O;
}

type MarkerClass<O> = new (at: L.LatLngExpression, o: O) => L.CircleMarker;
const extend = <O>(props: object): MarkerClass<O> =>
  (L.CircleMarker as unknown as { extend(props: object): MarkerClass<O> }).extend(props);

/**
 * A circle marker that also draws its heading as a short line. Leaflet's Canvas renderer draws a
 * circle in `_updateCircle` (only while it redraws); this draws the line after it, and widens the
 * marker's pixel bounds so the renderer clears and redraws the line with it.
 */
let headingMarker: MarkerClass<HeadingOptions> | undefined;
/** Made on first use: pages without Leaflet's script (reports, sign-in) load this bundle too. */
export const HeadingMarker = (): MarkerClass<HeadingOptions> =>
  (headingMarker ??= extend<HeadingOptions>({
    _updateBounds(this: CanvasInternals<HeadingOptions>) {
      const r = this._radius + ARROW + 2;
      const p = this._point;
      this._pxBounds = L.bounds([p.x - r, p.y - r], [p.x + r, p.y + r]);
    },
    _updatePath(this: CanvasInternals<HeadingOptions>) {
      const renderer = this._renderer;
      renderer._updateCircle(this);
      const h = this.options.heading;
      const ctx = renderer._ctx;
      if (h === null || h === undefined || !ctx || !renderer._drawing || this._empty()) return;
      const a = (h * Math.PI) / 180;
      const p = this._point;
      const r0 = this._radius;
      const r1 = r0 + ARROW;
      ctx.beginPath();
      ctx.moveTo(p.x + Math.sin(a) * r0, p.y - Math.cos(a) * r0);
      ctx.lineTo(p.x + Math.sin(a) * r1, p.y - Math.cos(a) * r1);
      ctx.lineWidth = 2.5;
      ctx.strokeStyle = this.options.fillColor ?? '#1f2933';
      ctx.stroke();
    },
  }));

/** A cell's radius: grows with the log of its count (14 px for one, 26 px for 10,000). */
export const cellRadius = (count: number): number =>
  Math.round(14 + 3 * Math.log10(Math.max(1, count)));

/** 950, 1.2k, 12k. */
export const countLabel = (n: number): string =>
  n < 1000 ? String(n) : n < 10_000 ? `${(n / 1000).toFixed(1)}k` : `${Math.round(n / 1000)}k`;

let cellMarker: MarkerClass<CellOptions> | undefined;
/** A grid cell: a white rim, a pie of its status counts, a light centre with the count. */
export const CellMarker = (): MarkerClass<CellOptions> =>
  (cellMarker ??= extend<CellOptions>({
    _updateBounds(this: CanvasInternals<CellOptions>) {
      const r = this._radius + 3;
      const p = this._point;
      this._pxBounds = L.bounds([p.x - r, p.y - r], [p.x + r, p.y + r]);
    },
    _updatePath(this: CanvasInternals<CellOptions>) {
      const renderer = this._renderer;
      const ctx = renderer._ctx;
      if (!ctx || !renderer._drawing || this._empty()) return;
      const { x, y } = this._point;
      const r = this._radius;
      const counts = this.options.counts;
      const n = counts[0] + counts[1] + counts[2];
      ctx.beginPath();
      ctx.arc(x, y, r + 1.5, 0, 2 * Math.PI);
      ctx.fillStyle = '#ffffff';
      ctx.fill();
      let from = -Math.PI / 2;
      counts.forEach((c, i) => {
        if (c === 0 || n === 0) return;
        const to = from + (2 * Math.PI * c) / n;
        ctx.beginPath();
        ctx.moveTo(x, y);
        ctx.arc(x, y, r, from, to);
        ctx.closePath();
        ctx.fillStyle = STATUS_COLOURS[MAP_STATUSES[i] ?? 'offline'];
        ctx.fill();
        from = to;
      });
      ctx.beginPath();
      ctx.arc(x, y, r * 0.68, 0, 2 * Math.PI);
      ctx.fillStyle = 'rgba(255, 255, 255, 0.94)';
      ctx.fill();
      ctx.fillStyle = '#1f2933';
      ctx.font = '600 11px system-ui, sans-serif';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.fillText(countLabel(n), x, y);
    },
  }));
