// The SQLite registry store on a real file: register, update field by field, clear, unregister, survive a reopen.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteRegistryStore } from '../../registry/sqlite-registry-store.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(removeTempDirs);

describe('SqliteRegistryStore', () => {
  it('registers, updates only the fields given, clears with null, unregisters', async () => {
    const path = join(tempDir(), 'state', 'dashboard-state.db');
    const store = new SqliteRegistryStore(path);
    await store.start();
    await store.start(); // idempotent
    expect(await store.list()).toEqual([]);
    expect(await store.put('vehicle_02', { name: 'Van 2' })).toEqual({
      created: true,
      entry: { device_id: 'vehicle_02', name: 'Van 2', plate: null, speed_limit_kmh: null },
    });
    await store.put('vehicle_01', { plate: 'AB-123', speed_limit_kmh: 80 });
    expect(await store.put('vehicle_02', { speed_limit_kmh: 90.5 })).toEqual({
      created: false,
      entry: { device_id: 'vehicle_02', name: 'Van 2', plate: null, speed_limit_kmh: 90.5 },
    });
    expect((await store.put('vehicle_01', { plate: null })).entry).toEqual({
      device_id: 'vehicle_01',
      name: null,
      plate: null,
      speed_limit_kmh: 80,
    });
    expect((await store.list()).map((e) => e.device_id)).toEqual(['vehicle_01', 'vehicle_02']);
    expect(await store.remove('vehicle_01')).toBe(true);
    expect(await store.remove('vehicle_01')).toBe(false);
    expect(await store.get('vehicle_01')).toBeUndefined();
    await store.stop();
    await store.stop(); // idempotent

    const again = new SqliteRegistryStore(path);
    await again.start();
    expect(await again.list()).toEqual([
      { device_id: 'vehicle_02', name: 'Van 2', plate: null, speed_limit_kmh: 90.5 },
    ]);
    await again.stop();
  });

  it('keeps hostile text as inert data (bound parameters), the table intact', async () => {
    const store = new SqliteRegistryStore(join(tempDir(), 'state.db'));
    await store.start();
    const id = 'vehicle_x';
    const name = "x'); DROP TABLE registry; --";
    await store.put(id, { name });
    expect((await store.get(id))?.name).toBe(name);
    expect(await store.list()).toHaveLength(1);
    await store.stop();
  });
});
