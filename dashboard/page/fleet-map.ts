// The fleet overview's live map: every vehicle's newest usable fix as a canvas marker (status colour, heading arrow), updated in place from GET /api/devices/positions; a click opens the vehicle.
import L from 'leaflet';
import type { DeviceState, PositionsBody, VehiclePosition } from '../../core/dashboard-contract.js';
import { el } from './dom.js';
import { addBasemap, createMap, drawGeofences } from './map-base.js';
import { STATUS_COLOURS } from './map-colours.js';

/** Positions again this often (one request for the whole fleet, about 110 bytes a vehicle). */
const POLL_MS = 2000;
const RADIUS = 6;
/** The heading arrow reaches this far beyond the circle (px). */
const ARROW = 7;

interface HeadingOptions extends L.CircleMarkerOptions {
  heading: number | null;
}

/**
 * A circle marker that also draws its heading as a short line on the canvas renderer. Leaflet's
 * Canvas renderer draws a circle in `_updateCircle`; this draws the line after it, and widens the
 * marker's pixel bounds so the renderer clears and redraws the line with it.
 */
interface CanvasInternals {
  _renderer: { _ctx: CanvasRenderingContext2D; _updateCircle(layer: unknown): void };
  _point: L.Point;
  _radius: number;
  _pxBounds: L.Bounds;
  options: HeadingOptions;
}
type HeadingMarkerClass = new (at: L.LatLngExpression, o: HeadingOptions) => L.CircleMarker;
let headingMarker: HeadingMarkerClass | undefined;
/** Made on first use: pages without Leaflet's script (reports, sign-in) load this bundle too. */
const HeadingMarker = (): HeadingMarkerClass =>
  (headingMarker ??= (
    L.CircleMarker as unknown as { extend(props: object): HeadingMarkerClass }
  ).extend({
    _updateBounds(this: CanvasInternals) {
      const r = this._radius + ARROW + 2;
      const p = this._point;
      this._pxBounds = L.bounds([p.x - r, p.y - r], [p.x + r, p.y + r]);
    },
    _updatePath(this: CanvasInternals) {
      this._renderer._updateCircle(this);
      const h = this.options.heading;
      if (h === null || h === undefined) return;
      const ctx = this._renderer._ctx;
      if (!ctx) return;
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

interface Marker {
  layer: L.CircleMarker;
  position: VehiclePosition;
}

/** What tests and curious people can read from the page (`window.fleetMap`). */
export interface FleetMapProbe {
  map: L.Map;
  markers(): Array<{ id: string; lat: number; lon: number; status: DeviceState; colour: string }>;
  /** A vehicle's marker in page pixels (to click it). */
  point(id: string): { x: number; y: number } | null;
}

export class FleetMap {
  readonly map: L.Map;
  private readonly markers = new Map<string, Marker>();
  private fitted = false;
  private timer: number | undefined;
  private basemap = false;

  constructor(
    private readonly container: HTMLElement,
    private readonly open: (deviceId: string) => void,
  ) {
    this.map = createMap(container);
  }

  /** The tile template from `hello` (once: a reconnect says the same). */
  setBasemap(tileUrl: string | null): void {
    if (this.basemap) return;
    this.basemap = true;
    addBasemap(this.map, tileUrl);
  }

  start(): void {
    void drawGeofences(this.map);
    const poll = async (): Promise<void> => {
      try {
        const res = await fetch('/api/devices/positions');
        if (res.ok) this.apply((await res.json()) as PositionsBody);
      } finally {
        this.timer = window.setTimeout(() => void poll(), POLL_MS);
      }
    };
    void poll();
    const probe: FleetMapProbe = {
      map: this.map,
      markers: () =>
        [...this.markers.values()].map(({ position: p, layer }) => ({
          id: p.device_id,
          lat: p.lat,
          lon: p.lon,
          status: p.status,
          colour: layer.options.fillColor ?? '',
        })),
      point: (id) => {
        const m = this.markers.get(id);
        if (!m) return null;
        const pt = this.map.latLngToContainerPoint(m.layer.getLatLng());
        const box = this.container.getBoundingClientRect();
        return { x: box.left + pt.x, y: box.top + pt.y };
      },
    };
    (window as unknown as { fleetMap: FleetMapProbe }).fleetMap = probe;
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  /** The whole fleet's positions: markers move, recolour and turn in place; gone vehicles go. */
  apply(positions: PositionsBody): void {
    const seen = new Set<string>();
    for (const p of positions) {
      seen.add(p.device_id);
      const cur = this.markers.get(p.device_id);
      const colour = STATUS_COLOURS[p.status];
      if (!cur) {
        const layer = new (HeadingMarker())([p.lat, p.lon], {
          radius: RADIUS,
          color: '#ffffff',
          weight: 1.5,
          fillColor: colour,
          fillOpacity: 0.95,
          heading: p.heading,
        });
        layer.on('click', () => this.open(p.device_id));
        layer.bindTooltip(el('span', { text: p.device_id }), {
          direction: 'top',
          offset: [0, -RADIUS],
        });
        layer.addTo(this.map);
        this.markers.set(p.device_id, { layer, position: p });
        continue;
      }
      const before = cur.position;
      cur.position = p;
      if (before.lat !== p.lat || before.lon !== p.lon) cur.layer.setLatLng([p.lat, p.lon]);
      if (before.status !== p.status || before.heading !== p.heading) {
        (cur.layer.options as HeadingOptions).heading = p.heading;
        cur.layer.setStyle({ fillColor: colour });
      }
    }
    for (const [id, m] of this.markers) {
      if (seen.has(id)) continue;
      m.layer.remove();
      this.markers.delete(id);
    }
    if (!this.fitted && positions.length > 0) {
      this.fitted = true;
      const bounds = L.latLngBounds(positions.map((p) => [p.lat, p.lon] as [number, number]));
      this.map.fitBounds(bounds, { padding: [24, 24], maxZoom: 15 });
    }
    this.container.dataset.markers = String(this.markers.size);
    this.container.dataset.updatedAt = String(Date.now());
  }
}
