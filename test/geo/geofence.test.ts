import { describe, expect, it } from 'vitest';
import { destination } from '../../geo/distance.js';
import { compileZones, type Geofence, speedLimitAt, zonesAt } from '../../geo/geofence-index.js';
import { initialGeofenceState, updateGeofences } from '../../geo/geofence-tracker.js';
import { run, types } from './run.js';
import { rng, T0, TrackBuilder } from './tracks.js';

const C = { lat: 52.52, lon: 13.405 };
const circle: Geofence = {
  id: 'depot',
  name: 'Depot',
  shape: { type: 'circle', center: [C.lon, C.lat], radius_m: 100 },
  speed_limit_kmh: 20,
};
const donut: Geofence = {
  id: 7,
  name: 'Ring road',
  shape: {
    type: 'Polygon',
    coordinates: [
      [
        [13.3, 52.45],
        [13.5, 52.45],
        [13.5, 52.6],
        [13.3, 52.6],
        [13.3, 52.45],
      ],
      [
        [13.38, 52.5],
        [13.43, 52.5],
        [13.43, 52.54],
        [13.38, 52.54],
        [13.38, 52.5],
      ],
    ],
  },
  speed_limit_kmh: 50,
};

describe('geofences', () => {
  const index = compileZones([circle, donut]);

  it('tests points against circles and polygons with holes', () => {
    const at = (lat: number, lon: number) => zonesAt(index, lat, lon);
    expect(at(C.lat, C.lon)).toEqual(['depot']); // in the depot, in the hole of the ring road
    const edge = destination(C.lat, C.lon, 45, 99);
    expect(at(edge.lat, edge.lon)).toEqual(['depot']);
    const out = destination(C.lat, C.lon, 45, 101);
    expect(at(out.lat, out.lon)).toEqual([]);
    expect(at(52.46, 13.31)).toEqual([7]);
    expect(at(52.7, 13.31)).toEqual([]);
    expect(at(52.55, 13.42)).toEqual([7]); // north of the hole
  });

  it('the speed limit at a point is the lowest of the zones there, else the fallback', () => {
    const overlap = compileZones([
      circle,
      { ...donut, id: 8, shape: { type: 'circle', center: [C.lon, C.lat], radius_m: 500 } },
    ]);
    expect(speedLimitAt(overlap, C.lat, C.lon, 110)).toBe(20);
    const ring = destination(C.lat, C.lon, 0, 300);
    expect(speedLimitAt(overlap, ring.lat, ring.lon, 110)).toBe(50);
    expect(speedLimitAt(overlap, 48, 11, 110)).toBe(110);
    expect(
      speedLimitAt(compileZones([{ ...circle, speed_limit_kmh: undefined }]), C.lat, C.lon, 90),
    ).toBe(90);
  });

  it('a vehicle parked on the border with GPS jitter gives one enter and one exit', () => {
    for (const [zone, border] of [
      [circle, destination(C.lat, C.lon, 90, 100)],
      [donut, { lat: 52.45, lon: 13.35 }],
    ] as const) {
      for (const everyS of [1, 60]) {
        const b = new TrackBuilder(T0, border.lat, border.lon, rng(everyS));
        b.lat = border.lat + (zone === donut ? -0.001 : 0); // arriving from outside, south
        b.park(3, { ignition: false });
        b.lat = border.lat;
        b.park(everyS === 1 ? 3600 : 600, { everyS, ignition: false, jitterM: 12 });
        b.idle(5).ramp(40, 2, 180).cruise(60, 180);
        const r = run(b.samples, { zones: [zone] });
        const geo = r.events.filter((e) => e.type.startsWith('geofence'));
        expect(types(geo)).toEqual(['geofence_enter', 'geofence_exit']);
        expect(geo[0]?.geofence_id).toBe(zone.id);
        expect(geo[0]?.details).toMatchObject({ geofence: zone.name });
      }
    }
  });

  it('without the margin the same jitter would flap', () => {
    const border = destination(C.lat, C.lon, 90, 100);
    const random = rng(3);
    const state = initialGeofenceState();
    const idx = compileZones([circle]);
    let flips = 0;
    for (let i = 0; i < 600; i++) {
      const p = destination(border.lat, border.lon, random() * 360, random() * 12);
      flips += updateGeofences(state, idx, p.lat, p.lon, 0).length;
    }
    expect(flips).toBeGreaterThan(10);
  });

  it('a zone deleted while inside is forgotten silently; a zone added around the vehicle is entered', () => {
    const state = initialGeofenceState();
    expect(updateGeofences(state, compileZones([circle]), C.lat, C.lon, 30)).toMatchObject([
      { type: 'geofence_enter', geofenceId: 'depot' },
    ]);
    expect(updateGeofences(state, compileZones([]), C.lat, C.lon, 30)).toEqual([]);
    expect(state.inside).toEqual([]);
    expect(updateGeofences(state, compileZones([donut, circle]), 52.46, 13.31, 30)).toMatchObject([
      { type: 'geofence_enter', geofenceId: 7 },
    ]);
    expect(updateGeofences(state, compileZones([donut, circle]), C.lat, C.lon, 30)).toMatchObject([
      { type: 'geofence_exit', geofenceId: 7 },
      { type: 'geofence_enter', geofenceId: 'depot' },
    ]);
  });

  it('overspeed time uses the zone limit', () => {
    const b = new TrackBuilder(T0, C.lat, C.lon);
    b.park(3, { ignition: false }).idle(2).ramp(30, 2, 0).cruise(300, 0).ramp(0, 2, 0);
    b.park(5, { ignition: false });
    const inZone = run(b.samples, {
      zones: [{ ...circle, shape: { ...circle.shape, radius_m: 5000 } as Geofence['shape'] }],
    });
    const outside = run(b.samples);
    expect(inZone.trips[0]?.overspeed_s).toBeGreaterThan(300);
    expect(outside.trips[0]?.overspeed_s).toBe(0);
    expect(inZone.trips[0]?.score).toBeLessThan(outside.trips[0]?.score ?? 0);
  });
});
