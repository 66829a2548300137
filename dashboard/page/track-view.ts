// A vehicle's track of the chosen range (GET /api/devices/:id/track: valid fixes, split at gaps, thinned on the server) on a map, with a replay: a time slider moving a marker along it, showing time and speed.
import L from 'leaflet';
import { byId } from './dom.js';
import { addBasemap, createMap, drawGeofences } from './map-base.js';

interface TrackFeature {
  geometry: { coordinates: Array<[number, number]> };
  properties: { start: string; end: string; times: string[] };
}
interface TrackBody {
  features: TrackFeature[];
}

/** One point of the replay: where, when, and the speed over the segments beside it (km/h). */
export interface ReplayPoint {
  lat: number;
  lon: number;
  at: number;
  speed: number | null;
}

const EARTH_M = 6_371_000;
function metres(a: ReplayPoint, b: ReplayPoint): number {
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h =
    Math.sin(dLat / 2) ** 2 +
    Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The track's points in time order; speed from the distance and time to the previous point (the next for a part's first). */
export function replayPoints(body: TrackBody): ReplayPoint[] {
  const out: ReplayPoint[] = [];
  for (const f of body.features) {
    const part: ReplayPoint[] = f.geometry.coordinates.map(([lon, lat], k) => ({
      lat,
      lon,
      at: Date.parse(f.properties.times[k] ?? f.properties.start),
      speed: null,
    }));
    const speedOf = (a: ReplayPoint | undefined, b: ReplayPoint | undefined): number | null => {
      if (!a || !b || b.at <= a.at) return null;
      return (metres(a, b) / ((b.at - a.at) / 1000)) * 3.6;
    };
    part.forEach((p, k) => {
      p.speed = k === 0 ? speedOf(p, part[1]) : speedOf(part[k - 1], p);
    });
    out.push(...part);
  }
  return out.sort((a, b) => a.at - b.at);
}

/** Replay steps per second while playing. */
const PLAY_STEPS_PER_S = 20;

export class TrackView {
  private readonly map: L.Map;
  private readonly lines: L.LayerGroup;
  private readonly marker: L.CircleMarker;
  private readonly slider = byId<HTMLInputElement>('replay-slider');
  private readonly play = byId<HTMLButtonElement>('replay-play');
  private readonly time = byId('replay-time');
  private readonly speed = byId('replay-speed');
  private readonly note = byId('track-note');
  private readonly replay = byId('replay');
  private points: ReplayPoint[] = [];
  private playing: number | undefined;
  private basemap = false;
  private loads = 0;

  constructor(private readonly deviceId: string) {
    this.map = createMap(byId('track-map'));
    this.lines = L.layerGroup().addTo(this.map);
    this.marker = L.circleMarker([0, 0], {
      radius: 7,
      color: '#ffffff',
      weight: 2,
      fillColor: '#dc2626',
      fillOpacity: 1,
      interactive: false,
    });
    this.slider.addEventListener('input', () => this.show(Number(this.slider.value)));
    this.play.addEventListener('click', () => this.toggle());
    void drawGeofences(this.map);
  }

  setBasemap(tileUrl: string | null): void {
    if (this.basemap) return;
    this.basemap = true;
    addBasemap(this.map, tileUrl);
  }

  /** The track of [from, to] (ms); a newer load wins over one still under way. */
  async load(from: number, to: number): Promise<void> {
    const mine = ++this.loads;
    const q = new URLSearchParams({
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
    });
    const res = await fetch(`/api/devices/${encodeURIComponent(this.deviceId)}/track?${q}`);
    if (mine !== this.loads) return;
    this.stopPlaying();
    this.lines.clearLayers();
    if (!res.ok) {
      this.points = [];
      this.note.textContent =
        res.status === 503
          ? 'Tracks are not available (no trip data).'
          : 'Could not load the track.';
      this.render();
      return;
    }
    const body = (await res.json()) as TrackBody;
    if (mine !== this.loads) return;
    for (const f of body.features) {
      L.polyline(
        f.geometry.coordinates.map(([lon, lat]) => [lat, lon] as [number, number]),
        { color: '#2563eb', weight: 3, opacity: 0.85, interactive: false },
      ).addTo(this.lines);
    }
    this.points = replayPoints(body);
    this.note.textContent = this.points.length === 0 ? 'No valid positions in this range.' : '';
    this.render();
    if (this.points.length > 0) {
      const bounds = L.latLngBounds(this.points.map((p) => [p.lat, p.lon] as [number, number]));
      this.map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
    }
  }

  private render(): void {
    const n = this.points.length;
    this.slider.max = String(Math.max(0, n - 1));
    this.slider.disabled = n === 0;
    this.play.disabled = n < 2;
    this.replay.dataset.points = String(n);
    if (n === 0) {
      this.marker.remove();
      this.time.textContent = '–';
      this.speed.textContent = '–';
      delete this.replay.dataset.lat;
      delete this.replay.dataset.lon;
      return;
    }
    this.marker.addTo(this.map);
    this.show(0);
  }

  /** Move the marker to point k. */
  private show(k: number): void {
    const p = this.points[Math.max(0, Math.min(this.points.length - 1, k))];
    if (!p) return;
    this.slider.value = String(k);
    this.marker.setLatLng([p.lat, p.lon]);
    this.time.textContent = new Date(p.at).toLocaleString([], { hour12: false });
    this.speed.textContent = p.speed === null ? '– km/h' : `${p.speed.toFixed(1)} km/h`;
    this.replay.dataset.index = String(k);
    this.replay.dataset.lat = String(p.lat);
    this.replay.dataset.lon = String(p.lon);
    this.replay.dataset.time = new Date(p.at).toISOString();
  }

  private toggle(): void {
    if (this.playing !== undefined) {
      this.stopPlaying();
      return;
    }
    if (Number(this.slider.value) >= this.points.length - 1) this.show(0);
    this.play.textContent = 'Pause';
    this.playing = window.setInterval(() => {
      const next = Number(this.slider.value) + 1;
      if (next >= this.points.length) {
        this.stopPlaying();
        return;
      }
      this.show(next);
    }, 1000 / PLAY_STEPS_PER_S);
  }

  private stopPlaying(): void {
    clearInterval(this.playing);
    this.playing = undefined;
    this.play.textContent = 'Play';
  }
}
