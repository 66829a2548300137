// Several collectors (REDIS_URL set): this process serves the partitions whose leases it holds, each through its own collector.
import type { Logger } from '../../core/log.js';
import type { GeoStore } from '../../core/store/geo-store.js';
import type { TelemetryStore } from '../../core/store/types.js';
import type { CollectorTotals } from '../collector.js';
import type { Fence } from './borrowed-store.js';
import { LeaseKeeper, type LoseReason } from './lease-keeper.js';
import type { LeaseStore } from './lease-store.js';
import type { LeaseWorker } from './lease-worker.js';
import type { VehicleDirectory } from './vehicle-directory.js';

export const ALARMS_LEASE = 'alarms';

export interface ClusterDeps {
  store: TelemetryStore;
  /** Trips, stops and checkpoints of every partition (started after the store, which migrates). */
  geo?: GeoStore;
  leases: LeaseStore;
  directory: VehicleDirectory;
  log: Logger;
  now: () => number;
  /** The worker for a lease name (`p3`, `alarms`); the fence says whether it may still write. */
  worker: (name: string, fence: Fence) => LeaseWorker;
}

export interface ClusterOptions {
  owner: string;
  partitions: number;
  ttlMs: number;
  /** false: no alarms lease (ALERT rules off, or tests). */
  alarms: boolean;
}

/** Figures of one collector process of a cluster (its `stats` log line). */
export interface ClusterTotals
  extends Pick<
    CollectorTotals,
    | 'received'
    | 'stored'
    | 'duplicates'
    | 'pending'
    | 'rejectedTotal'
    | 'acksSent'
    | 'writeFailures'
  > {
  owner: string;
  partitions: number[];
  alarms: boolean;
  members: number;
  vehicles: number;
  leasesTaken: number;
  leasesLost: number;
  leasesHandedOver: number;
}

interface Running {
  worker: LeaseWorker;
  started: Promise<void>;
}

export class ClusterCollector {
  private readonly running = new Map<string, Running>();
  private readonly keeper: LeaseKeeper;
  /** Figures of workers already stopped, so totals only grow. */
  private readonly past = { received: 0, stored: 0, duplicates: 0, rejectedTotal: 0, acksSent: 0 };
  private started = false;

  constructor(
    private readonly deps: ClusterDeps,
    private readonly options: ClusterOptions,
  ) {
    this.keeper = new LeaseKeeper(
      {
        leases: deps.leases,
        now: deps.now,
        log: deps.log,
        onGain: (name) => this.gain(name),
        onLose: (name, reason) => this.lose(name, reason),
      },
      {
        partitions: options.partitions,
        ttlMs: options.ttlMs,
        singletons: options.alarms ? [ALARMS_LEASE] : [],
        owner: options.owner,
      },
    );
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.deps.store.start();
    await this.deps.geo?.start();
    await this.deps.directory.start();
    await this.deps.leases.start();
    this.keeper.start();
  }

  /**
   * Not awaited by the keeper: a start reads the partition's coverage from the store (on InfluxDB
   * a read-back and a recompute of its buckets), and the keeper's round must go on renewing the
   * other leases meanwhile, or a collector taking 16 partitions at once could outlive its first.
   */
  private async gain(name: string): Promise<void> {
    const worker = this.deps.worker(name, { valid: () => this.keeper.valid(name) });
    const started = worker.start().catch((err: Error) => {
      this.deps.log.error({ lease: name, err: err.message }, 'cannot start serving a lease');
    });
    this.running.set(name, { worker, started });
  }

  private async lose(name: string, reason: LoseReason): Promise<void> {
    const r = this.running.get(name);
    if (!r) return;
    this.running.delete(name);
    r.worker.cancel(); // a start still reading the store gives up
    await r.started;
    const clean = reason === 'released' || reason === 'stopping';
    await (clean ? r.worker.stop() : r.worker.fence()).catch((err: Error) => {
      this.deps.log.warn({ lease: name, err: err.message }, 'stopping a lease worker failed');
    });
    const t = r.worker.collector.totals();
    for (const k of Object.keys(this.past) as Array<keyof typeof this.past>) this.past[k] += t[k];
  }

  totals(): ClusterTotals {
    const sum = { ...this.past, pending: 0, writeFailures: 0 };
    for (const { worker } of this.running.values()) {
      const t = worker.collector.totals();
      for (const k of Object.keys(this.past) as Array<keyof typeof this.past>) sum[k] += t[k];
      sum.pending += t.pending;
      sum.writeFailures += t.writeFailures;
    }
    return {
      ...sum,
      owner: this.options.owner,
      partitions: this.keeper.partitions(),
      alarms: this.running.has(ALARMS_LEASE),
      members: this.keeper.members,
      vehicles: this.deps.directory.size,
      leasesTaken: this.keeper.takeovers,
      leasesLost: this.keeper.fenced,
      leasesHandedOver: this.keeper.handedOver,
    };
  }

  /** Hands every lease over cleanly (pending writes and acks first), then closes. Safe twice. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.keeper.stop();
    await this.deps.directory.stop();
    await this.deps.leases.stop();
    await this.deps.geo?.stop();
    await this.deps.store.stop();
  }
}
