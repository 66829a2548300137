// The live map's frames and updates (pure): vehicles in view with rounded coordinates, cells above the limit, only what changed, the antimeridian, the access filter.
import { describe, expect, it } from 'vitest';
import type { DeviceState } from '../../core/dashboard-contract.js';
import type { MapCell, MapVehicle } from '../../core/map-wire.js';
import type { LiveRow } from '../../dashboard/device-board.js';
import { buildFrame, diffFrames, lonInView } from '../../dashboard/map/map-frame.js';
import { parseMapView } from '../../dashboard/map/map-view-schema.js';
import { fromPx, toPx } from '../../geo/web-mercator.js';

const row = (
  deviceId: string,
  lat: number,
  lon: number,
  status: DeviceState = 'online',
  heading: number | null = 90,
): LiveRow => ({
  deviceId,
  status,
  speed: 50,
  timestamp: null,
  lastSeenAt: 0,
  fleet: { signals: {}, fixAt: 1, fix: { lat, lon, heading } },
});
const WORLD = { bounds: [-90, -180, 90, 180] as [number, number, number, number], zoom: 3 };
const ALL = () => true;
const SMALL = { markersMax: 3, cellPx: 64 };

describe('web mercator pixels', () => {
  it('puts (0, 0) in the middle of the world and inverts', () => {
    expect(toPx(0, 0, 0)).toEqual({ x: 128, y: 128 });
    const p = toPx(52.52, 13.405, 12.5);
    const back = fromPx(p.x, p.y, 12.5);
    expect(back.lat).toBeCloseTo(52.52, 9);
    expect(back.lon).toBeCloseTo(13.405, 9);
  });
});

describe('map frames', () => {
  it('vehicles in view, rounded to 1e-5 degree and whole degrees; no fix, no marker', () => {
    const rows = [
      row('a', 48.856613, 2.352222, 'online', 359.7),
      row('b', 51.5, -0.12, 'offline', null),
      { ...row('c', 0, 0), fleet: { signals: {}, fixAt: undefined, fix: undefined } },
      row('far', -33.9, 151.2),
    ];
    const f = buildFrame(rows, { bounds: [30, -20, 60, 40], zoom: 5 }, ALL);
    expect(f.kind).toBe('vehicles');
    expect(f.total).toBe(2);
    expect([...f.items.values()]).toEqual([
      ['a', 4885661, 235222, 0, 0],
      ['b', 5150000, -12000, null, 2],
    ]);
    expect(f.extent).toEqual([-33.9, -0.12, 51.5, 151.2]);
  });

  it('cells above the limit: counts per status that sum to the view, centroid inside the cell', () => {
    const rows = [
      row('a', 52.5, 13.4, 'online'),
      row('b', 52.51, 13.41, 'warning'),
      row('c', 52.52, 13.39, 'offline'),
      row('d', 48.85, 2.35, 'online'),
      row('e', -33.9, 151.2, 'online'),
    ];
    const f = buildFrame(rows, { bounds: [30, -20, 60, 40], zoom: 4 }, ALL, SMALL);
    expect(f.kind).toBe('cells');
    const cells = [...f.items.values()] as MapCell[];
    expect(cells).toHaveLength(2);
    expect(cells.reduce((s, c) => s + c[3], 0)).toBe(4);
    const berlin = cells.find((c) => c[3] === 3) as MapCell;
    expect(berlin.slice(4)).toEqual([1, 1, 1]);
    expect(berlin[1] / 1e5).toBeCloseTo(52.51, 0);
    expect(berlin[2] / 1e5).toBeCloseTo(13.4, 0);
  });

  it('only what the client may see', () => {
    const rows = [row('mine', 50, 10), row('theirs', 50.1, 10.1)];
    const f = buildFrame(rows, WORLD, (id) => id === 'mine');
    expect([...f.items.keys()]).toEqual(['mine']);
    expect(f.extent).toEqual([50, 10, 50, 10]);
  });

  it('across the antimeridian: shifted into the view', () => {
    expect(lonInView(-170, 170, 200)).toBe(190);
    expect(lonInView(175, 170, 200)).toBe(175);
    expect(lonInView(0, 170, 200)).toBeUndefined();
    expect(lonInView(5, -10, 30)).toBe(5);
    expect(lonInView(-500, -720, 720)).toBe(-500);
    const f = buildFrame([row('fiji', -17, -179.5)], { bounds: [-30, 170, 0, 200], zoom: 4 }, ALL);
    expect((f.items.get('fiji') as MapVehicle)[2]).toBe(18_050_000);
  });
});

