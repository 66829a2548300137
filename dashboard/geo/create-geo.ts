// Composition of the dashboard's geo parts from config: the read-only geo store, the geofences it owns (or follows), the trip settings.
import type { Config } from '../../core/config.js';
import type { Logger } from '../../core/log.js';
import { createGeoStore } from '../../core/store/create-geo-store.js';
import { geoConfig } from '../../geo/config.js';
import { FollowedGeofences } from '../../geofences/followed-geofences.js';
import { SqliteGeofenceStore } from '../../geofences/sqlite-geofence-store.js';
import { DashboardGeo } from './dashboard-geo.js';

/** DASHBOARD_REGISTRY=follower follows the owner's geofences as it follows its registry. */
export function createDashboardGeo(
  config: Config,
  log: Logger,
  o: { now: () => number; retryMs?: number; statePath?: string },
): DashboardGeo {
  const follower = config.dashboard.registryMode === 'follower';
  const { tracking: _on, ...settings } = config.geo;
  return new DashboardGeo({
    createGeoStore: () => createGeoStore(config.store, { readonly: true }),
    geofences: follower
      ? new FollowedGeofences()
      : new SqliteGeofenceStore(o.statePath ?? config.dashboard.statePath),
    config: geoConfig(settings),
    log,
    now: o.now,
    retryMs: o.retryMs ?? 2000,
  });
}
