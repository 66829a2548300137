// The shared geo store suite: every GeoStore implementation must pass exactly these tests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  emptyGeoChange,
  type GeoChange,
  type GeoDayFigures,
  type GeoKey,
  type GeoRecord,
  type GeoStore,
  type TrackBucket,
} from '../../../core/store/geo-store.js';

export interface GeoStoreFixture {
  /** A fresh, empty store (its backend started and migrated). */
  store: () => Promise<GeoStore>;
  cleanup: () => Promise<void>;
}

const H = 3_600_000;
const DAY = 24 * H;
const D0 = Date.parse('2026-05-04T00:00:00.000Z');
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

const key = (time: number, seq = 0): GeoKey => ({ time, seq });

function figures(day: string, o: Partial<GeoDayFigures>): GeoDayFigures {
  return {
    day,
    distance_km: 0,
    driving_s: 0,
    idle_s: 0,
    stopped_s: 0,
    overspeed_s: 0,
    max_speed_kmh: 0,
    fuel_used_pct: 0,
    harsh_events: 0,
    trips: 0,
    ...o,
  };
}

/** A trip of `km` from `start` lasting `minutes`, produced 3 minutes after it ended. */
function trip(start: number, minutes: number, km: number, harsh = 0): GeoRecord {
  const end = start + minutes * 60_000;
  return {
    at: key(end + 180_000, 7),
    start,
    end,
    body: { start: new Date(start).toISOString(), distance_km: km, nested: { a: [1, 2] } },
    days: [
      figures(dayOf(start), {
        distance_km: km,
        driving_s: minutes * 60,
        max_speed_kmh: 50 + km,
        harsh_events: harsh,
        trips: 1,
      }),
    ],
  };
}

function stop(start: number, end: number, at: GeoKey): GeoRecord {
  const days: GeoDayFigures[] = [];
  for (let d = Math.floor(start / DAY) * DAY; d < end; d += DAY) {
    const a = Math.max(start, d);
    const b = Math.min(end, d + DAY);
    days.push(figures(dayOf(d), { stopped_s: (b - a) / 1000, idle_s: 60 }));
  }
  return {
    at,
    start,
    end,
    body: { start: new Date(start).toISOString(), position: [13.4, 52.5] },
    days,
  };
}

function change(deviceId: string, o: Partial<GeoChange> = {}): GeoChange {
  return { ...emptyGeoChange(deviceId), ...o };
}

function bucket(minute: number, flags: Partial<TrackBucket> = {}): TrackBucket {
  return {
    minute,
    t1: minute + 1000,
    lat1: 52.5 + minute / 1e12,
    lon1: 13.4,
    t2: minute + 59_000,
    lat2: 52.6,
    lon2: 13.5,
    breakBefore: false,
    breakInside: false,
    ...flags,
  };
}

