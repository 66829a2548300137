// The fleet overview's live map: sends its viewport (`map_view`, debounced) and draws what the server pushes (`map`): vehicles with status colour and heading (a click opens one), or grid cells with counts when many are in view (a click zooms in).
import type L from 'leaflet';
import type { DeviceState } from '../../core/dashboard-contract.js';
import {
  MAP_COORD_SCALE,
  MAP_MAX_ZOOM,
  MAP_STATUSES,
  MAP_VIEW_DEBOUNCE_MS,
  type MapCell,
  type MapUpdate,
  type MapVehicle,
  type MapViewRequest,
} from '../../core/map-wire.js';
import { el } from './dom.js';
import { addBasemap, createMap, drawGeofences } from './map-base.js';
import { STATUS_COLOURS } from './map-colours.js';
import {
  CellMarker,
  type CellOptions,
  cellRadius,
  HeadingMarker,
  type HeadingOptions,
  VEHICLE_RADIUS,
} from './map-layers.js';
import type { PageSocket } from './socket-link.js';

/** The view asked for reaches this fraction beyond the visible map (as the canvas renderer draws). */
const VIEW_PAD = 0.2;
/** A click on a cell zooms in this many levels around its centroid. */
const CELL_ZOOM_STEP = 2;

interface Drawn<T> {
  layer: L.CircleMarker;
  tuple: T;
}

/** What tests and curious people can read from the page (`window.fleetMap`). */
export interface FleetMapProbe {
  map: L.Map;
  /** What the map draws now: vehicles, or cells (aggregates). */
  mode(): MapUpdate['kind'];
  markers(): Array<{ id: string; lat: number; lon: number; status: DeviceState; colour: string }>;
  cells(): Array<{
    key: string;
    lat: number;
    lon: number;
    count: number;
    online: number;
    warning: number;
    offline: number;
  }>;
  /** A vehicle's marker, or a cell by key, in page pixels (to click it). */
  point(id: string): { x: number; y: number } | null;
  /** The viewport last sent to the server. */
  view(): MapViewRequest | undefined;
}

const deg = (v: number): number => v / MAP_COORD_SCALE;
const statusOf = (i: number): DeviceState => MAP_STATUSES[i] ?? 'offline';
const clamp = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(hi, v));

export class FleetMap {
  readonly map: L.Map;
  private readonly vehicles = new Map<string, Drawn<MapVehicle>>();
  private readonly cells = new Map<string, Drawn<MapCell>>();
  private kind: MapUpdate['kind'] = 'vehicles';
  private fitted = false;
  private basemap = false;
  private viewTimer: number | undefined;
  private sent: MapViewRequest | undefined;

  constructor(
    private readonly container: HTMLElement,
    private readonly socket: PageSocket,
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
    this.socket.on('map', (update) => this.apply(update));
    // moveend follows every pan and zoom (zoomend too); a burst of them sends one view.
    this.map.on('moveend', () => {
      clearTimeout(this.viewTimer);
      this.viewTimer = window.setTimeout(() => this.sendView(), MAP_VIEW_DEBOUNCE_MS);
    });
    (window as unknown as { fleetMap: FleetMapProbe }).fleetMap = this.probe();
  }

  /** The viewport now (on connect and reconnect: the server then starts this map afresh). */
  sendView(): void {
    clearTimeout(this.viewTimer);
    if (!this.socket.connected) return;
    const b = this.map.getBounds().pad(VIEW_PAD);
    const view: MapViewRequest = {
      bounds: [
        clamp(b.getSouth(), -90, 90),
        clamp(b.getWest(), -720, 720),
        clamp(b.getNorth(), -90, 90),
        clamp(b.getEast(), -720, 720),
      ],
      zoom: clamp(this.map.getZoom(), 0, MAP_MAX_ZOOM),
    };
    this.sent = view;
    this.socket.emit('map_view', view);
  }

  private clear(): void {
    for (const d of this.vehicles.values()) d.layer.remove();
    for (const d of this.cells.values()) d.layer.remove();
    this.vehicles.clear();
    this.cells.clear();
  }

