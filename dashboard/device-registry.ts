// The dashboard's registry: the store it owns plus the snapshot publisher, so every change reaches the followers.
import type { RegistryEntry } from '../registry/entry.js';
import type { RegistryPublisher } from '../registry/publisher.js';
import type { RegistryChange, RegistryStore } from '../registry/registry-store.js';

export class DeviceRegistry {
  private readonly listeners: Array<() => void> = [];

  constructor(
    private readonly store: RegistryStore,
    private readonly publisher: RegistryPublisher,
  ) {}

  /** Called after each change made through this registry. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private changed(): void {
    this.publisher.changed();
    for (const l of this.listeners) l();
  }

  list(): Promise<RegistryEntry[]> {
    return this.store.list();
  }

  get(deviceId: string): Promise<RegistryEntry | undefined> {
    return this.store.get(deviceId);
  }

  async put(
    deviceId: string,
    change: RegistryChange,
  ): Promise<{ entry: RegistryEntry; created: boolean }> {
    const result = await this.store.put(deviceId, change);
    this.changed();
    return result;
  }

  async remove(deviceId: string): Promise<boolean> {
    const removed = await this.store.remove(deviceId);
    if (removed) this.changed();
    return removed;
  }
}