export function geoStoreSuite(name: string, makeFixture: () => Promise<GeoStoreFixture>): void {
  describe(`GeoStore: ${name}`, () => {
    let fixture: GeoStoreFixture;
    let store: GeoStore;

    beforeAll(async () => {
      fixture = await makeFixture();
      store = await fixture.store();
    });
    afterAll(async () => {
      await store.stop();
      await store.stop(); // idempotent
      await fixture.cleanup();
    });

    it('keeps trips, stops and events; answers what overlaps a range, oldest first, up to a limit', async () => {
      const t1 = trip(D0 + 8 * H, 30, 12);
      const t2 = trip(D0 + 17 * H, 40, 20, 2);
      const s1 = stop(D0 + 8 * H + 30 * 60_000, D0 + 17 * H, t2.at);
      await store.apply([
        change('a', {
          trips: [t1, t2],
          stops: [s1],
          events: [
            {
              at: t1.at,
              id: 'e1',
              type: 'trip_end',
              time: t1.end,
              geofenceId: null,
              details: { distance_km: 12 },
            },
            {
              at: t2.at,
              id: 'e2',
              type: 'geofence_enter',
              time: t2.start + 60_000,
              geofenceId: '7',
              details: { geofence: 'depot' },
            },
          ],
        }),
        change('b', { trips: [trip(D0 + 9 * H, 10, 3)] }),
      ]);
      expect(await store.trips({ deviceId: 'a', from: D0, to: D0 + DAY, limit: 100 })).toEqual([
        t1,
        t2,
      ]);
      expect(await store.trips({ deviceId: 'a', from: D0, to: D0 + DAY, limit: 1 })).toEqual([t1]);
      // Overlapping: a range inside a trip finds it; one between trips finds the stop only.
      expect(
        await store.trips({
          deviceId: 'a',
          from: t1.start + 60_000,
          to: t1.start + 120_000,
          limit: 9,
        }),
      ).toEqual([t1]);
      expect(
        await store.trips({ deviceId: 'a', from: D0 + 12 * H, to: D0 + 13 * H, limit: 9 }),
      ).toEqual([]);
      expect(
        await store.stops({ deviceId: 'a', from: D0 + 12 * H, to: D0 + 13 * H, limit: 9 }),
      ).toEqual([s1]);
      expect(await store.trips({ deviceId: 'nobody', from: D0, to: D0 + DAY, limit: 9 })).toEqual(
        [],
      );
      const events = await store.events({ deviceId: 'a', from: D0, to: D0 + DAY, limit: 10 });
      expect(events.map((e) => [e.id, e.deviceId, e.type, e.geofenceId])).toEqual([
        ['e1', 'a', 'trip_end', null],
        ['e2', 'a', 'geofence_enter', '7'],
      ]);
      expect(events[1]?.details).toEqual({ geofence: 'depot' });
      expect(
        (await store.events({ types: ['geofence_enter'], from: D0, to: D0 + DAY, limit: 10 })).map(
          (e) => e.id,
        ),
      ).toEqual(['e2']);
      expect(await store.events({ from: D0 + 2 * DAY, to: D0 + 3 * DAY, limit: 10 })).toEqual([]);
      expect(await store.eventIdsAfter('a', key(t1.at.time, 7))).toEqual(['e2']);
      expect((await store.eventIdsAfter('a', null)).sort()).toEqual(['e1', 'e2']);
    });

    it("sums each day's figures from its trips and stops, per vehicle", async () => {
      const rows = await store.days({ fromDay: dayOf(D0), toDay: dayOf(D0) });
      const a = rows.find((r) => r.deviceId === 'a');
      expect(rows.map((r) => r.deviceId)).toEqual(['a', 'b']);
      expect(a).toMatchObject({
        day: dayOf(D0),
        distance_km: 32,
        driving_s: 4200,
        trips: 2,
        harsh_events: 2,
        max_speed_kmh: 70,
      });
      expect(a?.stopped_s).toBeCloseTo(8.5 * 3600, 6);
      expect(a?.idle_s).toBe(60);
      expect(await store.days({ fromDay: dayOf(D0), toDay: dayOf(D0), deviceIds: ['b'] })).toEqual([
        {
          deviceId: 'b',
          ...figures(dayOf(D0), { distance_km: 3, driving_s: 600, max_speed_kmh: 53, trips: 1 }),
        },
      ]);
    });

    it('replaces what was produced after a key: records, events, checkpoints, track, and the days they touched', async () => {
      const t1 = trip(D0 + DAY + 8 * H, 20, 5);
      const t2 = trip(D0 + DAY + 12 * H, 20, 7);
      const overnight = stop(
        D0 + DAY + 12 * H + 20 * 60_000,
        D0 + 2 * DAY + 6 * H,
        key(D0 + 2 * DAY + 6 * H, 1),
      );
      await store.apply([
        change('c', {
          trips: [t1, t2],
          stops: [overnight],
          events: [
            { at: t2.at, id: 'c2', type: 'trip_end', time: t2.end, geofenceId: null, details: {} },
          ],
          checkpoints: [
            { at: key(t1.at.time, 7), state: '{"n":1}', keep: true },
            { at: key(t2.at.time, 7), state: '{"n":2}', keep: true },
          ],
          track: [bucket(t1.start), bucket(t2.start), bucket(t2.start + 60_000)],
          coarseTrack: [
            bucket(t1.start),
            bucket(t1.start + 20 * 60_000),
            bucket(t2.start),
            bucket(t2.start + 10 * 60_000),
          ],
        }),
      ]);
      expect(
        (
          await store.days({
            fromDay: dayOf(D0 + DAY),
            toDay: dayOf(D0 + 2 * DAY),
            deviceIds: ['c'],
          })
        ).map((d) => [d.day, d.distance_km, d.trips]),
      ).toEqual([
        [dayOf(D0 + DAY), 12, 2],
        [dayOf(D0 + 2 * DAY), 0, 0],
      ]);
      // Recomputed from the first checkpoint: the second trip comes out longer, the stop is gone.
      const t2b = { ...trip(D0 + DAY + 12 * H, 20, 9), at: key(t2.at.time, 9) };
      await store.apply([
        change('c', {
          after: key(t1.at.time, 7),
          trips: [t2b],
          track: [bucket(t2.start)],
          coarseTrack: [bucket(t2.start, { breakInside: true })],
        }),
      ]);
      expect(await store.trips({ deviceId: 'c', from: D0, to: D0 + 3 * DAY, limit: 9 })).toEqual([
        t1,
        t2b,
      ]);
      expect(await store.stops({ deviceId: 'c', from: D0, to: D0 + 3 * DAY, limit: 9 })).toEqual(
        [],
      );
      expect(await store.eventIdsAfter('c', null)).toEqual([]);
      expect(
        await store.days({
          fromDay: dayOf(D0 + DAY),
          toDay: dayOf(D0 + 2 * DAY),
          deviceIds: ['c'],
        }),
      ).toEqual([
        {
          deviceId: 'c',
          ...figures(dayOf(D0 + DAY), {
            distance_km: 14,
            driving_s: 2400,
            max_speed_kmh: 59,
            trips: 2,
          }),
        },
      ]);
      expect((await store.checkpoint('c'))?.state).toBe('{"n":1}');
      expect(await store.track('c', D0, D0 + 3 * DAY)).toEqual([
        bucket(t1.start),
        bucket(t2.start),
      ]);
      // The 10-minute track from the 10 minutes of the key on (8:20 here; 8:00 stays).
      expect(await store.coarseTrack('c', D0, D0 + 3 * DAY)).toEqual([
        bucket(t1.start),
        bucket(t2.start, { breakInside: true }),
      ]);
      // The other vehicles are untouched.
      expect((await store.trips({ deviceId: 'a', from: D0, to: D0 + DAY, limit: 9 })).length).toBe(
        2,
      );
    });

    it('checkpoints: the newest before a key; a rolling one replaces the last rolling one', async () => {
      const cp = (t: number, keep: boolean, state = `{"t":${t}}`) => ({
        at: key(t, 3),
        state,
        keep,
      });
      await store.apply([change('d', { checkpoints: [cp(100, true), cp(200, false)] })]);
      await store.apply([change('d', { checkpoints: [cp(300, false)] })]);
      await store.apply([change('d', { checkpoints: [cp(400, true), cp(500, false)] })]);
      expect((await store.checkpoint('d'))?.at).toEqual(key(500, 3));
      expect(await store.checkpoint('d', key(500, 3))).toMatchObject({
        at: key(400, 3),
        keep: true,
      });
      expect(await store.checkpoint('d', key(400, 3))).toMatchObject({
        at: key(100, 3),
        keep: true,
      });
      expect(await store.checkpoint('d', key(100, 4))).toMatchObject({ at: key(100, 3) });
      expect(await store.checkpoint('d', key(100, 3))).toBeUndefined();
      expect(await store.checkpoint('nobody')).toBeUndefined();
      // States of any size (a long trip's window) come back whole.
      const big = JSON.stringify({
        steps: Array.from({ length: 4000 }, (_, i) => ({ i, pos: [13.4 + i / 1e5, 52.5] })),
      });
      expect(big.length).toBeGreaterThan(100_000);
      await store.apply([change('d', { checkpoints: [cp(600, false, big)] })]);
      expect((await store.checkpoint('d'))?.state).toBe(big);
    });

    it('dirty marks, track buckets (minutes and 10 minutes) with breaks, and meta values of any size', async () => {
      await store.apply([
        change('e', { dirty: key(1000, 2) }),
        change('f', { dirty: key(2000, 0) }),
      ]);
      await store.apply([change('e', { dirty: key(900, 1) })]);
      expect(await store.dirtyVehicles()).toEqual([
        { deviceId: 'e', from: key(900, 1) },
        { deviceId: 'f', from: key(2000, 0) },
      ]);
      await store.apply([change('f', { dirty: null })]);
      expect(await store.dirtyVehicles()).toEqual([{ deviceId: 'e', from: key(900, 1) }]);
      const m = D0 + 5 * DAY;
      await store.apply([
        change('g', {
          track: [bucket(m, { breakBefore: true }), bucket(m + 60_000, { breakInside: true })],
        }),
      ]);
      await store.apply([change('g', { track: [bucket(m + 60_000)] })]);
      expect(await store.track('g', m, m + 60_000)).toEqual([
        bucket(m, { breakBefore: true }),
        bucket(m + 60_000),
      ]);
      expect(await store.track('g', m + 1, m + 60_000)).toEqual([bucket(m + 60_000)]);
      // The 10-minute track is its own: replaced by window, read by window start.
      const w = m + 10 * 60_000;
      await store.apply([
        change('g', { coarseTrack: [bucket(m, { breakBefore: true }), bucket(w)] }),
      ]);
      await store.apply([change('g', { coarseTrack: [bucket(w, { breakInside: true })] })]);
      expect(await store.coarseTrack('g', m, w)).toEqual([
        bucket(m, { breakBefore: true }),
        bucket(w, { breakInside: true }),
      ]);
      expect(await store.coarseTrack('g', m + 1, w + 1)).toEqual([
        bucket(w, { breakInside: true }),
      ]);
      expect(await store.track('g', w, w)).toEqual([]);
      expect(await store.coarseTrack('nobody', m, w)).toEqual([]);
      expect(await store.meta('nothing')).toBeUndefined();
      const zones = JSON.stringify({
        geofences: Array.from({ length: 3000 }, (_, i) => ({ id: i, name: `zone ${i}` })),
      });
      await store.setMeta('geofences', zones);
      await store.setMeta('geofences', zones);
      expect(await store.meta('geofences')).toBe(zones);
      await store.setMeta('geofences', '{}');
      expect(await store.meta('geofences')).toBe('{}');
    });
  });
}
