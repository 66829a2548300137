// Building blocks for pipeline tests: config for a test broker, in-process collector and fleet, store reads.

import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import { Collector } from '../../collector/collector.js';
import { collectorOptions } from '../../collector/create-collector.js';
import { DEFAULT_INGEST_OPTIONS, type IngestOptions } from '../../collector/ingest.js';
import { type Config, type ConfigOverrides, loadConfig } from '../../core/config.js';
import { silentLogger } from '../../core/log.js';
import { MqttSession } from '../../core/mqtt-session.js';
import { SqliteStore } from '../../core/store/sqlite-store.js';
import { createFleet } from '../../devices/create-fleet.js';
import type { Fleet } from '../../devices/fleet.js';
import { waitFor } from '../../harness/wait.js';

export function testConfig(dir: string, port: number, overrides: ConfigOverrides = {}): Config {
  return loadConfig(
    {},
    {
      MQTT_BROKER_HOST: '127.0.0.1',
      MQTT_BROKER_PORT: String(port),
      MQTT_RECONNECT_MAX_MS: '1000',
      SQLITE_PATH: join(dir, 'telemetry.db'),
      // Each program's own state in the test's directory, never in the repository's data/.
      COLLECTOR_STATE_PATH: join(dir, 'collector-state.db'),
      DASHBOARD_STATE_PATH: join(dir, 'dashboard-state.db'),
      QUEUE_DIR: join(dir, 'queues'),
      PUBLISH_INTERVAL_MS: '20',
      LOG_LEVEL: 'silent',
      SEED: '1',
      // Tests not about people run as today's open dashboard; npm start's default is local.
      AUTH_MODE: 'none',
      // No test reaches the internet: the map draws the offline basemap unless a test says otherwise.
      MAP_TILE_URL: 'none',
      ...overrides,
    },
  );
}

/** Starts a collector and waits for its subscription, so no reading predates its session. */
export async function startedCollector(config: Config): Promise<Collector> {
  const collector = inProcessCollector(config);
  await collector.start();
  await collector.subscribed;
  return collector;
}

export function inProcessCollector(config: Config, ingest: Partial<IngestOptions> = {}): Collector {
  const log = silentLogger();
  const options = collectorOptions(config);
  return new Collector(
    {
      store: new SqliteStore({ path: config.store.sqlitePath }),
      session: new MqttSession({
        mqtt: config.mqtt,
        clientId: config.collectorClientId,
        clean: false,
        log,
      }),
      log,
      now: Date.now,
    },
    { ...options, ingest: { ...DEFAULT_INGEST_OPTIONS, ...options.ingest, ...ingest } },
  );
}

export function inProcessFleet(
  config: Config,
  options: { limit?: number; stallMs?: number } = {},
): Fleet {
  return createFleet(config, silentLogger(), options);
}

/** Every stored seq per device, straight from the SQLite file (a second, read-only connection). */
export function storedSeqs(sqlitePath: string): Map<string, number[]> {
  const db = new Database(sqlitePath, { readonly: true, fileMustExist: true });
  try {
    const rows = db
      .prepare('SELECT device_id, seq FROM readings ORDER BY device_id, seq')
      .all() as Array<{
      device_id: string;
      seq: number;
    }>;
    const out = new Map<string, number[]>();
    for (const r of rows) {
      const list = out.get(r.device_id) ?? [];
      list.push(r.seq);
      out.set(r.device_id, list);
    }
    return out;
  } catch {
    return new Map(); // file exists but the schema is not there yet
  } finally {
    db.close();
  }
}

export function totalStored(sqlitePath: string): number {
  let n = 0;
  try {
    for (const seqs of storedSeqs(sqlitePath).values()) n += seqs.length;
  } catch {
    return 0;
  }
  return n;
}

export async function waitForStored(
  sqlitePath: string,
  expected: number,
  timeoutMs = 30_000,
): Promise<void> {
  await waitFor(
    () => totalStored(sqlitePath),
    (n) => n >= expected,
    {
      timeoutMs,
      what: `${expected} stored readings`,
    },
  );
}

/** Each device has exactly seq first..last, each once. */
export function expectExactlyOnce(
  seqs: Map<string, number[]>,
  expected: Record<string, { first?: number; last: number }>,
): void {
  expect([...seqs.keys()].sort()).toEqual(Object.keys(expected).sort());
  for (const [deviceId, { first = 0, last }] of Object.entries(expected)) {
    const want = Array.from({ length: last - first + 1 }, (_, i) => first + i);
    expect(seqs.get(deviceId), deviceId).toEqual(want);
  }
}

/** A device's queue as its file holds it (per-device layout). */
export function queueRows(
  queueDir: string,
  deviceId: string,
): { rows: number; nextSeq: number; dropped: number } {
  const db = new Database(join(queueDir, `${deviceId}.db`), {
    readonly: true,
    fileMustExist: true,
  });
  try {
    const rows = (
      db.prepare('SELECT count(*) AS n FROM queue WHERE device_id = ?').get(deviceId) as {
        n: number;
      }
    ).n;
    const meta = db
      .prepare(
        'SELECT max(next_seq, coalesce((SELECT max(seq) + 1 FROM queue WHERE device_id = @id), 0)) AS next_seq, dropped FROM devices WHERE device_id = @id',
      )
      .get({ id: deviceId }) as { next_seq: number; dropped: number } | undefined;
    return { rows, nextSeq: meta?.next_seq ?? 0, dropped: meta?.dropped ?? 0 };
  } finally {
    db.close();
  }
}
