// The 10-minute track end to end: 15 days of one vehicle through VehicleGeo (restarts, a recomputation, a collector from before the tier) into real SQLite files, then /track's data over them.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../core/contract.js';
import type { GeoChange } from '../../core/store/geo-store.js';
import { SqliteGeoStore } from '../../core/store/sqlite-geo-store.js';
import { SqliteStore } from '../../core/store/sqlite-store.js';
import { usesCoarseTrack, vehicleTrack } from '../../dashboard/geo/track-route.js';
import { geoConfig } from '../../geo/config.js';
import { destination } from '../../geo/distance.js';
import { compileZones } from '../../geo/geofence-index.js';
import type { TrackCollection } from '../../geo/track.js';
import { type GeoItem, parseState, VehicleGeo } from '../../tracking/vehicle-geo.js';
import { rng } from '../geo/tracks.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const MIN = 60_000;
const H = 60 * MIN;
const DAY = 24 * H;
const T0 = Date.parse('2026-03-02T00:00:00.000Z');
const END = T0 + 15 * DAY;
const EVERY_MS = 15_000;
/** A 2-hour silence (longer than TRIP_MAX_GAP_S) and, days later, one refused fix. */
const GAP = { from: T0 + 5 * DAY + 7 * H + 3 * MIN, to: T0 + 5 * DAY + 9 * H + 3 * MIN };
const INVALID_AT = T0 + 9 * DAY + 13 * H + 27 * MIN + 30_000;
const ID = 'van';
const opts = { config: geoConfig(), zones: compileZones([]) };
const maxGapMs = geoConfig().tripMaxGapS * 1000;

/** Every 15 s: 8 minutes driving at 40 km/h on a wandering heading, 4 minutes parked with jitter. */
function fixes(): GeoItem[] {
  const random = rng(11);
  const out: GeoItem[] = [];
  let pos = { lat: 52.52, lon: 13.405 };
  let heading = 90;
  let seq = 0;
  for (let t = T0; t < END; t += EVERY_MS) {
    if (t > GAP.from && t < GAP.to) continue;
    seq++;
    if (t === INVALID_AT) {
      out.push({ key: { time: t, seq }, sample: { time: t, seq, speed: 40 }, badFix: true });
      continue;
    }
    const driving = (t - T0) % (12 * MIN) < 8 * MIN;
    if (driving) {
      heading = (heading + (random() - 0.5) * 30 + 360) % 360;
      pos = destination(pos.lat, pos.lon, heading, (40 / 3.6) * (EVERY_MS / 1000));
    }
    const fix = driving ? pos : destination(pos.lat, pos.lon, random() * 360, random() * 3);
    const sample = { time: t, seq, lat: fix.lat, lon: fix.lon, speed: driving ? 40 : 0 };
    out.push({ key: { time: t, seq }, sample, badFix: false });
  }
  return out;
}

const items = fixes();
const lastFix = items[items.length - 1]?.key.time as number;

async function stores() {
  const path = join(tempDir(), 'telemetry.db');
  const telemetry = new SqliteStore({ path });
  await telemetry.start();
  // The last hour as stored readings: /track reads the minutes the tiers have not finished raw.
  const lastHour: Reading[] = items
    .filter((i) => i.key.time > END - H && i.sample?.lat !== undefined)
    .map((i) => ({
      device_id: ID,
      seq: i.key.seq,
      timestamp: new Date(i.key.time).toISOString(),
      values: { lat: i.sample?.lat as number, lon: i.sample?.lon as number, speed: 0 },
    }));
  await telemetry.write(lastHour);
  const geo = new SqliteGeoStore({ path });
  await geo.start();
  return { telemetry, geo };
}

