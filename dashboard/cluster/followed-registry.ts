// DASHBOARD_REGISTRY=follower: the registry as another dashboard instance publishes it (the retained fleet/registry snapshot); writes are refused here.
import type { MqttClient } from 'mqtt';
import { REGISTRY_TOPIC } from '../../core/contract.js';
import type { Logger } from '../../core/log.js';
import type { RegistryEntry } from '../../registry/entry.js';
import { RegistryFollower } from '../../registry/follower.js';
import type { RegistryChange, RegistryStore } from '../../registry/registry-store.js';
import { HttpError } from '../errors.js';

class RegistryElsewhereError extends HttpError {
  constructor() {
    super(
      409,
      'conflict',
      'this dashboard follows the registry of another instance (DASHBOARD_REGISTRY=follower): change it on the instance that owns it',
    );
  }
}

/**
 * Several dashboards on separate state files would each publish their own registry, and the last
 * to (re)connect would win (an empty one makes DEVICE_ALLOWLIST refuse every vehicle). So one
 * instance owns it (the default) and the others follow its snapshot like the collector does:
 * they never publish it, answer reads from it and refuse writes with 409.
 */
export class FollowedRegistry implements RegistryStore {
  private readonly follower: RegistryFollower;
  private entries: RegistryEntry[] = [];

  constructor(log: Logger) {
    this.follower = new RegistryFollower(log);
    this.follower.onSnapshot((snapshot) => {
      // By device_id in code-unit order, as SQLite's ORDER BY lists it on the owner.
      this.entries = [...snapshot.devices].sort((a, b) => (a.device_id < b.device_id ? -1 : 1));
    });
  }

  /** Subscribes on every connect of the dashboard's session (call before its first CONNACK). */
  attach(client: MqttClient): void {
    client.on('connect', () => {
      client.subscribe(REGISTRY_TOPIC, { qos: 1 });
    });
    client.on('message', (topic, payload) => {
      if (topic === REGISTRY_TOPIC) this.follower.accept(payload);
    });
  }

  /** A snapshot arrived since start. */
  get ready(): boolean {
    return this.follower.ready;
  }

  async start(): Promise<void> {}

  async list(): Promise<RegistryEntry[]> {
    return this.entries;
  }

  async get(deviceId: string): Promise<RegistryEntry | undefined> {
    return this.follower.lookup(deviceId);
  }

  async put(
    _deviceId: string,
    _change: RegistryChange,
  ): Promise<{ entry: RegistryEntry; created: boolean }> {
    throw new RegistryElsewhereError();
  }

  async remove(_deviceId: string): Promise<boolean> {
    throw new RegistryElsewhereError();
  }

  async stop(): Promise<void> {}
}
