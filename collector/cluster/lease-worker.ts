// What a held lease runs: a partition's collector (its own persistent session, its vehicles' topics) or the alarms feed.
import { randomUUID } from 'node:crypto';
import {
  DROPPED_SUBSCRIPTION,
  HEALTH_SUBSCRIPTION,
  REGISTRY_TOPIC,
  SPEED_SUBSCRIPTION,
  STATUS_SUBSCRIPTION,
  TELEMETRY_SUBSCRIPTION,
} from '../../core/contract.js';
import type { Logger } from '../../core/log.js';
import type { MqttSession } from '../../core/mqtt-session.js';
import type { TelemetryStore } from '../../core/store/types.js';
import { RegistryFollower } from '../../registry/follower.js';
import { Collector, type CollectorOptions } from '../collector.js';
import type { CollectorExtension } from '../collector-extension.js';
import { borrowedStore, type Fence, witnessStore } from './borrowed-store.js';
import { partitionOf, vehicleTopics } from './partition-of.js';
import type { VehicleDirectory } from './vehicle-directory.js';

export interface WorkerDeps {
  store: TelemetryStore;
  directory: VehicleDirectory;
  /** A persistent session under the lease's own client id (`${COLLECTOR_CLIENT_ID}-p${n}`). */
  session: (clientId: string) => MqttSession;
  clientIdBase: string;
  log: Logger;
  now: () => number;
  options: Partial<CollectorOptions>;
  /**
   * What rides on a partition's collector besides storing (trips): built per lease taken, on the
   * partition's borrowed store, registry follower and fence.
   */
  partitionExtensions?: (p: PartitionParts) => CollectorExtension[];
}

/** What a partition's extensions get: its store, its registry, whether it still holds the lease. */
export interface PartitionParts {
  store: TelemetryStore;
  registry: RegistryFollower;
  valid: () => boolean;
  owns: (deviceId: string) => boolean;
}

/** The collector's figures, the same shape whatever the lease. */
export interface LeaseWorker {
  readonly collector: Collector;
  start(): Promise<void>;
  /** The lease is going: a start still waiting for the store gives up. */
  cancel(): void;
  /** Lease lost: cut the connection, store and acknowledge nothing more. */
  fence(): Promise<void>;
  /** Handover or shutdown: pending writes and acks go out first. */
  stop(): Promise<void>;
}

/**
 * One partition: the vehicles whose id hashes to it. Its session is the partition's, not the
 * process's: whoever holds the lease connects under that client id, so the broker hands it what it
 * queued for the previous owner (and disconnects a stale one).
 */
export function partitionWorker(
  deps: WorkerDeps,
  n: number,
  partitions: number,
  fence: Fence,
): LeaseWorker {
  const mine = (id: string) => partitionOf(id, partitions) === n;
  // One key per worker: a late disown of a fenced worker never ends the claim of its successor.
  const key = `p${n}:${randomUUID().slice(0, 8)}`;
  let cancelled = false;
  const log = deps.log.child({ partition: n });
  const store = borrowedStore(deps.store, fence, { key, owns: mine, cancelled: () => cancelled });
  const registry = new RegistryFollower(log);
  const valid = () => fence.valid();
  const collector = new Collector(
    {
      store,
      session: deps.session(`${deps.clientIdBase}-p${n}`),
      log,
      now: deps.now,
      registry,
      extensions: deps.partitionExtensions?.({ store, registry, valid, owns: mine }) ?? [],
    },
    {
      ...deps.options,
      // Retention runs once for the shared store: on partition 0's owner.
      ...(n === 0 ? {} : { retention: undefined }),
      owns: mine,
      subscriptions: () => ({
        [REGISTRY_TOPIC]: { qos: 0 },
        ...Object.fromEntries(
          deps.directory
            .ids()
            .filter(mine)
            .flatMap(vehicleTopics)
            .map((t) => [t, { qos: 1 as const }]),
        ),
      }),
    },
  );
  let unlisten = () => {};
  return {
    collector,
    cancel() {
      cancelled = true;
    },
    async start() {
      unlisten = deps.directory.onNew((id) => {
        if (mine(id)) collector.subscribe(vehicleTopics(id));
      });
      await collector.start();
    },
    async fence() {
      unlisten();
      await collector.fence();
      // Nothing more of these vehicles from here: their next owner recomputes what is uncounted.
      await deps.store.disown(key, 'drop');
    },
    async stop() {
      unlisten();
      await collector.stop();
      // Before the lease is freed: the next owner must find the rollups and checkpoints written.
      await deps.store.disown(key, 'flush');
    },
  };
}

/**
 * The alarms lease: one collector in the cluster evaluates the rules, on every vehicle's messages
 * as published, through its own persistent session (`${COLLECTOR_CLIENT_ID}-alarms`); it stores
 * nothing and sends no acks, so one state file and one notifier at a time.
 */
export function alarmsWorker(
  deps: WorkerDeps,
  alarms: (registry: RegistryFollower) => CollectorExtension[],
): LeaseWorker {
  const log = deps.log.child({ lease: 'alarms' });
  const registry = new RegistryFollower(log);
  const collector = new Collector(
    {
      store: witnessStore(deps.store),
      session: deps.session(`${deps.clientIdBase}-alarms`),
      log,
      now: deps.now,
      registry,
      extensions: alarms(registry),
    },
    {
      ...deps.options,
      endToEndAcks: false,
      retention: undefined,
      subscriptions: () => ({
        [REGISTRY_TOPIC]: { qos: 0 },
        [SPEED_SUBSCRIPTION]: { qos: 1 },
        [TELEMETRY_SUBSCRIPTION]: { qos: 1 },
        [STATUS_SUBSCRIPTION]: { qos: 1 },
        [HEALTH_SUBSCRIPTION]: { qos: 1 },
        [DROPPED_SUBSCRIPTION]: { qos: 1 },
      }),
    },
  );
  return {
    collector,
    cancel: () => {},
    start: () => collector.start(),
    fence: () => collector.fence(),
    stop: () => collector.stop(),
  };
}
