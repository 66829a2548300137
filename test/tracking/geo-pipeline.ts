// A collector (production composition: trips, geofences, alarms) on a real Mosquitto and SQLite store, fed hand-built tracks by a raw MQTT publisher.
import mqtt, { type MqttClient } from 'mqtt';
import type { Collector } from '../../collector/collector.js';
import { createCollector } from '../../collector/create-collector.js';
import type { Config, ConfigOverrides } from '../../core/config.js';
import { encodeTelemetry, type Reading, telemetryTopic } from '../../core/contract.js';
import { GEOFENCES_TOPIC } from '../../core/geo-wire.js';
import { silentLogger } from '../../core/log.js';
import { SqliteGeoStore } from '../../core/store/sqlite-geo-store.js';
import type { Geofence } from '../../geo/geofence-index.js';
import type { GeoSample } from '../../geo/sample.js';
import { encodeGeofenceSnapshot } from '../../geofences/snapshot.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { waitFor } from '../../harness/wait.js';
import { testConfig } from '../helpers/pipeline.js';

/** A hand-built sample as the telemetry a vehicle publishes (seq from 0: the builder counts from 1). */
export function readingOf(deviceId: string, s: GeoSample): Reading {
  const values: Reading['values'] = {};
  if (s.lat !== undefined && s.lon !== undefined) {
    values.lat = s.lat;
    values.lon = s.lon;
    if (s.heading !== undefined) values.heading = s.heading;
  }
  if (s.speed !== undefined) values.speed = s.speed;
  if (s.ignition !== undefined) values.ignition = s.ignition;
  if (s.fuel !== undefined) values.fuel_pct = s.fuel;
  return {
    device_id: deviceId,
    seq: (s.seq ?? 1) - 1,
    timestamp: new Date(s.time).toISOString(),
    values,
  };
}

export class GeoPipeline {
  collector: Collector;
  private client: MqttClient | undefined;
  private readonly acks = new Map<string, number>();

  constructor(
    readonly broker: MosquittoProcess,
    readonly config: Config,
  ) {
    this.collector = createCollector(config, silentLogger());
  }

  static async start(dir: string, overrides: ConfigOverrides = {}): Promise<GeoPipeline> {
    const broker = new MosquittoProcess({ dir });
    await broker.start();
    const p = new GeoPipeline(broker, testConfig(dir, broker.port, overrides));
    await p.startCollector();
    const client = mqtt.connect(`mqtt://127.0.0.1:${broker.port}`, {
      clientId: `geo-publisher-${process.pid}`,
      clean: true,
      reconnectPeriod: 200,
    });
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    client.on('message', (topic, payload) => {
      const id = topic.split('/')[1] as string;
      if (payload.length > 0)
        p.acks.set(id, (JSON.parse(payload.toString()) as { seq: number }).seq);
    });
    await client.subscribeAsync('vehicles/+/ack', { qos: 0 });
    p.client = client;
    return p;
  }

  async startCollector(): Promise<void> {
    await this.collector.start();
    await this.collector.subscribed;
  }

  /** Stops the collector cleanly and builds a new one on the same store (a restart). */
  async restartCollector(): Promise<void> {
    await this.collector.stop();
    this.collector = createCollector(this.config, silentLogger());
    await this.startCollector();
  }

  /** Publishes (QoS 1) in the order given and waits for every PUBACK. */
  async publish(readings: readonly Reading[]): Promise<void> {
    const c = this.client as MqttClient;
    await Promise.all(
      readings.map((r) =>
        c.publishAsync(telemetryTopic(r.device_id), encodeTelemetry(r), { qos: 1 }),
      ),
    );
  }

  /**
   * Waits until the collector acknowledged every seq of the device up to `seq` (stored and
   * settled) and no vehicle waits for a recomputation (late data).
   */
  async waitAck(deviceId: string, seq: number, timeoutMs = 60_000): Promise<void> {
    await waitFor(
      () => this.acks.get(deviceId) ?? -1,
      (s) => s >= seq,
      { timeoutMs, what: `ack of ${deviceId} up to ${seq}` },
    );
    await waitFor(
      () => this.collector.totals().extensions.geo?.dirty ?? 0,
      (n) => n === 0,
      { timeoutMs, what: 'late data recomputed' },
    );
  }

  /** The retained geofence snapshot the dashboard would publish. */
  async publishGeofences(geofences: readonly Geofence[]): Promise<void> {
    const body = geofences.map((g) => ({
      id: Number(g.id),
      name: g.name,
      shape: g.shape,
      ...(g.speed_limit_kmh === undefined ? {} : { speed_limit_kmh: g.speed_limit_kmh }),
    }));
    await (this.client as MqttClient).publishAsync(
      GEOFENCES_TOPIC,
      encodeGeofenceSnapshot(body, Date.now()),
      { qos: 1, retain: true },
    );
  }

  /** A read-only geo store on the collector's file. */
  async read<T>(fn: (geo: SqliteGeoStore) => Promise<T>): Promise<T> {
    const geo = new SqliteGeoStore({ path: this.config.store.sqlitePath, readonly: true });
    await geo.start();
    try {
      return await fn(geo);
    } finally {
      await geo.stop();
    }
  }

  async stop(): Promise<void> {
    await this.client?.endAsync();
    await this.collector.stop();
    await this.broker.stop();
  }
}
