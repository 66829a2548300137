// Builds the geo store beside the configured telemetry store (STORE=sqlite|influxdb): the same file or database.
import type { StoreConfig } from '../config.js';
import type { GeoStore } from './geo-store.js';
import { InfluxGeoStore } from './influx-geo-store.js';
import { SqliteGeoStore } from './sqlite-geo-store.js';

export function createGeoStore(
  config: StoreConfig,
  options: { readonly?: boolean } = {},
): GeoStore {
  switch (config.kind) {
    case 'sqlite':
      return new SqliteGeoStore({ path: config.sqlitePath, readonly: options.readonly ?? false });
    case 'influxdb':
      return new InfluxGeoStore(config.influx);
  }
}
