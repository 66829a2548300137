// influxd 1.6.7 killed mid-stream and restarted: the collector holds PUBACKs, stays bounded, loses nothing.
import { afterAll, describe, expect, it } from 'vitest';
import { createCollector } from '../../collector/create-collector.js';
import { silentLogger } from '../../core/log.js';
import { fleetIds } from '../../devices/create-device.js';
import { InfluxdProcess } from '../../harness/influxd.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { sleep, waitFor } from '../../harness/wait.js';
import { expectExactlyOnce, inProcessFleet } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import {
  influxConfig,
  influxdCount,
  influxReader,
  knownReadings,
  mosquittoPub,
  seqsByDevice,
  waitForCount,
} from './helpers.js';

afterAll(removeTempDirs);

/** Samples collector.stats().pending every 20 ms; returns the peak so far. */
function pendingPeak(stats: () => { pending: number }): { peak: () => number; stop: () => void } {
  let peak = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, stats().pending);
  }, 20);
  return { peak: () => peak, stop: () => clearInterval(timer) };
}

describe('InfluxDB outages', () => {
  it('influxd SIGKILLed for 4 s while 5 devices publish, restarted: every reading stored once', async () => {
    const dir = tempDir();
    const broker = new MosquittoProcess({ dir });
    const influxd = new InfluxdProcess({ dir: `${dir}/influxd` });
    await Promise.all([broker.start(), influxd.start()]);
    const config = influxConfig(dir, broker.port, influxd.url, { DEVICE_COUNT: '5' });
    const limit = 500; // 10 s at 20 ms per device
    const fleet = inProcessFleet(config, { limit });
    const collector = createCollector(config, silentLogger());
    const sampler = pendingPeak(() => collector.stats());
    try {
      await collector.start();
      await collector.subscribed;
      await fleet.start();
      await waitForCount(() => influxdCount(influxd, 'vehicle-data'), 300);
      await influxd.stop('SIGKILL');
      const downAt = Date.now();
      await sleep(4000);
      const during = collector.stats();
      expect(during.writeFailures).toBeGreaterThan(0);
      // Nothing was acknowledged meanwhile: the broker keeps the rest for the collector's session.
      expect(during.stored).toBeLessThan(5 * limit);
      await influxd.start();
      const upAt = Date.now();
      await waitForCount(() => influxdCount(influxd, 'vehicle-data'), 5 * limit);
      const drainedAt = Date.now();
      await waitFor(
        () => collector.stats().pending,
        (p) => p === 0,
        { what: 'nothing pending' },
      );
      console.info(
        `influxd down ${upAt - downAt} ms; pending peak ${sampler.peak()}; stored ${
          5 * limit
        } ${drainedAt - upAt} ms after the restart; failed writes ${during.writeFailures}`,
      );
      const reader = await influxReader(config);
      const ids = fleetIds(config.devices.prefix, 5);
      expectExactlyOnce(
        await seqsByDevice(reader, ids),
        Object.fromEntries(ids.map((id) => [id, { last: limit - 1 }])),
      );
      await reader.stop();
    } finally {
      sampler.stop();
      await fleet.stop();
      await collector.stop();
      await Promise.all([broker.stop(), influxd.stop()]);
    }
  });

  it('a 30,000-reading backlog while influxd is down: pending capped at 20,000, all stored once after', async () => {
    const dir = tempDir();
    // No inflight limit: Mosquitto pushes the whole backlog and the collector must bound itself.
    const broker = new MosquittoProcess({ dir, maxInflight: 0 });
    const influxd = new InfluxdProcess({ dir: `${dir}/influxd` });
    await Promise.all([broker.start(), influxd.start()]);
    const config = influxConfig(dir, broker.port, influxd.url);
    const collector = createCollector(config, silentLogger());
    const sampler = pendingPeak(() => collector.stats());
    const ids = ['burst_a', 'burst_b', 'burst_c'];
    try {
      await collector.start();
      await collector.subscribed;
      await influxd.stop('SIGTERM');
      const downAt = Date.now();
      await Promise.all(ids.map((id) => mosquittoPub(dir, broker.port, knownReadings(id, 10_000))));
      await waitFor(
        () => collector.stats().pending,
        (p) => p >= 20_000,
        { what: 'the collector to reach its pending limit' },
      );
      await sleep(500);
      expect(collector.stats().pending).toBe(20_000); // it stopped reading the socket
      expect(collector.stats().stored).toBe(0);
      await influxd.start();
      const upAt = Date.now();
      await waitForCount(() => influxdCount(influxd, 'vehicle-data'), 30_000);
      const drainMs = Date.now() - upAt;
      await waitFor(
        () => collector.stats().pending,
        (p) => p === 0,
        { what: 'nothing pending' },
      );
      expect(sampler.peak()).toBeLessThanOrEqual(20_000);
      console.info(
        `influxd down ${upAt - downAt} ms with 30,000 readings published; pending peak ${sampler.peak()}; drained in ${drainMs} ms`,
      );
      const reader = await influxReader(config);
      expectExactlyOnce(
        await seqsByDevice(reader, ids),
        Object.fromEntries(ids.map((id) => [id, { last: 9_999 }])),
      );
      await reader.stop();
    } finally {
      sampler.stop();
      await collector.stop();
      await Promise.all([broker.stop(), influxd.stop()]);
    }
  });
});
