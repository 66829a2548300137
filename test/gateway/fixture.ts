// Gateway test fixture: a real Mosquitto, the gateway in this process on free ports, and (until the collector takes telemetry) a named fake that stores and acks telemetry.
import mqtt, { type MqttClient } from 'mqtt';
import { type Config, loadConfig } from '../../core/config.js';
import {
  ackTopic,
  encodeAck,
  parseTopic,
  REGISTRY_TOPIC,
  type RegistryEntry,
  TELEMETRY_SUBSCRIPTION,
} from '../../core/contract.js';
import { createLogger } from '../../core/log.js';
import { type CreateGatewayOptions, createGateway } from '../../gateway/create-gateway.js';
import type { Gateway } from '../../gateway/gateway.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { tempDir } from '../helpers/tmp.js';

export interface StoredTelemetry {
  device_id: string;
  seq: number;
  timestamp: string;
  [key: string]: unknown;
}

/**
 * FAKE of the collector's telemetry ingest (vehicles/{id}/telemetry is not yet taken by the
 * collector): keeps every payload by (device, seq) once and publishes the retained end-to-end ack
 * (highest seq held contiguously from 0 or from the first seq seen), as the collector does.
 */
export class TelemetrySink {
  readonly byDevice = new Map<string, Map<number, StoredTelemetry>>();
  received = 0;
  private client: MqttClient | undefined;
  acking = true;

  async start(port: number): Promise<void> {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      clientId: `sink-${process.pid}-${Math.random().toString(36).slice(2)}`,
      clean: true,
    });
    client.on('message', (topic, payload) => {
      const parsed = parseTopic(topic);
      if (parsed?.kind !== 'telemetry') return;
      this.received += 1;
      const msg = JSON.parse(payload.toString()) as StoredTelemetry;
      let rows = this.byDevice.get(msg.device_id);
      if (!rows) {
        rows = new Map();
        this.byDevice.set(msg.device_id, rows);
      }
      if (!rows.has(msg.seq)) rows.set(msg.seq, msg);
      if (!this.acking) return;
      let w = -1;
      while (rows.has(w + 1)) w += 1;
      client.publish(
        ackTopic(msg.device_id),
        encodeAck({ device_id: msg.device_id, seq: w, timestamp: new Date().toISOString() }),
        { qos: 0, retain: true },
      );
    });
    await client.subscribeAsync(TELEMETRY_SUBSCRIPTION, { qos: 1 });
    this.client = client;
  }

  /** Publishes a registry snapshot, retained, as the dashboard does. */
  async registry(devices: RegistryEntry[]): Promise<void> {
    await this.client?.publishAsync(
      REGISTRY_TOPIC,
      JSON.stringify({ devices, timestamp: new Date().toISOString() }),
      { qos: 1, retain: true },
    );
  }

  rows(deviceId: string): StoredTelemetry[] {
    return [...(this.byDevice.get(deviceId)?.values() ?? [])].sort((a, b) => a.seq - b.seq);
  }

  async stop(): Promise<void> {
    await this.client?.endAsync();
  }
}

export interface GatewayFixture {
  broker: MosquittoProcess;
  sink: TelemetrySink;
  config: Config;
  gateway: Gateway;
  queueDir: string;
  /** A fresh gateway on the same queue dir (after stop()). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `registry`: the snapshot a dashboard would have published (default: an empty registry; null:
 * none yet).
 */
export async function startGatewayFixture(
  env: Record<string, string> = {},
  options: CreateGatewayOptions = {},
  registry: RegistryEntry[] | null = [],
): Promise<GatewayFixture> {
  const broker = new MosquittoProcess({ dir: tempDir('gw-broker-') });
  await broker.start();
  const sink = new TelemetrySink();
  await sink.start(broker.port);
  if (registry) await sink.registry(registry);
  const queueDir = tempDir('gw-queue-');
  const config = loadConfig({
    MQTT_BROKER_HOST: '127.0.0.1',
    MQTT_BROKER_PORT: String(broker.port),
    OSMAND_PORT: '0',
    TELTONIKA_PORT: '0',
    OWNTRACKS: 'true',
    GATEWAY_QUEUE_DIR: queueDir,
    GATEWAY_ID: `gw-${Math.random().toString(36).slice(2, 8)}`,
    GATEWAY_HOST: '127.0.0.1',
    RESEND_AFTER_MS: '1000',
    ...env,
  });
  const log = createLogger(
    (process.env.TEST_LOG_LEVEL as 'silent' | undefined) ?? 'silent',
    'gateway',
    { format: 'json' },
  );
  const opts: CreateGatewayOptions = { ackWaitMs: 200, ...options };
  const fixture: GatewayFixture = {
    broker,
    sink,
    config,
    queueDir,
    gateway: createGateway(config, log, opts),
    async restart() {
      await fixture.gateway.stop();
      fixture.gateway = createGateway(config, log, opts);
      await fixture.gateway.start();
    },
    async stop() {
      await fixture.gateway.stop();
      await sink.stop();
      await broker.stop();
    },
  };
  await fixture.gateway.start();
  return fixture;
}

export const osmandUrl = (f: GatewayFixture, query: string) =>
  `http://127.0.0.1:${f.gateway.parts.osmand?.port}/?${query}`;