describe('map updates', () => {
  const view = { bounds: [40, 0, 60, 20] as [number, number, number, number], zoom: 6 };
  it('first a reset with everything, then only what moved, turned, recoloured, came or went', () => {
    const one = buildFrame([row('a', 50, 10), row('b', 51, 11), row('c', 52, 12)], view, ALL);
    expect(diffFrames(undefined, one)).toMatchObject({ kind: 'vehicles', reset: true, total: 3 });
    expect(diffFrames(one, one)).toBeUndefined();
    const two = buildFrame(
      [row('a', 50.00001, 10), row('b', 51, 11, 'warning'), row('d', 53, 13), row('e', 0, 0)],
      view,
      ALL,
    );
    expect(diffFrames(one, two)).toEqual({
      kind: 'vehicles',
      zoom: 6,
      reset: false,
      vehicles: [
        ['a', 5000001, 1000000, 90, 0],
        ['b', 5100000, 1100000, 90, 1],
        ['d', 5300000, 1300000, 90, 0],
      ],
      gone: ['c'],
      total: 3,
    });
  });

  it('a change of kind, or of the cells’ zoom, starts over', () => {
    const rows = [row('a', 50, 10), row('b', 51, 11), row('c', 52, 12), row('d', 53, 13)];
    const cells = buildFrame(rows, view, ALL, SMALL);
    const vehicles = buildFrame(rows.slice(0, 2), view, ALL, SMALL);
    expect(diffFrames(vehicles, cells)?.reset).toBe(true);
    expect(diffFrames(cells, vehicles)?.reset).toBe(true);
    const zoomed = buildFrame(rows, { ...view, zoom: 7 }, ALL, SMALL);
    expect(diffFrames(cells, zoomed)?.reset).toBe(true);
    expect(diffFrames(cells, buildFrame(rows, view, ALL, SMALL))).toBeUndefined();
  });
});

describe('the map_view schema', () => {
  it('takes a viewport and nothing else', () => {
    expect(parseMapView({ bounds: [40, -200, 60, 20], zoom: 4.5 })).toEqual({
      bounds: [40, -200, 60, 20],
      zoom: 4.5,
    });
    for (const bad of [
      null,
      'view',
      [],
      {},
      { bounds: [40, 0, 60, 20] },
      { bounds: [40, 0, 60], zoom: 4 },
      { bounds: [40, 0, 60, 20, 1], zoom: 4 },
      { bounds: [60, 0, 40, 20], zoom: 4 },
      { bounds: [40, 20, 60, 0], zoom: 4 },
      { bounds: [-91, 0, 60, 20], zoom: 4 },
      { bounds: [40, 0, 60, 20], zoom: 25 },
      { bounds: [40, 0, 60, 20], zoom: -1 },
      { bounds: [40, 0, 60, Number.NaN], zoom: 4 },
      { bounds: [40, 0, 60, Number.POSITIVE_INFINITY], zoom: 4 },
      { bounds: ['40', 0, 60, 20], zoom: 4 },
      { bounds: [40, 0, 60, 20], zoom: 4, extra: 1 },
    ])
      expect(parseMapView(bad), JSON.stringify(bad)).toBeUndefined();
  });
});
