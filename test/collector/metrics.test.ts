// collector/metrics.ts against a real ingest pipeline and SQLite store: each scrape shows the totals of that moment.
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import type { CollectorTotals } from '../../collector/collector.js';
import { DEFAULT_INGEST_OPTIONS, Ingest } from '../../collector/ingest.js';
import { collectorMetrics } from '../../collector/metrics.js';
import { RejectCounter } from '../../collector/reject-counter.js';
import { speedTopic } from '../../core/contract.js';
import { silentLogger } from '../../core/log.js';
import { BUILTIN_CATALOG } from '../../core/signals/catalog.js';
import { SqliteStore } from '../../core/store/sqlite-store.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { parseExposition, sample } from '../metrics/exposition.js';

const store = new SqliteStore({ path: join(tempDir('collector-metrics-'), 'telemetry.db') });
afterAll(async () => {
  await store.stop();
  removeTempDirs();
});

describe('collectorMetrics', () => {
  it('a scrape right after a batch became durable shows it: pending 1 → 0, stored 0 → 1, one totals() per scrape', async () => {
    await store.start();
    const log = silentLogger();
    const rejects = new RejectCounter(log, Date.now);
    let durable: () => void = () => {};
    const written = new Promise<void>((resolve) => {
      durable = resolve;
    });
    const ingest = new Ingest(DEFAULT_INGEST_OPTIONS, {
      store,
      catalog: BUILTIN_CATALOG,
      rejects,
      release: () => {},
      now: Date.now,
      log,
      onStored: () => durable(),
      onStatus: () => {},
    });
    let reads = 0;
    const totals = (): CollectorTotals => {
      reads += 1;
      return {
        connected: true,
        reconnects: 0,
        received: ingest.received,
        stored: ingest.stored,
        duplicates: ingest.duplicates,
        rejected: { ...rejects.counts },
        invalidSignals: {},
        unknownSignals: 0,
        rejectedTotal: rejects.total,
        pending: ingest.pendingMessages,
        writeFailures: ingest.writeFailures,
        batches: ingest.batchesWritten,
        gapsOpened: 0,
        gapsFilled: 0,
        declaredDropped: 0,
        droppedNoticesIgnored: 0,
        acksSent: 0,
        retention: undefined,
        deviceCount: 0,
        missing: 0,
        extensions: {},
        registry: { devices: 0, received: false, held: 0 },
      };
    };
    const registry = new Registry();
    collectorMetrics(registry, { totals });
    const scrape = async () => parseExposition(await registry.metrics());

    const reading = { device_id: 'vehicle_01', seq: 1, timestamp: new Date().toISOString() };
    ingest.accept(
      speedTopic('vehicle_01'),
      Buffer.from(JSON.stringify({ ...reading, speed: 50 })),
      { messageId: 1, generation: 0 },
    );
    // Received, its batch not written yet (that waits for setImmediate): the gauge is 1 for now.
    const before = await scrape();
    expect(sample(before, 'telemetry_collector_pending_pubacks')).toBe(1);
    expect(sample(before, 'telemetry_collector_readings_stored_total')).toBe(0);
    await written;
    // The next scrape, however soon, reads the totals again.
    const after = await scrape();
    expect(sample(after, 'telemetry_collector_pending_pubacks')).toBe(0);
    expect(sample(after, 'telemetry_collector_readings_stored_total')).toBe(1);
    expect(reads).toBe(2);
    await ingest.stop();
  });
});
