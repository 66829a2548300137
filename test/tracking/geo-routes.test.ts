// The geo routes end to end: geofence CRUD (hostile shapes refused) reaching the collector, trips/stops/events/track/summary of tracks published through Mosquitto, CSV, the Socket.IO `event`.
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerToClientEvents } from '../../core/dashboard-contract.js';
import type { GeoEventBody } from '../../core/geo-wire.js';
import type { Dashboard } from '../../dashboard/dashboard.js';
import { geoConfig } from '../../geo/config.js';
import { haversineM } from '../../geo/distance.js';
import type { Stop, Trip } from '../../geo/records.js';
import { summarize } from '../../geo/report.js';
import { waitFor } from '../../harness/wait.js';
import { testDashboard } from '../dashboard/helpers.js';
import { rng, TrackBuilder, workingDay } from '../geo/tracks.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { send } from '../security/dashboard-http.js';
import { GeoPipeline, readingOf } from './geo-pipeline.js';

const DAY = 86_400_000;
const D0 = Math.floor(Date.now() / DAY) * DAY - 4 * DAY;
const TOKEN = 'geo-routes-test-token-0123456789';
const HOME = { lat: 52.52, lon: 13.405 };

let p: GeoPipeline;
let dashboard: Dashboard;
let base: string;
let socket: Socket<ServerToClientEvents>;
const received: GeoEventBody[] = [];

