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

it("an older store gets the geo tables from the collector's store (v1 → v3); until then readers refuse it", async () => {
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
