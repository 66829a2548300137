// Composition of the collector from config: store + persistent MQTT session + delivery options + the alarm engine + metrics.
import type { Registry } from 'prom-client';
import { createAlarmService } from '../alarms/create-alarms.js';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/log.js';
import { COLLECTOR_USER } from '../core/mqtt-credentials.js';
import { MqttSession } from '../core/mqtt-session.js';
import { createGeoStore } from '../core/store/create-geo-store.js';
import { createStore } from '../core/store/create-store.js';
import { GeofenceFollower } from '../geofences/follower.js';
import { RegistryFollower } from '../registry/follower.js';
import { speedLimitsOf } from '../registry/speed-limits.js';
import { createTracking } from '../tracking/create-tracking.js';
import { Collector, type CollectorOptions } from './collector.js';
import { collectorMetrics, ingestHistograms } from './metrics.js';
import { DEFAULT_RETENTION_RUNNER } from './retention-runner.js';

/** `metrics`: the registry to report to (METRICS_PORT, or `npm start`'s shared one); none: no metrics. */
export function createCollector(config: Config, log: Logger, metrics?: Registry): Collector {
  // One follower of fleet/registry: the allow-list and the alarms' speed limits read the same.
  const registry = new RegistryFollower(log);
  const store = createStore(config.store, log);
  // One follower of fleet/geofences: trips and the alarms' geofence rules read the same zones.
  const geofences = new GeofenceFollower(log);
  // GEO_TRACKING=false: ingest only (no trips, stops or geofence events; the geo store untouched).
  const tracking = config.geo.tracking
    ? createTracking(config, log, {
        geo: createGeoStore(config.store),
        store,
        geofences,
        registry,
        ownsStore: true,
      })
    : undefined;
  const collector = new Collector(
    {
      store,
      session: new MqttSession({
        mqtt: config.mqtt,
        clientId: config.collectorClientId,
        user: COLLECTOR_USER,
        clean: false,
        log,
      }),
      log,
      now: Date.now,
      ...(metrics ? { observer: ingestHistograms(metrics) } : {}),
      registry,
      // Rules are evaluated here: the collector sees every stored reading once (see README, Alarms).
      extensions: [
        geofences,
        ...(tracking ? [tracking] : []),
        createAlarmService(config, log, speedLimitsOf(registry), geofences),
      ],
    },
    collectorOptions(config),
  );
  if (metrics) collectorMetrics(metrics, collector);
  return collector;
}

export function collectorOptions(config: Config): Partial<CollectorOptions> {
  const { rawMs, oneMinuteMs, oneHourMs } = config.store.retention;
  return {
    endToEndAcks: config.delivery.ackMode === 'e2e',
    ackIntervalMs: config.delivery.ackIntervalMs,
    // The collector is the store's writer, so it is the one that applies retention.
    retention: rawMs + oneMinuteMs + oneHourMs > 0 ? DEFAULT_RETENTION_RUNNER : undefined,
    allowlist: config.deviceAllowlist,
    catalog: config.signals,
  };
}
