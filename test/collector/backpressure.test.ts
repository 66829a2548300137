// Backpressure with readings taken straight from the parser: while the store cannot write, the collector holds at most maxPending messages and reads no further; once it can, everything is stored once.
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { sleep, waitFor } from '../../harness/wait.js';
import {
  expectExactlyOnce,
  inProcessCollector,
  storedSeqs,
  testConfig,
} from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(removeTempDirs);

const MAX_PENDING = 50;
const READINGS = 600;

describe('collector backpressure', () => {
  it(`stops reading at ${MAX_PENDING} pending messages while the store is locked, then stores all ${READINGS} once`, async () => {
    const dir = tempDir();
    // A window far above maxPending: only the collector's own backpressure can stop the flow.
    const broker = new MosquittoProcess({ dir, maxInflight: 1000 });
    await broker.start();
    const config = testConfig(dir, broker.port);
    const collector = inProcessCollector(config, {
      maxPending: MAX_PENDING,
      retryInitialMs: 20,
      retryMaxMs: 50,
    });
    const publisher = mqtt.connect({ host: '127.0.0.1', port: broker.port, clientId: 'bp-pub' });
    const locker = new Database(config.store.sqlitePath, { timeout: 0 });
    try {
      await collector.start();
      await collector.subscribed;
      // Another connection holds the write lock: every write of the collector fails and retries.
      locker.exec('BEGIN IMMEDIATE');
      const t0 = Date.now();
      for (let seq = 0; seq < READINGS; seq++) {
        const reading = {
          device_id: 'bp_1',
          seq,
          timestamp: new Date(t0 - (READINGS - seq) * 1000).toISOString(),
          speed: seq % 120,
        };
        await publisher.publishAsync('vehicles/bp_1/speed', JSON.stringify(reading), { qos: 1 });
      }
      await waitFor(
        () => collector.totals().pending,
        (n) => n >= MAX_PENDING,
        { what: 'the pipeline full' },
      );
      await sleep(500);
      const held = collector.totals();
      expect(held.pending).toBe(MAX_PENDING); // it stopped reading the socket
      expect(held.received).toBe(held.pending);
      expect(held.stored).toBe(0);
      locker.exec('COMMIT');
      await waitFor(
        () => collector.totals().stored,
        (n) => n >= READINGS,
        { what: `${READINGS} stored` },
      );
      expect(collector.totals().pending).toBe(0);
    } finally {
      if (locker.inTransaction) locker.exec('ROLLBACK');
      locker.close();
      await publisher.endAsync();
      await collector.stop();
      await broker.stop();
    }
    expectExactlyOnce(storedSeqs(config.store.sqlitePath), { bp_1: { last: READINGS - 1 } });
  });
});