const json = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const post = (path: string, body: unknown, method = 'POST') =>
  send(base, path, {
    method,
    headers: json,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const get = async <T>(path: string): Promise<T> => {
  const res = await send(base, path);
  expect(res.status, `${path}: ${res.text.slice(0, 300)}`).toBe(200);
  return res.json as T;
};

beforeAll(async () => {
  p = await GeoPipeline.start(tempDir(), {
    DASHBOARD_API_TOKEN: TOKEN,
    DASHBOARD_RATE_LIMIT_PER_MIN: '100000',
  });
  dashboard = testDashboard(p.config);
  await dashboard.start();
  await dashboard.subscribed;
  base = `http://127.0.0.1:${dashboard.port}`;
  socket = io(base, { transports: ['websocket'] });
  socket.on('event', (e) => received.push(e));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
}, 90_000);

afterAll(async () => {
  socket?.close();
  await dashboard?.stop();
  await p?.stop();
  removeTempDirs();
});

const collectorZones = () => p.collector.totals().extensions.geofences?.geofences ?? 0;

describe('geofences', () => {
  it('CRUD with a bearer token; the collector follows every change', async () => {
    const home = await post('/api/geofences', {
      name: 'home',
      shape: { type: 'circle', center: [HOME.lon, HOME.lat], radius_m: 150 },
    });
    expect(home.status).toBe(201);
    const work = await post('/api/geofences', {
      name: 'work',
      shape: {
        type: 'Polygon',
        coordinates: [
          [
            [13.47, 52.51],
            [13.49, 52.51],
            [13.49, 52.535],
            [13.47, 52.535],
            [13.47, 52.51],
          ],
        ],
      },
      speed_limit_kmh: 30,
    });
    expect(work.status).toBe(201);
    const scratch = (
      await post('/api/geofences', {
        name: 'scratch',
        shape: { type: 'circle', center: [0, 0], radius_m: 10 },
      })
    ).json as { id: number };
    const renamed = await post(
      `/api/geofences/${scratch.id}`,
      { name: 'scratch 2', shape: { type: 'circle', center: [1, 1], radius_m: 20 } },
      'PUT',
    );
    expect(renamed.json).toEqual({
      id: scratch.id,
      name: 'scratch 2',
      shape: { type: 'circle', center: [1, 1], radius_m: 20 },
    });
    expect(
      (
        await post('/api/geofences', {
          name: 'home',
          shape: { type: 'circle', center: [0, 0], radius_m: 5 },
        })
      ).status,
    ).toBe(409);
    expect(
      (
        await send(base, '/api/geofences', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
    ).toBe(401);
    await waitFor(collectorZones, (n) => n === 3, { what: 'three zones at the collector' });
    expect(
      (await send(base, `/api/geofences/${scratch.id}`, { method: 'DELETE', headers: json }))
        .status,
    ).toBe(204);
    expect((await send(base, `/api/geofences/${scratch.id}`)).status).toBe(404);
    await waitFor(collectorZones, (n) => n === 2, { what: 'the deletion at the collector' });
    const list = await get<Array<{ name: string }>>('/api/geofences');
    expect(list.map((g) => g.name)).toEqual(['home', 'work']);
  });

  it('hostile shapes get a 400 with the reason', async () => {
    const refused = async (shape: unknown, reason: RegExp) => {
      const res = await post('/api/geofences', { name: 'bad', shape });
      expect(res.status, res.text).toBe(400);
      expect((res.json as { message: string }).message).toMatch(reason);
    };
    await refused(
      {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [4, 4],
            [4, 0],
            [0, 1],
            [0, 0],
          ],
        ],
      },
      /intersects itself/,
    );
    const ring = Array.from({ length: 10_001 }, (_, i) => {
      const a = (i / 10_000) * 2 * Math.PI;
      return [13 + Math.cos(a) * 0.1, 52 + Math.sin(a) * 0.1];
    });
    ring[10_000] = ring[0] as number[];
    await refused({ type: 'Polygon', coordinates: [ring] }, /more than 10000/);
    await refused({ type: 'circle', center: [200, 10], radius_m: 50 }, /longitude out of range/);
    await refused({ type: 'circle', center: [10, 10], radius_m: -1 }, /radius_m/);
    await refused({ type: 'LineString', coordinates: [] }, /circle.*Polygon/);
    const huge = JSON.stringify({
      name: 'huge',
      shape: { type: 'circle', center: [0, 0], radius_m: 1 },
      pad: 'x'.repeat(10 * 1024 * 1024),
    });
    const res = await post('/api/geofences', huge);
    expect(res.status).toBe(400);
    expect((res.json as { message: string }).message).toMatch(/larger than 2 MB/);
    expect((await get<unknown[]>('/api/geofences')).length).toBe(2);
  });
});

describe('trips, stops, events, reports and the track of published tracks', () => {
  const b = new TrackBuilder(D0, HOME.lat, HOME.lon, rng(5));
  for (let d = 0; d < 3; d++) workingDay(b, D0 + d * DAY);
  const id = 'van_1';
  const range = `from=${new Date(D0).toISOString()}&to=${new Date(D0 + 3 * DAY).toISOString()}`;

  beforeAll(async () => {
    const readings = b.samples.map((s) => readingOf(id, s));
    for (let i = 0; i < readings.length; i += 1000) await p.publish(readings.slice(i, i + 1000));
    await p.waitAck(id, readings.length - 1);
  }, 120_000);

  it('trips and stops, as JSON and CSV; events with geofence enters and exits', async () => {
    const trips = await get<Trip[]>(`/api/devices/${id}/trips?${range}`);
    expect(trips.length).toBe(12);
    expect(Object.keys(trips[0] ?? {}).sort()).toEqual(
      [
        'avg_speed_kmh',
        'distance_km',
        'duration_s',
        'end',
        'end_position',
        'harsh_accel',
        'harsh_brake',
        'harsh_corner',
        'idle_s',
        'max_speed_kmh',
        'score',
        'start',
        'start_position',
      ].sort(),
    );
    const stops = await get<Stop[]>(`/api/devices/${id}/stops?${range}`);
    expect(stops.length).toBeGreaterThanOrEqual(11);
    const csv = await send(base, `/api/devices/${id}/trips?${range}&format=csv`);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe(
      'start,end,start_lon,start_lat,end_lon,end_lat,distance_km,duration_s,max_speed_kmh,avg_speed_kmh,idle_s,harsh_accel,harsh_brake,harsh_corner,score',
    );
    expect(lines.length).toBe(13);
    const events = await get<GeoEventBody[]>(`/api/events?device_id=${id}&${range}`);
    const count = (type: string) => events.filter((e) => e.type === type).length;
    expect(count('trip_start')).toBe(12);
    expect(count('trip_end')).toBe(12);
    expect(count('geofence_enter')).toBeGreaterThan(3);
    expect(count('geofence_exit')).toBeGreaterThan(3);
    const enters = await get<GeoEventBody[]>(
      `/api/events?type=geofence_enter&device_id=${id}&${range}`,
    );
    expect(enters.length).toBe(count('geofence_enter'));
    expect(enters.every((e) => e.geofence_id !== undefined)).toBe(true);
    expect((await send(base, '/api/events?type=nonsense')).status).toBe(400);
    expect((await send(base, `/api/devices/nobody/trips?${range}`)).status).toBe(404);
  });

  it('the summary equals the sums over the trips and stops (per day and over the range)', async () => {
    const full = await p.read(async (g) => ({
      trips: (await g.trips({ deviceId: id, from: D0 - DAY, to: D0 + 4 * DAY, limit: 1000 })).map(
        (r) => r.body as unknown as Trip,
      ),
      stops: (await g.stops({ deviceId: id, from: D0 - DAY, to: D0 + 4 * DAY, limit: 1000 })).map(
        (r) => r.body as unknown as Stop,
      ),
    }));
    const fromDay = new Date(D0).toISOString().slice(0, 10);
    const toDay = new Date(D0 + 2 * DAY).toISOString().slice(0, 10);
    const perDay = await get<unknown[]>(
      `/api/reports/summary?from=${fromDay}&to=${toDay}&device_id=${id}`,
    );
    const score = geoConfig().score;
    expect(perDay).toEqual(
      summarize(id, full.trips, full.stops, { groupBy: 'day', fromDay, toDay, score }),
    );
    const [whole] = await get<Array<Record<string, number>>>(
      `/api/reports/summary?from=${fromDay}&to=${toDay}&device_id=${id}&group_by=none`,
    );
    const trips = await get<Trip[]>(`/api/devices/${id}/trips?${range}`);
    const sum = (k: keyof Trip) => trips.reduce((a, t) => a + (t[k] as number), 0);
    expect(whole?.trips).toBe(trips.length);
    expect(whole?.distance_km).toBeCloseTo(sum('distance_km'), 2);
    expect(whole?.driving_s).toBeCloseTo(sum('duration_s'), 2);
    expect(whole?.harsh_events).toBe(sum('harsh_accel') + sum('harsh_brake') + sum('harsh_corner'));
    const csv = await send(base, `/api/reports/summary?from=${fromDay}&to=${toDay}&format=csv`);
    expect(csv.text.split('\n')[0]).toBe(
      'device_id,day,distance_km,driving_s,idle_s,stopped_s,max_speed_kmh,avg_speed_kmh,overspeed_s,fuel_used_pct,trips,harsh_events,score',
    );
  });

  it('the track: valid fixes only, at most max_points, for a long and a short range', async () => {
    type Track = {
      features: Array<{
        geometry: { coordinates: [number, number][] };
        properties: { times: string[] };
      }>;
    };
    const long = await get<Track>(`/api/devices/${id}/track?${range}&max_points=500`);
    const points = long.features.flatMap((f) => f.geometry.coordinates);
    expect(points.length).toBeGreaterThan(100);
    expect(points.length).toBeLessThanOrEqual(500);
    // Each point is a published fix (or within metres of the track: the minute track keeps fixes).
    const fixes = new Set(
      b.samples.filter((s) => s.lat !== undefined).map((s) => `${s.lon},${s.lat}`),
    );
    expect(points.every(([x, y]) => fixes.has(`${x},${y}`))).toBe(true);
    const short = await get<Track>(
      `/api/devices/${id}/track?from=${new Date(D0 + 7 * 3_600_000).toISOString()}&to=${new Date(D0 + 8 * 3_600_000).toISOString()}`,
    );
    const shortPoints = short.features.flatMap((f) => f.geometry.coordinates);
    expect(shortPoints.length).toBeGreaterThan(100);
    expect(shortPoints.every(([x, y]) => fixes.has(`${x},${y}`))).toBe(true);
    for (const f of short.features)
      expect(f.properties.times.length).toBe(f.geometry.coordinates.length);
  });
});

describe('parked vehicles', () => {
  it('GPS jitter while parked adds no distance and no trip; the drive away is one trip', async () => {
    const b = new TrackBuilder(D0 + 3 * DAY, 52.5, 13.3, rng(9));
    b.park(120, { everyS: 60, jitterM: 40, ignition: false }).park(600, {
      everyS: 1,
      jitterM: 15,
      ignition: true,
    });
    const start = b.metres;
    b.ramp(40, 2).cruise(120).ramp(0, 2).park(10, { ignition: false });
    const id = 'jitter';
    const readings = b.samples.map((s) => readingOf(id, s));
    await p.publish(readings);
    await p.waitAck(id, readings.length - 1);
    const trips = await get<Trip[]>(`/api/devices/${id}/trips?from=${new Date(D0).toISOString()}`);
    expect(trips.length).toBe(1);
    const driven = (b.metres - start) / 1000;
    expect(Math.abs((trips[0]?.distance_km ?? 0) - driven) / driven).toBeLessThan(0.02);
  });

  it('a vehicle parked on a geofence border gives one enter and, when it drives off, one exit', async () => {
    // On the border of "home" (150 m): jitter of ±15 m, within the 30 m margin, for an hour at 1 Hz.
    const b = new TrackBuilder(
      D0 + 3 * DAY + 3_600_000,
      HOME.lat + 150 / 111_195,
      HOME.lon,
      rng(4),
    );
    b.park(3600, { everyS: 1, jitterM: 15, ignition: true });
    b.ramp(40, 2, 0).cruise(60, 0).ramp(0, 2, 0).park(10, { ignition: false });
    const id = 'border';
    const before = received.length;
    const readings = b.samples.map((s) => readingOf(id, s));
    for (let i = 0; i < readings.length; i += 1000) await p.publish(readings.slice(i, i + 1000));
    await p.waitAck(id, readings.length - 1);
    const events = await get<GeoEventBody[]>(
      `/api/events?device_id=${id}&type=geofence_enter,geofence_exit&from=${new Date(D0).toISOString()}`,
    );
    expect(events.map((e) => e.type)).toEqual(['geofence_enter', 'geofence_exit']);
    expect(haversineM(HOME.lat, HOME.lon, HOME.lat + 150 / 111_195, HOME.lon)).toBeCloseTo(150, 0);
    // The same events reached the page live (Socket.IO `event`).
    await waitFor(
      () =>
        received.slice(before).filter((e) => e.device_id === id && e.type.startsWith('geofence'))
          .length,
      (n) => n === 2,
      { what: 'live geofence events' },
    );
  });
});
