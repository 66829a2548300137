// A fleet's live traffic without a process per vehicle: a few MQTT.js clients publish every vehicle's speed (or speed and position, QoS 0) and retained status into a broker.
import mqtt, { type MqttClient } from 'mqtt';
import {
  encodeHealth,
  encodeReading,
  encodeTelemetry,
  healthTopic,
  telemetryTopic,
} from '../core/contract.js';

export interface FleetTrafficOptions {
  port: number;
  ids: readonly string[];
  /** Each vehicle publishes once per interval (default 1000 ms). */
  intervalMs?: number;
  /** MQTT connections the vehicles are spread over (default 4). */
  clients?: number;
  /** A vehicle's speed at a time (default: a slow wave of its own, 0–120 km/h). */
  speed?: (id: string, index: number, at: number) => number;
  /** Also a retained health message per vehicle this often (default: none). */
  healthEveryMs?: number;
  /** A vehicle's fix at a time: then each reading is telemetry with speed and position (default: speed only). */
  position?: (id: string, index: number, at: number) => FleetFix;
}

export interface FleetFix {
  lat: number;
  lon: number;
  heading: number;
}

/**
 * Vehicles spread over western Europe (lat 36–60, lon -9–24, a fixed scatter per index), each
 * driving a circle of 2 km radius around its home at 50 km/h, clockwise, from its own phase.
 */
export function circlingFix(_id: string, index: number, at: number): FleetFix {
  const scatter = (k: number): number => {
    const x = Math.sin(index * 12.9898 + k * 78.233) * 43_758.5453;
    return x - Math.floor(x);
  };
  const homeLat = 36 + 24 * scatter(1);
  const homeLon = -9 + 33 * scatter(2);
  const radiusM = 2000;
  const angle = scatter(3) * 2 * Math.PI + ((50 / 3.6) * (at / 1000)) / radiusM;
  const mPerDegLat = 111_320;
  const mPerDegLon = mPerDegLat * Math.cos((homeLat * Math.PI) / 180);
  return {
    lat: Math.round((homeLat + (radiusM * Math.cos(angle)) / mPerDegLat) * 1e6) / 1e6,
    lon: Math.round((homeLon + (radiusM * Math.sin(angle)) / mPerDegLon) * 1e6) / 1e6,
    // Moving along the circle clockwise (north at angle 0, east at 90°): heading = angle + 90°.
    heading: Math.round(((((angle * 180) / Math.PI + 90) % 360) + 360) % 360),
  };
}

/**
 * Deterministic speeds, different per vehicle, so sorting and histograms have something to show;
 * 13–103 km/h, below the built-in overspeed limit (110), so the collector's rules stay quiet.
 */
export const waveSpeed = (_id: string, index: number, at: number): number =>
  Math.round((58 + 45 * Math.sin(at / 20_000 + index * 0.7)) * 100) / 100;

export class FleetTraffic {
  private readonly clients: MqttClient[] = [];
  private timer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();
  private readonly seqs = new Map<string, number>();
  private readonly silent = new Set<string>();
  /** Speed messages handed to MQTT.js so far. */
  published = 0;

  constructor(private readonly options: FleetTrafficOptions) {}

  async start(): Promise<void> {
    const n = this.options.clients ?? 4;
    for (let i = 0; i < n; i++) {
      this.clients.push(
        await mqtt.connectAsync({
          host: '127.0.0.1',
          port: this.options.port,
          clientId: `fleet-traffic-${process.pid}-${i}`,
        }),
      );
    }
    const now = new Date().toISOString();
    await Promise.all(
      this.options.ids.map((id, i) =>
        this.client(i).publishAsync(
          `vehicles/${id}/status`,
          JSON.stringify({ device_id: id, status: 'online', timestamp: now }),
          { qos: 1, retain: true },
        ),
      ),
    );
    this.round();
    const healthEvery = this.options.healthEveryMs;
    if (healthEvery !== undefined) {
      this.health();
      this.healthTimer = setInterval(() => this.health(), healthEvery);
    }
    const interval = this.options.intervalMs ?? 1000;
    // Spread over the interval in slices, as a real fleet's readings are.
    const slices = 10;
    let slice = 0;
    this.timer = setInterval(() => {
      this.round(slice, slices);
      slice = (slice + 1) % slices;
    }, interval / slices);
  }

  private client(i: number): MqttClient {
    return this.clients[i % this.clients.length] as MqttClient;
  }

  /** Publishes the vehicles of one slice (all of them without arguments). */
  private round(slice = 0, slices = 1): void {
    const at = Date.now();
    const timestamp = new Date(at).toISOString();
    const speed = this.options.speed ?? waveSpeed;
    this.options.ids.forEach((id, i) => {
      if (i % slices !== slice || this.silent.has(id)) return;
      const seq = (this.seqs.get(id) ?? -1) + 1;
      this.seqs.set(id, seq);
      const kmh = speed(id, i, at);
      const fix = this.options.position?.(id, i, at);
      if (fix) {
        const values = { speed: kmh, lat: fix.lat, lon: fix.lon, heading: fix.heading };
        const payload = encodeTelemetry({ device_id: id, seq, timestamp, values });
        this.client(i).publish(telemetryTopic(id), payload, { qos: 0 });
      } else {
        const payload = encodeReading({ device_id: id, seq, timestamp, speed: kmh });
        this.client(i).publish(`vehicles/${id}/speed`, payload, { qos: 0 });
      }
      this.published += 1;
    });
  }

  private health(): void {
    const timestamp = new Date().toISOString();
    this.options.ids.forEach((id, i) => {
      if (this.silent.has(id)) return;
      const payload = encodeHealth({
        device_id: id,
        timestamp,
        uptime_s: Math.round((Date.now() - this.startedAt) / 1000),
        queue_depth: 0,
        dropped_total: 0,
        reconnects: 0,
        firmware: 'fleet-traffic',
      });
      this.client(i).publish(healthTopic(id), payload, { qos: 0, retain: true });
    });
  }

  /** The vehicle stops cleanly: a retained `offline` status, then silence. */
  async goOffline(id: string): Promise<void> {
    this.silent.add(id);
    const i = this.options.ids.indexOf(id);
    await this.client(Math.max(0, i)).publishAsync(
      `vehicles/${id}/status`,
      JSON.stringify({ device_id: id, status: 'offline', timestamp: new Date().toISOString() }),
      { qos: 1, retain: true },
    );
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.healthTimer);
    this.timer = undefined;
    await Promise.all(this.clients.splice(0).map((c) => c.endAsync()));
  }
}
