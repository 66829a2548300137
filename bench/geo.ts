// Geo micro-benchmarks (run alone: node --import tsx bench/geo.ts): track thinning of 30 days at 1 Hz, tracker throughput, 100-zone point tests, polygon validation, late-data recomputation.
import { geoConfig } from '../geo/config.js';
import { destination } from '../geo/distance.js';
import { compileZones, type Geofence, zonesAt } from '../geo/geofence-index.js';
import { validateShape } from '../geo/geofence-shape.js';
import { GeoLedger } from '../geo/ledger.js';
import type { GeoSample } from '../geo/sample.js';
import { trackGeoJson } from '../geo/track.js';
import { VehicleTracker } from '../geo/tracker.js';
import { median, round } from './stats.js';

const T0 = Date.parse('2026-03-02T00:00:00Z');

/** Median CPU milliseconds of `runs` calls (CPU, not wall: the machine may be shared). */
function timeIt(runs: number, f: () => void): number {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c = process.cpuUsage();
    f();
    const d = process.cpuUsage(c);
    ms.push((d.user + d.system) / 1000);
  }
  return median(ms);
}

/** A vehicle driving a wandering 1 Hz route: n samples, parked 10 min every hour. */
function drive(n: number): GeoSample[] {
  const out: GeoSample[] = [];
  let lat = 52.52;
  let lon = 13.405;
  let heading = 90;
  for (let i = 0; i < n; i++) {
    const parked = i % 3600 >= 3000;
    const speed = parked ? 0 : 40 + 20 * Math.sin(i / 300);
    heading = (heading + (parked ? 0 : 3 * Math.sin(i / 40)) + 360) % 360;
    const p = destination(lat, lon, heading, speed / 3.6);
    lat = p.lat;
    lon = p.lon;
    out.push({ time: T0 + i * 1000, seq: i, lat, lon, speed, heading, ignition: !parked });
  }
  return out;
}

function zones(n: number): Geofence[] {
  const out: Geofence[] = [];
  for (let i = 0; i < n; i++) {
    const c = destination(52.52, 13.405, (i * 37) % 360, 500 + i * 150);
    if (i % 2) {
      out.push({
        id: i,
        name: `z${i}`,
        shape: { type: 'circle', center: [c.lon, c.lat], radius_m: 300 },
      });
      continue;
    }
    const ring: [number, number][] = [];
    for (let k = 0; k < 50; k++) {
      const p = destination(c.lat, c.lon, (k * 360) / 50, 250 + 100 * (k % 2));
      ring.push([p.lon, p.lat]);
    }
    ring.push(ring[0] as [number, number]);
    out.push({
      id: i,
      name: `z${i}`,
      shape: { type: 'Polygon', coordinates: [ring] },
      speed_limit_kmh: 30,
    });
  }
  return out;
}

const report: Record<string, number> = {};

// 1. /track: 30 days at 1 Hz into 2,000 points.
{
  const n = 30 * 86_400;
  const time = new Float64Array(n);
  const lat = new Float64Array(n);
  const lon = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    time[i] = T0 + i * 1000 + (i % 86_400 === 0 ? 4_000_000 : 0);
    lat[i] = i % 100_000 === 5 ? Number.NaN : 52.5 + 0.05 * Math.sin(i / 5000);
    lon[i] = 13.4 + 0.05 * Math.cos(i / 7000);
  }
  report.track_2_6M_fixes_ms = timeIt(7, () =>
    trackGeoJson({ time, lat, lon }, { maxPoints: 2000, maxGapMs: 3_600_000 }),
  );
}

// 2. Tracker: one day at 1 Hz against 100 zones.
const day = drive(86_400);
const index = compileZones(zones(100));
{
  const ms = timeIt(3, () => {
    const t = new VehicleTracker({ config: geoConfig(), zones: index });
    for (const s of day) t.push(s);
  });
  report.tracker_samples_per_s = (day.length / ms) * 1000;
  const none = timeIt(3, () => {
    const t = new VehicleTracker({ config: geoConfig(), zones: compileZones([]) });
    for (const s of day) t.push(s);
  });
  report.tracker_no_zones_samples_per_s = (day.length / none) * 1000;
}

// 3. Point in 100 zones (50 circles, 50 polygons of 50 vertices).
{
  let hits = 0;
  const ms = timeIt(5, () => {
    for (const s of day) hits += zonesAt(index, s.lat as number, s.lon as number).length;
  });
  report.zones_100_ns_per_point = (ms * 1e6) / day.length;
  report.zones_hits = hits / 5;
}

// 4. Validating a 10,000-vertex polygon.
{
  const ring: [number, number][] = [];
  for (let k = 0; k < 9_999; k++) {
    const a = (2 * Math.PI * k) / 9_999;
    const r = 0.1 * (1 + 0.3 * Math.sin(17 * a));
    ring.push([13 + r * Math.cos(a), 52 + r * Math.sin(a)]);
  }
  ring.push(ring[0] as [number, number]);
  report.validate_10k_vertices_ms = timeIt(5, () =>
    validateShape({ type: 'Polygon', coordinates: [ring] }),
  );
  const star = ring.map(([x, y], k): [number, number] =>
    k % 2 ? [13 + (x - 13) * 0.01, 52 + (y - 52) * 0.01] : [x, y],
  );
  star[star.length - 1] = star[0] as [number, number];
  report.validate_10k_star_ms = timeIt(3, () =>
    validateShape({ type: 'Polygon', coordinates: [star] }),
  );
}

// 5. A day's block arriving late after the next day (two days at 1 Hz, no checkpoint before).
{
  const two = drive(2 * 86_400);
  const late = two.filter((s) => s.time < T0 + 86_400_000);
  const rest = two.filter((s) => s.time >= T0 + 86_400_000);
  const ms: number[] = [];
  let replayed = 0;
  for (let r = 0; r < 3; r++) {
    const l = new GeoLedger({ config: geoConfig(), zones: index });
    l.ingest(rest);
    const c = process.cpuUsage();
    l.ingest(late);
    const d = process.cpuUsage(c);
    ms.push((d.user + d.system) / 1000);
    replayed = l.replayed;
  }
  report.late_day_recompute_ms = median(ms);
  report.late_day_replayed_samples = replayed;
}

console.log('CPU time (process.cpuUsage), median of repeated runs');
for (const [k, v] of Object.entries(report)) console.log(`${k.padEnd(34)} ${round(v)}`);
