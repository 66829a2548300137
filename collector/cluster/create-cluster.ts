// Composition of a cluster member from config (REDIS_URL set): leases in Redis, the vehicle directory, one worker per held lease.
import { createAlarmService } from '../../alarms/create-alarms.js';
import type { Config } from '../../core/config.js';
import type { Logger } from '../../core/log.js';
import { COLLECTOR_USER } from '../../core/mqtt-credentials.js';
import { MqttSession } from '../../core/mqtt-session.js';
import { createGeoStore } from '../../core/store/create-geo-store.js';
import { createStore } from '../../core/store/create-store.js';
import { GeofenceFollower } from '../../geofences/follower.js';
import { speedLimitsOf } from '../../registry/speed-limits.js';
import { createTracking } from '../../tracking/create-tracking.js';
import { collectorOptions } from '../create-collector.js';
import { ALARMS_LEASE, ClusterCollector } from './cluster-collector.js';
import { RedisLeaseStore } from './lease-store.js';
import { alarmsWorker, partitionWorker, type WorkerDeps } from './lease-worker.js';
import { VehicleDirectory } from './vehicle-directory.js';

export function createClusterCollector(config: Config, log: Logger): ClusterCollector {
  const redisUrl = config.redisUrl;
  if (!redisUrl) throw new Error('createClusterCollector needs REDIS_URL');
  const { id, partitions, leaseTtlMs } = config.cluster;
  const clog = log.child({ collector: id });
  const store = createStore(config.store, log);
  // One geo store per process, shared by its partitions like the telemetry store.
  const geo = createGeoStore(config.store);
  const session = (clientId: string, clean = false) =>
    new MqttSession({ mqtt: config.mqtt, clientId, user: COLLECTOR_USER, clean, log: clog });
  const directory = new VehicleDirectory({
    // Non-persistent, and unique per process: statuses are retained, nothing needs queueing.
    session: session(`${config.collectorClientId}-dir-${id}`.slice(0, 128), true),
    store,
    log: clog,
  });
  const deps: WorkerDeps = {
    store,
    directory,
    session: (clientId) => session(clientId),
    clientIdBase: config.collectorClientId,
    log: clog,
    now: Date.now,
    options: collectorOptions(config),
    // A vehicle's trips move with its partition's lease: each new owner loads the vehicle's
    // checkpoint from the shared geo store and replays the readings stored after it.
    partitionExtensions: ({ store: partitionStore, registry, valid, owns }) => {
      if (!config.geo.tracking) return [];
      const geofences = new GeofenceFollower(clog);
      const tracking = createTracking(config, clog, {
        geo,
        store: partitionStore,
        geofences,
        registry,
        ownsStore: false,
        valid,
        owns,
      });
      return [geofences, tracking];
    },
  };
  return new ClusterCollector(
    {
      store,
      geo,
      directory,
      log: clog,
      now: Date.now,
      leases: new RedisLeaseStore({
        url: redisUrl,
        prefix: `telemetry:${config.collectorClientId}`,
        owner: id,
        commandTimeoutMs: Math.max(200, Math.floor(leaseTtlMs / 3)),
        log: clog,
      }),
      worker: (name, fence) =>
        name === ALARMS_LEASE
          ? alarmsWorker(deps, (registry) => {
              const geofences = new GeofenceFollower(clog);
              return [
                geofences,
                createAlarmService(config, log, speedLimitsOf(registry), geofences),
              ];
            })
          : partitionWorker(deps, Number(name.slice(1)), partitions, fence),
    },
    { owner: id, partitions, ttlMs: leaseTtlMs, alarms: true },
  );
}