/** Feeds items in batches of 500, as ingest does; `at(t)` may replace the vehicle between batches. */
async function feed(
  geo: SqliteGeoStore,
  list: readonly GeoItem[],
  start: VehicleGeo,
  o: {
    between?: (v: VehicleGeo, t: number) => Promise<VehicleGeo>;
    edit?: (c: GeoChange) => void;
  } = {},
): Promise<void> {
  let v = start;
  for (let i = 0; i < list.length; i += 500) {
    for (const item of list.slice(i, i + 500)) v.feed(item);
    v.roll(0, 0, true);
    const c = v.take();
    if (c) {
      o.edit?.(c);
      await geo.apply([c]);
    }
    v = (await o.between?.(v, v.lastKey?.time as number)) ?? v;
  }
}

/** A restart: the vehicle again from its newest checkpoint (what follows it is replaced). */
async function resumed(geo: SqliteGeoStore, before?: number): Promise<VehicleGeo> {
  const cp = await geo.checkpoint(ID, before === undefined ? undefined : { time: before, seq: 0 });
  if (!cp) throw new Error('no checkpoint');
  return new VehicleGeo(ID, opts, parseState(cp.state), cp.at);
}

const tiers = async (geo: SqliteGeoStore) => ({
  minutes: await geo.track(ID, T0, END),
  windows: await geo.coarseTrack(ID, T0, END),
});

const points = (t: TrackCollection) => t.features.flatMap((f) => f.geometry.coordinates);
const ends = (t: TrackCollection) =>
  t.features.map((f) => [Date.parse(f.properties.start), Date.parse(f.properties.end)]);

afterAll(removeTempDirs);

