// Builds the configured telemetry store (STORE=sqlite|influxdb).
import type { StoreConfig } from '../config.js';
import type { Logger } from '../log.js';
import { SqliteStore } from './sqlite-store.js';
import type { TelemetryStore } from './types.js';

export interface CreateStoreOptions {
  /** Readers (the dashboard) never write. */
  readonly?: boolean;
}

export function createStore(
  config: StoreConfig,
  _log: Logger,
  options: CreateStoreOptions = {},
): TelemetryStore {
  switch (config.kind) {
    case 'sqlite':
      return new SqliteStore({ path: config.sqlitePath, readonly: options.readonly ?? false });
    case 'influxdb':
      throw new Error('STORE=influxdb is not available yet');
  }
}
