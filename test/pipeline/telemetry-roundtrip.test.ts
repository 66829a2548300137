// Every signal round-trips device → Mosquitto → collector → SQLite → API (rows, CSV, NDJSON, latest, history) → import; custom signals from SIGNALS_FILE and speed-only vehicles too.
import { afterAll, describe, it } from 'vitest';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { telemetryPipeline } from '../helpers/telemetry-api.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(removeTempDirs);

describe('telemetry end to end on SQLite', () => {
  it('every built-in signal, custom signals and a speed-only vehicle, through every route and back through import', async () => {
    const dir = tempDir('telemetry-sqlite-');
    const broker = new MosquittoProcess({ dir });
    await broker.start();
    try {
      await telemetryPipeline(dir, broker);
    } finally {
      await broker.stop();
    }
  }, 240_000);
});
