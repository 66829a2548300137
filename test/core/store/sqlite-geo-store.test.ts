// The shared geo store suite on SQLite (tables in the telemetry file), plus the schema upgrade it needs.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { SqliteGeoStore } from '../../../core/store/sqlite-geo-store.js';
import { createV1Store } from '../../../core/store/sqlite-schema.js';
import { SqliteStore } from '../../../core/store/sqlite-store.js';
import { removeTempDirs, tempDir } from '../../helpers/tmp.js';
import { geoStoreSuite } from './geo-suite.js';

afterAll(removeTempDirs);

geoStoreSuite('sqlite', async () => ({
  store: async () => {
    const path = join(tempDir(), 'telemetry.db');
    const telemetry = new SqliteStore({ path });
    await telemetry.start();
    await telemetry.stop();
    const geo = new SqliteGeoStore({ path });
    await geo.start();
    return geo;
  },
  cleanup: async () => {},
}));

it("an older store gets the geo tables from the collector's store (v1 → v4); until then readers refuse it", async () => {
  const path = join(tempDir(), 'old.db');
  const db = new Database(path);
  createV1Store(db);
  db.close();
  await expect(new SqliteGeoStore({ path, readonly: true }).start()).rejects.toThrow(/schema v1/);
  const telemetry = new SqliteStore({ path });
  await telemetry.start();
  await telemetry.stop();
  const geo = new SqliteGeoStore({ path, readonly: true });
  await geo.start();
  expect(await geo.dirtyVehicles()).toEqual([]);
  await geo.stop();
});

it('a v3 store gets the 10-minute track (v3 → v4) and keeps its minute track', async () => {
  const path = join(tempDir(), 'v3.db');
  const telemetry = new SqliteStore({ path });
  await telemetry.start();
  await telemetry.stop();
  const minute = Date.parse('2026-05-04T10:00:00.000Z');
  // What a v3 file looks like: no geo_track_10m, the minutes its collector kept.
  const db = new Database(path);
  db.exec('DROP TABLE geo_track_10m');
  db.prepare(
    `INSERT INTO geo_track (device_id, minute, t1, lat1, lon1, t2, lat2, lon2, flags)
     VALUES ('v', ?, ?, 52.5, 13.4, ?, 52.6, 13.5, 0)`,
  ).run(minute, minute + 1000, minute + 59_000);
  db.pragma('user_version = 3');
  db.close();
  await expect(new SqliteGeoStore({ path, readonly: true }).start()).rejects.toThrow(/schema v3/);
  await telemetry.start();
  await telemetry.stop();
  const geo = new SqliteGeoStore({ path, readonly: true });
  await geo.start();
  expect((await geo.track('v', minute, minute)).map((b) => b.t2)).toEqual([minute + 59_000]);
  expect(await geo.coarseTrack('v', minute, minute)).toEqual([]);
  await geo.stop();
});
