// The official client's /api/v2/write path end to end: Mosquitto -> collector -> VictoriaMetrics, read back.
import { setLogger } from '@influxdata/influxdb-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector } from '../../collector/collector.js';
import { readingOfSpeed, type SpeedReading } from '../../core/contract.js';
import { silentLogger } from '../../core/log.js';
import { MqttSession } from '../../core/mqtt-session.js';
import { InfluxStore } from '../../core/store/influx-store.js';
import type { TelemetryStore } from '../../core/store/types.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { type ExportedSeries, VictoriaMetricsProcess } from '../../harness/victoria-metrics.js';
import { waitFor } from '../../harness/wait.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { influxConfig, knownReadings, mosquittoPub } from './helpers.js';

// The client logs each failed write (VictoriaMetrics drops keep-alive connections now and then).
setLogger({ error: () => {}, warn: () => {} });

const dir = tempDir('vm-');
const vm = new VictoriaMetricsProcess({ dir });
beforeAll(() => vm.start());
afterAll(async () => {
  await vm.stop();
  removeTempDirs();
});

const storeOptions = () => ({
  url: vm.url,
  token: 'any-token', // sent as `Token any-token`; VictoriaMetrics ignores it
  org: 'my-org',
  bucket: 'vehicle-data',
  api: 'auto' as const,
  timeoutMs: 5000,
});

/**
 * VictoriaMetrics has no InfluxQL, so the store's reads refuse it, and the collector reads
 * devices() once at start to seed its gap tracker. This view answers that with "none" and passes
 * everything else through: the write path under test is the store's own.
 */
function writeOnlyView(store: InfluxStore): TelemetryStore {
  return {
    kind: store.kind,
    start: () => store.start(),
    stop: () => store.stop(),
    write: (readings, dropped) => store.write(readings, dropped),
    coverage: async () => [],
    claim: async () => [],
    disown: async () => {},
    prune: () => store.prune(),
    devices: async () => [],
    latest: (id) => store.latest(id),
    history: (q) => store.history(q),
    readings: (q) => store.readings(q),
    readingChunks: (range, rows) => store.readingChunks(range, rows),
    seqs: (id) => store.seqs(id),
    ping: () => store.ping(),
  };
}

/** Every exported sample as `device seq time speed`, sorted (one line per point). */
function exportedPoints(series: ExportedSeries[]): string[] {
  const byKey = new Map<string, { seq?: number; speed?: number }>();
  for (const s of series) {
    const field = s.metric.__name__ === 'vehicle_speed_seq' ? 'seq' : 'speed';
    s.timestamps.forEach((t, i) => {
      const key = `${s.metric.device_id} ${t}`;
      const entry = byKey.get(key) ?? {};
      entry[field] = s.values[i];
      byKey.set(key, entry);
    });
  }
  return [...byKey]
    .map(([key, v]) => {
      const [device, time] = key.split(' ');
      return `${device} ${v.seq} ${time} ${v.speed}`;
    })
    .sort();
}

function expectedPoints(readings: SpeedReading[]): string[] {
  return readings
    .map((r) => `${r.device_id} ${r.seq} ${Date.parse(r.timestamp)} ${r.speed}`)
    .sort();
}

async function exportWhenComplete(match: string, expected: number): Promise<string[]> {
  let points: string[] = [];
  await waitFor(
    async () => {
      points = exportedPoints(await vm.export(match));
      return points.length;
    },
    (n) => n >= expected,
    { timeoutMs: 30_000, intervalMs: 250, what: `${expected} points exported` },
  );
  return points;
}

describe('VictoriaMetrics 1.79.5 through /api/v2/write', () => {
  it('auto-detects the v2 write API (no X-Influxdb-Version) and reads refuse its canned InfluxQL', async () => {
    const store = new InfluxStore(storeOptions());
    await store.start();
    try {
      expect(store.server).toEqual({ version: undefined, major: undefined, writeApi: 'v2' });
      const readings = knownReadings('probe', 3);
      expect(await store.write(readings.map(readingOfSpeed))).toMatchObject({
        stored: 3,
        duplicates: 0,
      });
      expect(await exportWhenComplete('{device_id="probe"}', 3)).toEqual(expectedPoints(readings));
      await expect(store.seqs('probe')).rejects.toThrow(/does not answer InfluxQL/);
      await expect(store.devices()).rejects.toThrow(/does not answer InfluxQL/);
    } finally {
      await store.stop();
    }
  });

  it('a write while VictoriaMetrics is down rejects (no silent background retry); after the restart it lands', async () => {
    const store = new InfluxStore(storeOptions());
    await store.start();
    const readings = knownReadings('down', 4);
    try {
      await store.write(readings.slice(0, 2).map(readingOfSpeed));
      await vm.stop();
      await expect(store.write(readings.slice(2).map(readingOfSpeed))).rejects.toThrow();
      await vm.start();
      await store.write(readings.slice(2).map(readingOfSpeed));
      expect(await exportWhenComplete('{device_id="down"}', 4)).toEqual(expectedPoints(readings));
    } finally {
      await store.stop();
    }
  });

  it('Mosquitto -> collector -> VictoriaMetrics: 3 x 3,000 QoS 1 readings, every point read back equal', async () => {
    const broker = new MosquittoProcess({ dir: tempDir('vm-broker-') });
    await broker.start();
    const config = influxConfig(dir, broker.port, vm.url);
    const log = silentLogger();
    const collector = new Collector({
      store: writeOnlyView(new InfluxStore({ ...storeOptions(), log })),
      session: new MqttSession({
        mqtt: config.mqtt,
        clientId: config.collectorClientId,
        clean: false,
        log,
      }),
      log,
      now: Date.now,
    });
    const readings = ['vm_a', 'vm_b', 'vm_c'].map((id) => knownReadings(id, 3000));
    try {
      await collector.start();
      await collector.subscribed;
      await Promise.all(readings.map((r) => mosquittoPub(dir, broker.port, r)));
      const points = await exportWhenComplete('{device_id=~"vm_.*"}', 9000);
      expect(points).toEqual(expectedPoints(readings.flat()));
      await waitFor(
        () => collector.stats().pending,
        (p) => p === 0,
        { what: 'all acknowledged' },
      );
      expect(collector.stats()).toMatchObject({ stored: 9000, duplicates: 0, rejectedTotal: 0 });
    } finally {
      await collector.stop();
      await broker.stop();
    }
  });
});
