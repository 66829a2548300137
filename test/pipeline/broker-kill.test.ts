// A broker SIGKILLed while it holds acknowledged messages for an offline collector: the end-to-end
// ack recovers every reading; hop-by-hop PUBACKs alone (ACK_MODE=broker) lose them.
import { afterAll, describe, expect, it } from 'vitest';
import type { Config } from '../../core/config.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { sleep, waitFor } from '../../harness/wait.js';
import {
  expectExactlyOnce,
  inProcessFleet,
  startedCollector,
  storedSeqs,
  testConfig,
  totalStored,
  waitForStored,
} from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(removeTempDirs);

const LIMIT = 250; // per device, 5 s at 20 ms

async function killBrokerWhileCollectorAway(config: Config, broker: MosquittoProcess) {
  const fleet = inProcessFleet(config, { limit: LIMIT });
  let collector = await startedCollector(config);
  await fleet.start();
  await waitForStored(config.store.sqlitePath, 60);
  await collector.stop(); // its session stays: the broker queues (and PUBACKs) for it
  await sleep(1500);
  await broker.stop('SIGKILL'); // nothing autosaved: the queued messages are gone
  await broker.start();
  collector = await startedCollector(config);
  return { fleet, collector };
}

describe('broker SIGKILL', () => {
  it('end-to-end acks (default): every reading stored exactly once', async () => {
    const dir = tempDir();
    const broker = new MosquittoProcess({ dir, autosaveInterval: 1800 });
    await broker.start();
    const config = testConfig(dir, broker.port, {
      DEVICE_COUNT: '3',
      RESEND_AFTER_MS: '1000',
      ACK_INTERVAL_MS: '100',
    });
    const { fleet, collector } = await killBrokerWhileCollectorAway(config, broker);
    try {
      await waitForStored(config.store.sqlitePath, 3 * LIMIT);
      await waitFor(
        () => fleet.stats().queued,
        (q) => q === 0,
        { what: 'queues confirmed empty' },
      );
      const stats = fleet.stats();
      expect(stats.confirmed).toBe(3 * LIMIT);
      expect(collector.stats().devices.vehicle_01?.watermark).toBe(LIMIT - 1);
    } finally {
      await fleet.stop();
      await collector.stop();
      await broker.stop();
    }
    const expected = Object.fromEntries(fleet.devices.map((d) => [d.id, { last: LIMIT - 1 }]));
    expectExactlyOnce(storedSeqs(config.store.sqlitePath), expected);
  });

  it('hop-by-hop only (ACK_MODE=broker): the readings the broker held are lost', async () => {
    const dir = tempDir();
    const broker = new MosquittoProcess({ dir, autosaveInterval: 1800 });
    await broker.start();
    const config = testConfig(dir, broker.port, { DEVICE_COUNT: '3', ACK_MODE: 'broker' });
    const { fleet, collector } = await killBrokerWhileCollectorAway(config, broker);
    try {
      await waitFor(
        () => fleet.stats().generated,
        (n) => n === 3 * LIMIT,
        { what: 'all readings taken' },
      );
      await waitFor(
        () => fleet.stats().queued,
        (q) => q === 0,
        { what: 'queues emptied by PUBACKs' },
      );
      await sleep(1000);
    } finally {
      await fleet.stop();
      await collector.stop();
      await broker.stop();
    }
    // ~1.5 s x 50 readings/s x 3 devices were PUBACKed, then died with the broker.
    expect(3 * LIMIT - totalStored(config.store.sqlitePath)).toBeGreaterThan(100);
  });
});
