// Trips, stops and events computed at ingest by the collector, against the pure logic and the tracks' ground truth.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GeoRecord } from '../../core/store/geo-store.js';
import type { Trip } from '../../geo/records.js';
import { run } from '../geo/run.js';
import { rng, TrackBuilder, workingDay } from '../geo/tracks.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { GeoPipeline, readingOf } from './geo-pipeline.js';

const DAY = 86_400_000;
/** Days in the past: readings must not be in the future (MAX_FUTURE_SKEW_MS). */
const D0 = Math.floor(Date.now() / DAY) * DAY - 5 * DAY;

let p: GeoPipeline;
beforeAll(async () => {
  p = await GeoPipeline.start(tempDir());
}, 60_000);
afterAll(async () => {
  await p?.stop();
  removeTempDirs();
});

const all = { from: D0 - DAY, to: D0 + 10 * DAY, limit: 10_000 };

describe('trips at ingest', () => {
  it('a working day published live gives the trips and stops of the pure logic', async () => {
    const b = new TrackBuilder(D0, 52.52, 13.405, rng(3));
    workingDay(b, D0);
    const id = 'day_live';
    const readings = b.samples.map((s) => readingOf(id, s));
    await p.publish(readings);
    await p.waitAck(id, readings.length - 1);
    const expected = run(b.samples);
    const trips = await p.read((g) => g.trips({ deviceId: id, ...all }));
    const stops = await p.read((g) => g.stops({ deviceId: id, ...all }));
    expect(trips.map((t: GeoRecord) => t.body as unknown as Trip)).toEqual(expected.trips);
    expect(stops.map((s) => s.body)).toEqual(expected.stops);
    expect(expected.trips.length).toBe(4);
  });
});
