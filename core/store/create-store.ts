// Builds the configured telemetry store (STORE=sqlite|influxdb).
import { setLogger } from '@influxdata/influxdb-client';
import type { StoreConfig } from '../config.js';
import type { Logger } from '../log.js';
import { InfluxStore } from './influx-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { TelemetryStore } from './types.js';

export interface CreateStoreOptions {
  /** Readers (the dashboard) never write. */
  readonly?: boolean;
}

export function createStore(
  config: StoreConfig,
  log: Logger,
  options: CreateStoreOptions = {},
): TelemetryStore {
  switch (config.kind) {
    case 'sqlite':
      return new SqliteStore({
        path: config.sqlitePath,
        catalog: config.catalog,
        readonly: options.readonly ?? false,
        retention: config.retention,
        crashMidMigration: config.crashMidMigration === true,
        onMigrateStart: (from, to) =>
          log.info(
            { from, to, path: config.sqlitePath },
            'store schema upgrade started (readers wait; no row is copied)',
          ),
        onMigrate: (report) =>
          log.info(
            report,
            report.from < report.to
              ? `store upgraded from schema v${report.from} to v${report.to} (no row copied)`
              : 'store: columns added for new signals',
          ),
      });
    case 'influxdb': {
      const storeLog = log.child({ store: 'influxdb' });
      // The client logs each failed write to the console through its one module-level logger; the
      // collector already logs failed writes (and retries them), so route these to debug. Set
      // here, in the composition root, because it is process-wide.
      setLogger({
        error: (message, error) => storeLog.debug({ err: errorText(error) }, message),
        warn: (message, error) => storeLog.debug({ err: errorText(error) }, message),
      });
      return new InfluxStore({
        ...config.influx,
        catalog: config.catalog,
        readonly: options.readonly ?? false,
        // Applied as retention policies per tier (the writer sets them; see docs/influxdb.md).
        retention: config.retention,
        log: storeLog,
      });
    }
  }
}

function errorText(error: unknown): string | undefined {
  return error instanceof Error ? error.message : error === undefined ? undefined : String(error);
}
