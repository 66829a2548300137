import { join } from 'node:path';
import { afterAll } from 'vitest';
import { SqliteStore } from '../../../core/store/sqlite-store.js';
import { removeTempDirs, tempDir } from '../../helpers/tmp.js';
import { storeSuite } from './store-suite.js';

afterAll(removeTempDirs);

storeSuite('sqlite', async () => ({
  store: new SqliteStore({ path: join(tempDir(), 'nested', 'telemetry.db') }),
  cleanup: async () => {},
}));
