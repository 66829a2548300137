// The device registry's storage interface: the dashboard host owns the registry, one small table per implementation.
import type { RegistryEntry } from './entry.js';

/** What a PUT changes: a field left out keeps its value (null for a new device). */
export type RegistryChange = Partial<Omit<RegistryEntry, 'device_id'>>;

export interface RegistryStore {
  start(): Promise<void>;
  /** Safe to call twice. */
  stop(): Promise<void>;
  /** Every registered device, by device_id. */
  list(): Promise<RegistryEntry[]>;
  get(deviceId: string): Promise<RegistryEntry | undefined>;
  /** Registers the device or updates it; says which, with the entry as stored. */
  put(
    deviceId: string,
    change: RegistryChange,
  ): Promise<{ entry: RegistryEntry; created: boolean }>;
  /** Unregisters; false when the device was not registered. */
  remove(deviceId: string): Promise<boolean>;
}
