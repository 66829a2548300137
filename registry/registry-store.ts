// The device registry's storage interface: the dashboard host owns the registry, one small table per implementation.
import type { RegistryEntry } from './entry.js';

/** What a PUT changes: a field left out keeps its value (null for a new device); null clears. */
export type RegistryChange = {
  [K in Exclude<keyof RegistryEntry, 'device_id'>]?: RegistryEntry[K] | null;
};

/** A change that would give two devices one IMEI. */
export class RegistryConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryConflictError';
  }
}

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
