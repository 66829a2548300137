// Dashboard side: publishes the registry as the retained `fleet/registry` snapshot (QoS 1) on every change and every (re)connect.
import type { MqttClient } from 'mqtt';
import { REGISTRY_TOPIC } from '../core/contract.js';
import type { Logger } from '../core/log.js';
import type { RegistryStore } from './registry-store.js';
import { encodeSnapshot } from './snapshot.js';

export interface RegistryPublisherDeps {
  store: RegistryStore;
  log: Logger;
  now: () => number;
}

/**
 * Why publish on every connect, not only on changes: a broker that lost its retained messages (a
 * restart without persistence, the embedded broker, a SIGKILL before its autosave) is healed the
 * moment the dashboard is back, and followers resubscribing after that get the registry again.
 * Changes in one event-loop turn share one snapshot; snapshots go out in order.
 */
export class RegistryPublisher {
  private client: MqttClient | undefined;
  private scheduled = false;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Snapshots the broker acknowledged (PUBACK). */
  published = 0;

  constructor(private readonly deps: RegistryPublisherDeps) {}

  /**
   * Attaches to the dashboard's session client: call right after the client is created, in the
   * same tick, so the first CONNACK already publishes.
   */
  attach(client: MqttClient): void {
    this.client = client;
    this.stopped = false;
    client.on('connect', () => this.changed());
  }

  /** The registry changed (or the connection is new): publish the current one soon. */
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
    // Not connected: the next connect publishes the registry as it is then.
    if (!client?.connected || this.stopped) return;
    const { log, now, store } = this.deps;
    try {
      const devices = await store.list();
      if (!client.connected) return;
      // Not awaiting the PUBACK: MQTT.js sends publishes in call order, and one lost with its
      // connection is resent on the next (or superseded by the snapshot that connect publishes).
      client.publish(
        REGISTRY_TOPIC,
        encodeSnapshot(devices, now()),
        { qos: 1, retain: true },
        (err) => {
          if (err) log.warn({ err: err.message }, 'registry snapshot not acknowledged');
          else this.published += 1;
        },
      );
      log.debug({ devices: devices.length }, 'registry snapshot published');
    } catch (err) {
      log.error({ err: (err as Error).message }, 'registry snapshot not published');
    }
  }

  /** Waits for snapshots under way. Safe to call twice. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.chain;
  }
}
