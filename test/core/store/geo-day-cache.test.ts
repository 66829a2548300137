// The SQLite geo store's day figures, summed from its in-memory day cache, equal the sums over the records it holds, through open trips growing, records crossing midnight, recomputations, a rolled-back apply and a second collector writing a vehicle in between.
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import {
  emptyGeoChange,
  type GeoChange,
  type GeoDayFigures,
  type GeoDayRow,
  type GeoRecord,
  sumDay,
} from '../../../core/store/geo-store.js';
import { SqliteGeoStore } from '../../../core/store/sqlite-geo-store.js';
import { SqliteStore } from '../../../core/store/sqlite-store.js';
import { rng } from '../../../harness/random.js';
import { removeTempDirs, tempDir } from '../../helpers/tmp.js';

afterAll(removeTempDirs);

const DAY = 86_400_000;
const D0 = Date.parse('2026-05-04T00:00:00.000Z');
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** A record over [start, end], its parts per day with odd fractions (sums that depend on order). */
function record(start: number, end: number, random: () => number, trip: boolean): GeoRecord {
  const days: GeoDayFigures[] = [];
  for (let d = Math.floor(start / DAY) * DAY; d <= end; d += DAY) {
    days.push({
      day: dayOf(d),
      distance_km: trip ? random() * 3.7 : 0,
      driving_s: trip ? Math.round(random() * 900) : 0,
      idle_s: random() * 61.3,
      stopped_s: trip ? 0 : random() * 1234.5,
      overspeed_s: random() < 0.2 ? random() * 30 : 0,
      max_speed_kmh: random() * 120,
      fuel_used_pct: random() * 0.37,
      harsh_events: random() < 0.1 ? 1 : 0,
      trips: trip && d <= start ? 1 : 0,
    });
  }
  return { at: { time: end + 1000, seq: 1 }, start, end, body: { start, end }, days };
}

function change(deviceId: string, o: Partial<GeoChange>): GeoChange {
  return { ...emptyGeoChange(deviceId), ...o };
}

/** Ground truth: every day's figures summed from the records read back. */
async function truth(geo: SqliteGeoStore, deviceId: string, days: string[]): Promise<GeoDayRow[]> {
  const out: GeoDayRow[] = [];
  for (const day of days) {
    const from = Date.parse(`${day}T00:00:00.000Z`);
    const q = { deviceId, from, to: from + DAY - 1, limit: 1_000_000 };
    const sum = sumDay(day, await geo.trips(q), await geo.stops(q));
    if (sum) out.push({ deviceId, ...sum });
  }
  return out;
}

it('day figures from the day cache equal the sums over the stored records, whatever the writes', async () => {
  const path = join(tempDir(), 'telemetry.db');
  const telemetry = new SqliteStore({ path });
  await telemetry.start();
  await telemetry.stop();
  const geo = new SqliteGeoStore({ path });
  const other = new SqliteGeoStore({ path }); // a second collector, owning the vehicle for a while
  await geo.start();
  await other.start();
  const random = rng(7);
  const ids = ['a', 'b'];
  const days = [0, 1, 2, 3].map((d) => dayOf(D0 + d * DAY));
  const clock = new Map(ids.map((id) => [id, D0 + 20 * 3_600_000]));
  let checked = 0;
  for (let round = 0; round < 400; round++) {
    const id = ids[round % 2] as string;
    let t = clock.get(id) as number;
    const roll = random();
    if (roll < 0.05) {
      // A recomputation: everything produced after a key is deleted, then written again.
      const after = { time: t - 3 * 3_600_000, seq: 0 };
      const redo = record(after.time + 1000, after.time + 600_000, random, true);
      await geo.apply([change(id, { after, trips: [redo] })]);
      t = redo.end + 60_000;
    } else if (roll < 0.08) {
      // An apply that fails halfway (a record whose body cannot be written): rolled back.
      const bad = record(t, t + 60_000, random, true);
      bad.body = { n: 1n } as unknown as Record<string, unknown>;
      const good = record(t, t + 60_000, random, false);
      await expect(geo.apply([change(id, { stops: [good], trips: [bad] })])).rejects.toThrow();
      t += 120_000; // nothing later replaces what the failed apply held
    } else if (roll < 0.1) {
      // Another collector writes the vehicle, then this one takes it back (loading its checkpoint).
      const r = record(t, t + 300_000, random, true);
      await other.checkpoint(id);
      await other.apply([change(id, { trips: [r] })]);
      await geo.checkpoint(id);
      t = r.end + 1000;
    } else {
      // An open trip growing over several writes (replaced by its start), then a stop.
      const start = t;
      let end = start;
      for (let k = 0; k < 1 + Math.floor(random() * 4); k++) {
        end += Math.floor(random() * 2 * 3_600_000);
        await geo.apply([change(id, { trips: [record(start, end, random, true)] })]);
      }
      const stopEnd = end + 1000 + Math.floor(random() * 3_600_000);
      await geo.apply([change(id, { stops: [record(end + 1000, stopEnd, random, false)] })]);
      t = stopEnd + 1000;
    }
    if (t > D0 + 3.5 * DAY) t = D0 + 20 * 3_600_000; // back over the same days: replacements
    clock.set(id, t);
    if (round % 20 === 19) {
      for (const x of ids) {
        const stored = await geo.days({
          fromDay: days[0] as string,
          toDay: days[3] as string,
          deviceIds: [x],
        });
        expect(stored).toEqual(await truth(geo, x, days));
        checked += stored.length;
      }
    }
  }
  expect(checked).toBeGreaterThan(100);
  await other.stop();
  await geo.stop();
});
