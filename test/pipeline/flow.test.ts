// (1) 10 devices x N readings reach the store exactly once with contiguous seq, on Mosquitto and on Aedes.
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedBroker } from '../../broker/embedded-broker.js';
import { silentLogger } from '../../core/log.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { waitFor } from '../../harness/wait.js';
import {
  expectExactlyOnce,
  inProcessCollector,
  inProcessFleet,
  queueRows,
  storedSeqs,
  testConfig,
  waitForStored,
} from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(removeTempDirs);

const N = 100;

async function runFlow(port: number, dir: string) {
  const config = testConfig(dir, port, { DEVICE_COUNT: '10' });
  const collector = inProcessCollector(config);
  const fleet = inProcessFleet(config, { limit: N });
  await collector.start();
  await collector.subscribed;
  await fleet.start();
  await waitForStored(config.store.sqlitePath, 10 * N);
  // Queues empty out once every PUBACK is in.
  await waitFor(
    () => fleet.stats().queued,
    (q) => q === 0,
    { what: 'empty device queues' },
  );
  const stats = fleet.stats();
  await fleet.stop();
  await collector.stop();
  const expected = Object.fromEntries(fleet.devices.map((d) => [d.id, { last: N - 1 }]));
  expectExactlyOnce(storedSeqs(config.store.sqlitePath), expected);
  for (const d of fleet.devices)
    expect(queueRows(config.devices.queueDir, d.id)).toEqual({ rows: 0, nextSeq: N, dropped: 0 });
  expect(stats).toMatchObject({ generated: 10 * N, acknowledged: 10 * N, queued: 0, dropped: 0 });
  const c = collector.stats();
  expect(c.stored).toBe(10 * N);
  expect(c.rejectedTotal).toBe(0);
  expect(c.gapsOpened).toBe(0);
  return c;
}

describe('device -> broker -> collector -> SQLite', () => {
  it('on Mosquitto: 10 devices x 100 readings stored exactly once, contiguous', async () => {
    const dir = tempDir();
    const broker = new MosquittoProcess({ dir });
    await broker.start();
    try {
      const c = await runFlow(broker.port, dir);
      // Several readings share a commit: the PUBACK gate lets batches form.
      expect(c.batches).toBeLessThan(10 * N);
    } finally {
      await broker.stop();
    }
  });

  it('on the embedded Aedes broker: the same', async () => {
    const dir = tempDir();
    const broker = new EmbeddedBroker({ port: 0, host: '127.0.0.1', log: silentLogger() });
    await broker.start();
    try {
      await runFlow(broker.port, dir);
    } finally {
      await broker.stop();
    }
  });
});
