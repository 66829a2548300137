// Gateway test fixture: a real Mosquitto, the real collector (SQLite) and registry publisher in this process, the gateway on free ports, and the store read back.
import { join } from 'node:path';
import type { Collector } from '../../collector/collector.js';
import { createCollector } from '../../collector/create-collector.js';
import { type Config, loadConfig } from '../../core/config.js';
import type { RegistryEntry } from '../../core/contract.js';
import { createLogger, silentLogger } from '../../core/log.js';
import { MqttSession } from '../../core/mqtt-session.js';
import { SqliteStore } from '../../core/store/sqlite-store.js';
import { EARLIEST_MS, LATEST_MS } from '../../core/store/types.js';
import { type CreateGatewayOptions, createGateway } from '../../gateway/create-gateway.js';
import type { Gateway } from '../../gateway/gateway.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { waitFor } from '../../harness/wait.js';
import { RegistryPublisher } from '../../registry/publisher.js';
import { SqliteRegistryStore } from '../../registry/sqlite-registry-store.js';
import { tempDir } from '../helpers/tmp.js';

/** A stored reading as the store returns it: seq, ISO timestamp, its signals by catalog key. */
export interface StoredRow {
  seq: number;
  timestamp: string;
  [key: string]: unknown;
}

/**
 * What the collector stored, through the store's own read API (a read-only connection), and the
 * registry as the dashboard would publish it (its store and publisher, on their own session).
 */
export class Backend {
  collector: Collector | undefined;
  private reader: SqliteStore | undefined;
  private readonly registryStore: SqliteRegistryStore;
  private readonly publisher: RegistryPublisher;
  private readonly session: MqttSession;

  constructor(readonly config: Config) {
    const log = silentLogger();
    this.registryStore = new SqliteRegistryStore(config.dashboard.statePath);
    this.publisher = new RegistryPublisher({ store: this.registryStore, log, now: Date.now });
    this.session = new MqttSession({
      mqtt: config.mqtt,
      clientId: `registry-${Math.random().toString(36).slice(2, 8)}`,
      clean: true,
      log,
    });
  }

  async startCollector(): Promise<void> {
    const collector = createCollector(this.config, silentLogger());
    await collector.start();
    await collector.subscribed;
    this.collector = collector;
  }

  async stopCollector(): Promise<void> {
    await this.collector?.stop();
    this.collector = undefined;
  }

  /** Starts the registry's publisher (an empty registry unless `entries`). */
  async startRegistry(entries: RegistryEntry[] = []): Promise<void> {
    await this.registryStore.start();
    for (const e of entries) await this.registryStore.put(e.device_id, e);
    this.publisher.attach(this.session.create());
    this.session.start();
  }

  async registry(entries: RegistryEntry[]): Promise<void> {
    for (const e of await this.registryStore.list()) await this.registryStore.remove(e.device_id);
    for (const e of entries) await this.registryStore.put(e.device_id, e);
    this.publisher.changed();
  }

  async rows(deviceId: string): Promise<StoredRow[]> {
    if (!this.reader) {
      const reader = new SqliteStore({ path: this.config.store.sqlitePath, readonly: true });
      try {
        await reader.start();
      } catch {
        return []; // not created yet
      }
      this.reader = reader;
    }
    const rows = await this.reader.readings({
      deviceId,
      from: EARLIEST_MS,
      to: LATEST_MS,
      order: 'asc',
      limit: 100_000,
    });
    return rows
      .map((r) => ({ seq: r.seq, timestamp: new Date(r.timestamp).toISOString(), ...r.values }))
      .sort((a, b) => a.seq - b.seq);
  }

  async stop(): Promise<void> {
    await this.reader?.stop();
    await this.publisher.stop();
    await this.session.stop();
    await this.registryStore.stop();
    await this.stopCollector();
  }
}

export interface GatewayFixture {
  broker: MosquittoProcess;
  backend: Backend;
  config: Config;
  gateway: Gateway;
  /** A fresh gateway on the same queue dir. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** The env of a test: broker, store and state files in `dir`, acks every 50 ms. */
export function backendEnv(dir: string, brokerPort: number): Record<string, string> {
  return {
    MQTT_BROKER_HOST: '127.0.0.1',
    MQTT_BROKER_PORT: String(brokerPort),
    MQTT_RECONNECT_MAX_MS: '500',
    SQLITE_PATH: join(dir, 'telemetry.db'),
    COLLECTOR_STATE_PATH: join(dir, 'collector-state.db'),
    DASHBOARD_STATE_PATH: join(dir, 'dashboard-state.db'),
    COLLECTOR_CLIENT_ID: `collector-${Math.random().toString(36).slice(2, 8)}`,
    ACK_INTERVAL_MS: '50',
    RESEND_AFTER_MS: '1000',
    LOG_LEVEL: 'silent',
    // The dashboard of the browser test: today's open reads (people and sessions are not tested here).
    AUTH_MODE: 'none',
  };
}

/** `registry`: what the dashboard would have published (default: empty; null: nothing yet). */
export async function startGatewayFixture(
  env: Record<string, string> = {},
  options: CreateGatewayOptions = {},
  registry: RegistryEntry[] | null = [],
): Promise<GatewayFixture> {
  const broker = new MosquittoProcess({ dir: tempDir('gw-broker-') });
  await broker.start();
  const dir = tempDir('gw-backend-');
  const config = loadConfig({
    ...backendEnv(dir, broker.port),
    OSMAND_PORT: '0',
    TELTONIKA_PORT: '0',
    OWNTRACKS: 'true',
    GATEWAY_QUEUE_DIR: join(dir, 'gateway'),
    GATEWAY_ID: `gw-${Math.random().toString(36).slice(2, 8)}`,
    GATEWAY_HOST: '127.0.0.1',
    ...env,
  });
  const backend = new Backend(config);
  await backend.startCollector();
  if (registry) await backend.startRegistry(registry);
  const log = createLogger(
    (process.env.TEST_LOG_LEVEL as 'silent' | undefined) ?? 'silent',
    'gateway',
    { format: 'json' },
  );
  const opts: CreateGatewayOptions = { ...options };
  const fixture: GatewayFixture = {
    broker,
    backend,
    config,
    gateway: createGateway(config, log, opts),
    async restart() {
      await fixture.gateway.stop();
      fixture.gateway = createGateway(config, log, opts);
      await fixture.gateway.start();
    },
    async stop() {
      await fixture.gateway.stop();
      await backend.stop();
      await broker.stop();
    },
  };
  await fixture.gateway.start();
  if (registry) {
    await waitFor(
      () => fixture.gateway.parts.registry.ready,
      (r) => r,
      { what: 'the registry at the gateway' },
    );
  }
  return fixture;
}

export const osmandUrl = (f: GatewayFixture, query: string) =>
  `http://127.0.0.1:${f.gateway.parts.osmand?.port}/?${query}`;
