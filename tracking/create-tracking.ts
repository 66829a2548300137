// Composition of the geo capability on a collector from config: the geofence follower, the geo store beside the telemetry store, the tracker settings.
import type { Config } from '../core/config.js';
import type { Logger } from '../core/log.js';
import type { GeoStore } from '../core/store/geo-store.js';
import type { TelemetryStore } from '../core/store/types.js';
import { geoConfig } from '../geo/config.js';
import type { GeofenceFollower } from '../geofences/follower.js';
import type { RegistryFollower } from '../registry/follower.js';
import { DEFAULT_TRACKING_OPTIONS, GeoTracking } from './geo-tracking.js';

export interface TrackingParts {
  geo: GeoStore;
  /** The collector's store (a partition's borrowed one in a cluster). */
  store: TelemetryStore;
  geofences: GeofenceFollower;
  registry: RegistryFollower;
  /** false: the geo store is shared (a cluster) and started by its owner. */
  ownsStore: boolean;
  valid?: () => boolean;
  owns?: (deviceId: string) => boolean;
}

export function createTracking(config: Config, log: Logger, parts: TrackingParts): GeoTracking {
  const { tracking: _on, ...settings } = config.geo;
  const tracking = new GeoTracking(
    {
      geo: parts.geo,
      store: parts.store,
      geofences: parts.geofences,
      limitFor: (id) => parts.registry.lookup(id)?.speed_limit_kmh ?? undefined,
      config: geoConfig(settings),
      now: Date.now,
      log: log.child({ component: 'geo' }),
      ...(parts.valid ? { valid: parts.valid } : {}),
      ...(parts.owns ? { owns: parts.owns } : {}),
    },
    { ...DEFAULT_TRACKING_OPTIONS, ownsStore: parts.ownsStore },
  );
  parts.registry.onSnapshot(() => tracking.limitsChanged());
  return tracking;
}
