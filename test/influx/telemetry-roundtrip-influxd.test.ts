// Every signal round-trips device → Mosquitto → collector → influxd 1.6.7 → API (rows, CSV, NDJSON, latest, history) → import; custom signals from SIGNALS_FILE and speed-only vehicles too.
import { setLogger } from '@influxdata/influxdb-client';
import { afterAll, describe, it } from 'vitest';
import { InfluxdProcess } from '../../harness/influxd.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { telemetryPipeline } from '../helpers/telemetry-api.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(removeTempDirs);
setLogger({ error: () => {}, warn: () => {} });

describe('telemetry end to end on InfluxDB 1.6.7', () => {
  it('every built-in signal, custom signals and a speed-only vehicle, through every route and back through import', async () => {
    const dir = tempDir('telemetry-influxd-');
    const broker = new MosquittoProcess({ dir });
    const influxd = new InfluxdProcess({ dir: `${dir}/influxd` });
    await Promise.all([broker.start(), influxd.start()]);
    try {
      await telemetryPipeline(dir, broker, {
        STORE: 'influxdb',
        INFLUXDB_URL: influxd.url,
        INFLUXDB_BUCKET: 'vehicle-data',
      });
    } finally {
      await Promise.all([broker.stop(), influxd.stop()]);
    }
  }, 300_000);
});