  /** One `map` update: what changed in the view since the previous one. */
  apply(u: MapUpdate): void {
    if (u.reset || u.kind !== this.kind) this.clear();
    this.kind = u.kind;
    const drawn = u.kind === 'vehicles' ? this.vehicles : this.cells;
    for (const key of u.gone) {
      drawn.get(key)?.layer.remove();
      drawn.delete(key);
    }
    for (const v of u.vehicles ?? []) this.setVehicle(v);
    for (const c of u.cells ?? []) this.setCell(c);
    if (!this.fitted && u.extent) {
      this.fitted = true;
      const [s, w, n, e] = u.extent;
      this.map.fitBounds(
        [
          [s, w],
          [n, e],
        ],
        // Not animated: the view sent next is the fitted one (and a first view needs no motion).
        { padding: [24, 24], maxZoom: 15, animate: false },
      );
    }
    const data = this.container.dataset;
    data.mode = u.kind;
    data.zoom = String(u.zoom);
    data.markers = String(this.vehicles.size);
    data.cells = String(this.cells.size);
    data.total = String(u.total);
    data.updatedAt = String(Date.now());
  }

  private setVehicle(t: MapVehicle): void {
    const [id, lat, lon, heading, status] = t;
    const colour = STATUS_COLOURS[statusOf(status)];
    const cur = this.vehicles.get(id);
    if (!cur) {
      const layer = new (HeadingMarker())([deg(lat), deg(lon)], {
        radius: VEHICLE_RADIUS,
        color: '#ffffff',
        weight: 1.5,
        fillColor: colour,
        fillOpacity: 0.95,
        heading,
      });
      layer.on('click', () => this.open(id));
      layer.bindTooltip(el('span', { text: id }), {
        direction: 'top',
        offset: [0, -VEHICLE_RADIUS],
      });
      layer.addTo(this.map);
      this.vehicles.set(id, { layer, tuple: t });
      return;
    }
    const before = cur.tuple;
    cur.tuple = t;
    if (before[1] !== lat || before[2] !== lon) cur.layer.setLatLng([deg(lat), deg(lon)]);
    if (before[3] !== heading || before[4] !== status) {
      (cur.layer.options as HeadingOptions).heading = heading;
      cur.layer.setStyle({ fillColor: colour });
    }
  }

  private setCell(t: MapCell): void {
    const [key, lat, lon, count, online, warning, offline] = t;
    const tip = (): HTMLElement =>
      el('span', {
        text: `${count} vehicles: ${online} online, ${warning} warning, ${offline} offline`,
      });
    const cur = this.cells.get(key);
    if (!cur) {
      const layer = new (CellMarker())([deg(lat), deg(lon)], {
        radius: cellRadius(count),
        counts: [online, warning, offline],
      });
      layer.on('click', () =>
        this.map.setView(
          layer.getLatLng(),
          Math.min(this.map.getZoom() + CELL_ZOOM_STEP, this.map.getMaxZoom()),
        ),
      );
      layer.bindTooltip(tip(), { direction: 'top' });
      layer.addTo(this.map);
      this.cells.set(key, { layer, tuple: t });
      return;
    }
    cur.tuple = t;
    (cur.layer.options as CellOptions).counts = [online, warning, offline];
    cur.layer.setLatLng([deg(lat), deg(lon)]);
    cur.layer.setRadius(cellRadius(count));
    cur.layer.setTooltipContent(tip());
  }

  private probe(): FleetMapProbe {
    return {
      map: this.map,
      mode: () => this.kind,
      markers: () =>
        [...this.vehicles.values()].map(({ tuple: [id, lat, lon, , status], layer }) => ({
          id,
          lat: deg(lat),
          lon: deg(lon),
          status: statusOf(status),
          colour: layer.options.fillColor ?? '',
        })),
      cells: () =>
        [...this.cells.values()].map(({ tuple: [key, lat, lon, count, o, w, off] }) => ({
          key,
          lat: deg(lat),
          lon: deg(lon),
          count,
          online: o,
          warning: w,
          offline: off,
        })),
      point: (id) => {
        const d = this.vehicles.get(id) ?? this.cells.get(id);
        if (!d) return null;
        const pt = this.map.latLngToContainerPoint(d.layer.getLatLng());
        const box = this.container.getBoundingClientRect();
        return { x: box.left + pt.x, y: box.top + pt.y };
      },
      view: () => this.sent,
    };
  }
}
