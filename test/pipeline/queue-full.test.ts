// (6) A full device queue drops its oldest readings, counts them, and delivers the rest once the broker is back.
import { afterAll, describe, expect, it } from 'vitest';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { freePort } from '../../harness/ports.js';
import { waitFor } from '../../harness/wait.js';
import {
  expectExactlyOnce,
  inProcessFleet,
  queueRows,
  startedCollector,
  storedSeqs,
  testConfig,
  waitForStored,
} from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(removeTempDirs);

describe('queue capacity', () => {
  it('(6) with the broker down, a queue of 20 keeps the newest 20 of 50 readings and counts 30 dropped', async () => {
    const dir = tempDir();
    const port = await freePort();
    const config = testConfig(dir, port, {
      DEVICE_COUNT: '1',
      QUEUE_MAX: '20',
      PUBLISH_INTERVAL_MS: '10',
    });
    const fleet = inProcessFleet(config, { limit: 50 });
    const broker = new MosquittoProcess({ dir, port });
    // The collector's persistent session exists first (as in any running system), then the broker goes down.
    await broker.start();
    const collector = await startedCollector(config);
    await broker.stop('SIGTERM');
    try {
      await fleet.start(); // no broker: the device keeps retrying and queues
      await waitFor(
        () => fleet.stats().generated,
        (n) => n === 50,
        { what: '50 readings taken' },
      );
      expect(fleet.stats()).toMatchObject({
        connected: 0,
        queued: 20,
        dropped: 30,
        acknowledged: 0,
      });
      expect(queueRows(config.devices.queueDir, 'vehicle_01')).toEqual({
        rows: 20,
        nextSeq: 50,
        dropped: 30,
      });

      await broker.start();
      await waitForStored(config.store.sqlitePath, 20);
      await waitFor(
        () => fleet.stats().queued,
        (q) => q === 0,
        { what: 'queue drained' },
      );
      expectExactlyOnce(storedSeqs(config.store.sqlitePath), {
        vehicle_01: { first: 30, last: 49 },
      });
      expect(fleet.stats().dropped).toBe(30);
    } finally {
      await fleet.stop();
      await collector.stop();
      await broker.stop();
    }
  });
});
