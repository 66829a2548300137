// The shared geo store suite against a real influxd 1.6.7 (measurements beside the telemetry, InfluxQL DELETE for recomputation).
import { afterAll, beforeAll } from 'vitest';
import { InfluxGeoStore } from '../../../core/store/influx-geo-store.js';
import { InfluxStore } from '../../../core/store/influx-store.js';
import { InfluxdProcess } from '../../../harness/influxd.js';
import { removeTempDirs, tempDir } from '../../helpers/tmp.js';
import { geoStoreSuite } from './geo-suite.js';

const influxd = new InfluxdProcess({ dir: tempDir('influxd-') });
let databases = 0;

beforeAll(() => influxd.start());
afterAll(async () => {
  await influxd.stop();
  removeTempDirs();
});

geoStoreSuite('influxdb 1.6.7', async () => ({
  store: async () => {
    databases += 1;
    const options = {
      url: influxd.url,
      token: undefined,
      org: 'my-org',
      bucket: `geo_${databases}`,
      api: 'auto' as const,
      timeoutMs: 5000,
    };
    // The collector's telemetry store creates the database and its policies first.
    const telemetry = new InfluxStore(options);
    await telemetry.start();
    await telemetry.stop();
    const geo = new InfluxGeoStore(options);
    await geo.start();
    return geo;
  },
  cleanup: async () => {},
}));
