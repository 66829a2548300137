// GEO_TRACKING=false: the collector stores and acknowledges telemetry with positions, and computes no trips, stops or events.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rng, TrackBuilder, workingDay } from '../geo/tracks.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { GeoPipeline, readingOf } from './geo-pipeline.js';

const DAY = 86_400_000;
const D0 = Math.floor(Date.now() / DAY) * DAY - 2 * DAY;

let p: GeoPipeline;
beforeAll(async () => {
  p = await GeoPipeline.start(tempDir(), { GEO_TRACKING: 'false' });
}, 60_000);
afterAll(async () => {
  await p?.stop();
  removeTempDirs();
});

describe('GEO_TRACKING=false', () => {
  it('stores and acks a working day of fixes; no geo extension runs and no trip is written', async () => {
    const b = new TrackBuilder(D0, 52.52, 13.405, rng(3));
    workingDay(b, D0);
    const readings = b.samples.map((s) => readingOf('off', s));
    await p.publish(readings);
    await p.waitAck('off', readings.length - 1);
    expect(p.collector.totals().extensions.geo).toBeUndefined();
    const db = new Database(p.config.store.sqlitePath, { readonly: true });
    try {
      const stored = db.prepare('SELECT count(*) AS n FROM readings').get() as { n: number };
      expect(stored.n).toBe(readings.length);
      const geoTables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'geo%'")
        .all();
      expect(geoTables.length).toBeGreaterThanOrEqual(8);
      for (const { name } of geoTables as Array<{ name: string }>) {
        const rows = db.prepare(`SELECT count(*) AS n FROM "${name}"`).get() as { n: number };
        expect(rows.n, name).toBe(0);
      }
    } finally {
      db.close();
    }
  });
});
