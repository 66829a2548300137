// Dashboard side: publishes the geofences as the retained `fleet/geofences` snapshot (QoS 1) on every change and every (re)connect.
import type { MqttClient } from 'mqtt';
import { GEOFENCES_TOPIC } from '../core/geo-wire.js';
import type { Logger } from '../core/log.js';
import type { GeofenceStore } from './geofence-store.js';
import { encodeGeofenceSnapshot } from './snapshot.js';

export interface GeofencePublisherDeps {
  store: GeofenceStore;
  log: Logger;
  now: () => number;
}

/**
 * As registry/publisher.ts does for the registry: on every connect too, so a broker that lost its
 * retained messages is healed when the dashboard is back; changes in one turn share a snapshot,
 * snapshots go out in order.
 */
export class GeofencePublisher {
  private client: MqttClient | undefined;
  private scheduled = false;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Snapshots the broker acknowledged. */
  published = 0;

  constructor(private readonly deps: GeofencePublisherDeps) {}

  /** Call right after the session's client is created, in the same tick. */
  attach(client: MqttClient): void {
    this.client = client;
    this.stopped = false;
    client.on('connect', () => this.changed());
  }

  changed(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.chain = this.chain.then(() => this.publishNow());
    });
  }

  private async publishNow(): Promise<void> {
    const client = this.client;
    if (!client?.connected || this.stopped) return;
    const { log, now, store } = this.deps;
    try {
      const geofences = await store.list();
      if (!client.connected) return;
      client.publish(
        GEOFENCES_TOPIC,
        encodeGeofenceSnapshot(geofences, now()),
        { qos: 1, retain: true },
        (err) => {
          if (err) log.warn({ err: err.message }, 'geofence snapshot not acknowledged');
          else this.published += 1;
        },
      );
    } catch (err) {
      log.error({ err: (err as Error).message }, 'geofence snapshot not published');
    }
  }

  /** Waits for snapshots under way. Safe to call twice. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.chain;
  }
}
