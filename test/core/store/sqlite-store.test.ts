import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { SqliteStore } from '../../../core/store/sqlite-store.js';
import { removeTempDirs, tempDir } from '../../helpers/tmp.js';
import { readingsSuite } from './readings-suite.js';
import { storeSuite } from './store-suite.js';
import { telemetrySuite } from './telemetry-suite.js';

afterAll(removeTempDirs);

storeSuite('sqlite', async () => ({
  store: new SqliteStore({ path: join(tempDir(), 'nested', 'telemetry.db') }),
  cleanup: async () => {},
}));

readingsSuite('sqlite', async () => ({
  store: new SqliteStore({ path: join(tempDir(), 'readings.db') }),
  cleanup: async () => {},
}));

// SQLite knows which (device_id, seq) it already has, so it counts redeliveries exactly (the shared
// suite only asserts what every store can: stored + duplicates = batch size, nothing stored twice).
it('sqlite counts duplicates exactly, across batches', async () => {
  const store = new SqliteStore({ path: join(tempDir(), 'dups.db') });
  await store.start();
  try {
    const at = (seq: number) => ({
      device_id: 'd',
      seq,
      timestamp: new Date(1_800_000_000_000 + seq * 1000).toISOString(),
      values: { speed: seq },
    });
    expect(await store.write([0, 1, 2, 3, 4].map(at))).toMatchObject({ stored: 5, duplicates: 0 });
    expect(await store.write([3, 5, 5].map(at))).toMatchObject({ stored: 1, duplicates: 2 });
    expect(await store.seqs('d')).toEqual([0, 1, 2, 3, 4, 5]);
  } finally {
    await store.stop();
  }
});

telemetrySuite('sqlite', async () => ({
  store: new SqliteStore({ path: join(tempDir(), 'telemetry.db') }),
  cleanup: async () => {},
}));
