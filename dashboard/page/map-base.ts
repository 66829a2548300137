// The maps' common parts: a Leaflet map on the canvas renderer, its basemap (MAP_TILE_URL's tiles, or Natural Earth outlines shipped with the package), and the geofences.
import L from 'leaflet';
import type { GeofenceBody } from '../../core/geo-wire.js';
import { el } from './dom.js';

/** Served by the dashboard from world-atlas (dashboard/page-bundle.ts WORLD_OUTLINES_URL). */
const OUTLINES_URL = '/vendor/world-atlas/countries-50m.json';
const OSM_ATTRIBUTION =
  '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors';

export function createMap(container: HTMLElement): L.Map {
  const map = L.map(container, {
    preferCanvas: true,
    renderer: L.canvas({ padding: 0.2 }),
    worldCopyJump: true,
    zoomSnap: 0.5,
  });
  map.setView([50, 10], 4);
  // Leaflet's prefix links to leafletjs.com (no request); kept, as Leaflet asks.
  return map;
}

/**
 * `tileUrl` from the server's `hello` (MAP_TILE_URL); null: country outlines from this server,
 * so the page asks no other host for anything.
 */
export function addBasemap(map: L.Map, tileUrl: string | null): void {
  const container = map.getContainer();
  if (tileUrl !== null) {
    const osm = tileUrl.includes('openstreetmap.org');
    L.tileLayer(tileUrl, {
      maxZoom: 19,
      attribution: osm ? OSM_ATTRIBUTION : `Tiles: ${hostOf(tileUrl)}`,
    }).addTo(map);
    container.dataset.basemap = 'tiles';
    return;
  }
  container.dataset.basemap = 'outlines';
  container.classList.add('offline-basemap');
  void fetch(OUTLINES_URL).then(async (res) => {
    if (!res.ok) return;
    const lines = topologyLines((await res.json()) as Topology);
    L.geoJSON(lines, {
      interactive: false,
      style: { color: '#94a3b8', weight: 1, opacity: 0.9 },
    })
      .addTo(map)
      .bringToBack();
    map.attributionControl.addAttribution('Outlines: Natural Earth');
    container.dataset.basemapReady = 'true';
  });
}

const hostOf = (url: string): string => {
  const m = /^https?:\/\/([^/]+)/.exec(url);
  return (m?.[1] ?? 'tile server').replace(/[<>&"]/g, '');
};

interface Topology {
  transform?: { scale: [number, number]; translate: [number, number] };
  arcs: Array<Array<[number, number]>>;
}

/**
 * Every arc of a TopoJSON topology as one MultiLineString: each border and coastline once (the
 * outlines need no polygons). Quantized arcs are delta-encoded; the transform scales them back.
 */
export function topologyLines(topo: Topology): GeoJSON.Feature<GeoJSON.MultiLineString> {
  const t = topo.transform;
  const coordinates = topo.arcs.map((arc) => {
    let x = 0;
    let y = 0;
    return arc.map(([a, b]): [number, number] => {
      if (!t) return [a, b];
      x += a;
      y += b;
      return [x * t.scale[0] + t.translate[0], y * t.scale[1] + t.translate[1]];
    });
  });
  return { type: 'Feature', properties: {}, geometry: { type: 'MultiLineString', coordinates } };
}

/** The geofences (GET /api/geofences), names as text tooltips; returns how many were drawn. */
export async function drawGeofences(map: L.Map): Promise<number> {
  const res = await fetch('/api/geofences');
  if (!res.ok) return 0;
  const zones = (await res.json()) as GeofenceBody[];
  const layer = L.layerGroup().addTo(map);
  let drawn = 0;
  const style = { color: '#7c3aed', weight: 2, fillOpacity: 0.08, interactive: true };
  for (const zone of zones) {
    const shape = zone.shape as
      | { type: 'circle'; center: [number, number]; radius_m: number }
      | GeoJSON.Polygon;
    let drawnZone: L.Layer | undefined;
    if (shape.type === 'circle') {
      drawnZone = L.circle([shape.center[1], shape.center[0]], {
        ...style,
        radius: shape.radius_m,
      });
    } else if (shape.type === 'Polygon') {
      drawnZone = L.geoJSON(shape, { style });
    }
    if (!drawnZone) continue;
    const label =
      zone.speed_limit_kmh === undefined
        ? zone.name
        : `${zone.name} (≤ ${zone.speed_limit_kmh} km/h)`;
    drawnZone.bindTooltip(el('span', { text: label }));
    drawnZone.addTo(layer);
    drawn++;
  }
  map.getContainer().dataset.geofences = String(drawn);
  return drawn;
}
