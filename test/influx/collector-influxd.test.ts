// devices -> Mosquitto -> `npm run collector` with STORE=influxdb -> influxd 1.6.7: every reading once.
import { afterAll, describe, expect, it } from 'vitest';
import { fleetIds } from '../../devices/create-device.js';
import { InfluxdProcess } from '../../harness/influxd.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { ProgramProcess } from '../../harness/program.js';
import { waitFor } from '../../harness/wait.js';
import { expectExactlyOnce, inProcessFleet } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { influxConfig, influxdCount, influxReader, seqsByDevice, waitForCount } from './helpers.js';

afterAll(removeTempDirs);

describe('collector on InfluxDB 1.6.7', () => {
  it('10 devices x 150 readings through the collector process: stored exactly once, readable', async () => {
    const dir = tempDir();
    const broker = new MosquittoProcess({ dir });
    const influxd = new InfluxdProcess({ dir: `${dir}/influxd` });
    await Promise.all([broker.start(), influxd.start()]);
    const config = influxConfig(dir, broker.port, influxd.url, { DEVICE_COUNT: '10' });
    const limit = 150;
    const fleet = inProcessFleet(config, { limit });
    const collector = ProgramProcess.fromNpmScript('collector', [], {
      MQTT_BROKER_HOST: '127.0.0.1',
      MQTT_BROKER_PORT: String(broker.port),
      STORE: 'influxdb',
      INFLUXDB_URL: influxd.url,
      INFLUXDB_BUCKET: 'vehicle-data',
      COLLECTOR_STATE_PATH: config.collectorStatePath,
      LOG_LEVEL: 'info',
    });
    try {
      collector.start();
      await waitFor(() => collector.stderr.includes('"msg":"subscribed"'), Boolean, {
        what: 'collector subscribed',
      });
      // The collector found influxd 1.6.7, chose the 1.x /write path and created the database.
      expect(collector.stderr).toMatch(/"version":"1\.6\.7[^"]*","writeApi":"v1"/);
      expect(collector.stderr).toContain('created InfluxDB database');
      await fleet.start();
      await waitForCount(() => influxdCount(influxd, 'vehicle-data'), 10 * limit);
      await waitFor(
        () => fleet.stats().queued,
        (q) => q === 0,
        { what: 'device queues empty' },
      );
      await fleet.stop();
      expect(await collector.kill('SIGTERM')).toBe(0);
      expect(collector.stderr).toContain('"stored":1500');

      const reader = await influxReader(config);
      const ids = fleetIds(config.devices.prefix, 10);
      const expected = Object.fromEntries(ids.map((id) => [id, { last: limit - 1 }]));
      expectExactlyOnce(await seqsByDevice(reader, ids), expected);
      const devices = await reader.devices();
      expect(devices.map((d) => [d.deviceId, d.lastSeq])).toEqual(ids.map((id) => [id, limit - 1]));
      const latest = await reader.latest(ids[0] ?? '');
      expect(latest).toMatchObject({ deviceId: ids[0], seq: limit - 1 });
      expect(latest?.timestamp).toBe(devices[0]?.lastSeen);
      await reader.stop();
    } finally {
      await fleet.stop();
      await collector.kill('SIGKILL');
      await Promise.all([broker.stop(), influxd.stop()]);
    }
  });
});