describe('the 10-minute track', () => {
  let straight: Awaited<ReturnType<typeof stores>>;

  beforeAll(async () => {
    straight = await stores();
    await feed(straight.geo, items, new VehicleGeo(ID, opts, undefined, null));
  }, 60_000);

  afterAll(async () => {
    await straight.geo.stop();
    await straight.telemetry.stop();
  });

  it('is the same after restarts every few hours and a recomputation from days back', async () => {
    const s = await stores();
    let next = T0 + 7 * H;
    await feed(s.geo, items, new VehicleGeo(ID, opts, undefined, null), {
      between: async (v, t) => {
        if (t < next) return v;
        next = t + 7 * H + 13 * MIN;
        return resumed(s.geo);
      },
    });
    const expected = await tiers(straight.geo);
    expect(expected.windows.length).toBeGreaterThan(1500);
    expect(await tiers(s.geo)).toEqual(expected);
    // Late data: recomputed from a kept checkpoint four days back, everything after it replayed.
    const v = await resumed(s.geo, END - 4 * DAY);
    const after = v.lastKey as { time: number; seq: number };
    expect(after.time).toBeLessThan(END - 4 * DAY);
    await feed(
      s.geo,
      items.filter((i) => i.key.time > after.time),
      v,
    );
    expect(await tiers(s.geo)).toEqual(expected);
    await s.geo.stop();
    await s.telemetry.stop();
  }, 60_000);

  it("15 days at 2,000 points: ≤ max_points of the vehicle's fixes, split at the silence and at the refused fix", async () => {
    const range = { from: T0, to: END };
    expect(usesCoarseTrack(END - T0, 2000, maxGapMs)).toBe(true);
    expect(usesCoarseTrack(END - T0, 2500, maxGapMs)).toBe(false);
    const { telemetry, geo } = straight;
    const coarse = await vehicleTrack(telemetry, geo, ID, range, { maxPoints: 2000, maxGapMs });
    const minutes = await vehicleTrack(telemetry, geo, ID, range, { maxPoints: 2500, maxGapMs });
    const fixSet = new Set(items.map((i) => `${i.sample?.lon},${i.sample?.lat}`));
    for (const [t, max] of [
      [coarse, 2000],
      [minutes, 2500],
    ] as const) {
      const pts = points(t);
      expect(pts.length).toBeLessThanOrEqual(max);
      expect(pts.length).toBeGreaterThan(max - 50);
      expect(pts.every(([x, y]) => fixSet.has(`${x},${y}`))).toBe(true);
      for (const f of t.features) {
        const times = f.properties.times.map(Date.parse);
        expect(times).toHaveLength(f.geometry.coordinates.length);
        expect(times.every((x, i) => i === 0 || x > (times[i - 1] as number))).toBe(true);
      }
    }
    const before = items.filter((i) => i.key.time <= GAP.from).at(-1)?.key.time as number;
    const resume = items.find((i) => i.key.time >= GAP.to)?.key.time as number;
    const [a, b, c] = ends(coarse);
    expect(ends(coarse)).toHaveLength(3);
    // The silence splits at the very fixes around it; the refused fix within its 10 minutes.
    expect(a).toEqual([T0, before]);
    expect(b?.[0]).toBe(resume);
    expect(b?.[1]).toBeLessThan(INVALID_AT);
    expect(b?.[1]).toBeGreaterThanOrEqual(INVALID_AT - 10 * MIN);
    expect(c?.[0]).toBeGreaterThan(INVALID_AT);
    expect(c?.[0]).toBeLessThanOrEqual(INVALID_AT + 10 * MIN);
    expect(c?.[1]).toBe(lastFix);
    // The minute track splits in the same places, closer to the refused fix.
    const [ma, mb, mc] = ends(minutes);
    expect(ends(minutes)).toHaveLength(3);
    expect(ma).toEqual(a);
    expect(mb?.[0]).toBe(resume);
    expect(mb?.[1]).toBeGreaterThanOrEqual(b?.[1] as number);
    expect(mb?.[1]).toBeGreaterThanOrEqual(INVALID_AT - MIN);
    expect(mc?.[0]).toBeLessThanOrEqual(c?.[0] as number);
    expect(mc?.[1]).toBe(lastFix);
  });

  it('a vehicle kept by a collector from before the tier: its first days are read from the minutes', async () => {
    const s = await stores();
    const upgrade = T0 + 4 * DAY + 5 * H + 7 * MIN;
    const first = items.filter((i) => i.key.time < upgrade);
    // The older collector: minute rows only, checkpoints without the tier's fields.
    await feed(s.geo, first, new VehicleGeo(ID, opts, undefined, null), {
      edit: (c) => {
        c.coarseTrack = [];
        for (const cp of c.checkpoints) {
          const state = parseState(cp.state) as unknown as { tier: Record<string, unknown> };
          delete state.tier.coarse;
          delete state.tier.coarseFrom;
          cp.state = JSON.stringify(state);
        }
      },
    });
    const last = first.at(-1)?.key as { time: number; seq: number };
    await feed(
      s.geo,
      items.filter((i) => i.key.time > last.time),
      await resumed(s.geo),
    );
    const got = await tiers(s.geo);
    const expected = await tiers(straight.geo);
    expect(got.minutes).toEqual(expected.minutes);
    // From the 10 minutes after the last minute the old collector kept, the same windows.
    const from = got.windows[0]?.minute as number;
    expect(from).toBeGreaterThan(upgrade - 10 * MIN);
    expect(from).toBeLessThanOrEqual(upgrade + 10 * MIN);
    expect(got.windows).toEqual(expected.windows.filter((w) => w.minute >= from));
    const range = { from: T0, to: END };
    const o = { maxPoints: 2000, maxGapMs };
    const t = await vehicleTrack(s.telemetry, s.geo, ID, range, o);
    expect(points(t).length).toBeLessThanOrEqual(2000);
    expect(ends(t)).toEqual(
      ends(await vehicleTrack(straight.telemetry, straight.geo, ID, range, o)),
    );
    const early = t.features.flatMap((f) => f.properties.times.map(Date.parse));
    expect(early.filter((x) => x < upgrade).length).toBeGreaterThan(400);
    await s.geo.stop();
    await s.telemetry.stop();
  });
});
