// The collector: a persistent-session MQTT subscriber feeding the ingest pipeline; PUBACK only after durable storage.
import type { IPublishPacket } from 'mqtt';
import {
  ALL_VEHICLE_TOPICS,
  type DeviceStatus,
  REGISTRY_TOPIC,
  type Reading,
  type StatusMessage,
} from '../core/contract.js';
import type { Logger } from '../core/log.js';
import { LogDigest } from '../core/log-digest.js';
import { setDirectPublish } from '../core/mqtt-publish-parser.js';
import type { MqttSession } from '../core/mqtt-session.js';
import { BUILTIN_CATALOG, type SignalCatalog } from '../core/signals/catalog.js';
import { StatusDigest } from '../core/status-digest.js';
import type { TelemetryStore, WriteResult } from '../core/store/types.js';
import type { RejectReason } from '../core/validate.js';
import { RegistryFollower } from '../registry/follower.js';
import { Acker } from './acker.js';
import type { CollectorExtension } from './collector-extension.js';
import { DeviceProgressBoard, type TrackSnapshot } from './device-progress.js';
import { inbound, toBytes } from './inbound.js';
import {
  DEFAULT_INGEST_OPTIONS,
  Ingest,
  type IngestObserver,
  type IngestOptions,
} from './ingest.js';
import { PubackGate } from './puback-gate.js';
import type { RegistryHold } from './registry-hold.js';
import { RejectCounter } from './reject-counter.js';
import {
  DEFAULT_RETENTION_RUNNER,
  RetentionRunner,
  type RetentionRunnerOptions,
  type RetentionStats,
} from './retention-runner.js';

export interface CollectorDeps {
  store: TelemetryStore;
  session: MqttSession;
  log: Logger;
  now: () => number;
  /** Histograms of the write path (collector/metrics.ts); absent when METRICS_PORT is unset. */
  observer?: IngestObserver;
  /** Capabilities that ride on the collector's session and inputs (the alarm engine). */
  extensions?: readonly CollectorExtension[];
  /** The device registry as the dashboard publishes it (default: a follower of its own). */
  registry?: RegistryFollower;
}

export interface CollectorOptions {
  ingest: IngestOptions;
  /** The signals accepted: built-in and SIGNALS_FILE's. */
  catalog: SignalCatalog;
  /** End-to-end acks to devices (ACK_MODE=e2e); at most one per device per interval. */
  endToEndAcks: boolean;
  ackIntervalMs: number;
  /** undefined: no retention runs (nothing configured to expire). */
  retention: RetentionRunnerOptions | undefined;
  /** DEVICE_ALLOWLIST: only registered devices' readings are stored (others: `unknown_device`). */
  allowlist: boolean;
  /** How often a collector still waiting for the registry says so. */
  registryWarnMs: number;
  /**
   * Several collectors (collector/cluster/): the topics this one subscribes at every connect
   * (default: vehicles/# and the registry) and the devices whose stored coverage it loads and acks.
   */
  subscriptions?: () => Record<string, { qos: 0 | 1 }>;
  owns?: (deviceId: string) => boolean;
}

export const DEFAULT_COLLECTOR_OPTIONS: CollectorOptions = {
  ingest: DEFAULT_INGEST_OPTIONS,
  catalog: BUILTIN_CATALOG,
  endToEndAcks: true,
  ackIntervalMs: 1000,
  retention: DEFAULT_RETENTION_RUNNER,
  allowlist: false,
  registryWarnMs: 30_000,
};

/**
 * One wildcard instead of speed + status + dropped: the broker delivers nothing nobody subscribed
 * to, so only a collector that sees all of vehicles/ can count stray topics as rejects. The price
 * is our own acks coming back once (ignored). The registry at QoS 0: it is retained and sent again
 * at every resubscribe, and QoS 0 is not held back behind the QoS 1 messages in flight (which a
 * collector waiting for the registry does not acknowledge yet).
 */
const SUBSCRIPTIONS = {
  [ALL_VEHICLE_TOPICS]: { qos: 1 as const },
  [REGISTRY_TOPIC]: { qos: 0 as const },
};

/** The collector's running totals: cheap to read (metrics read them at every scrape). */
export interface CollectorTotals {
  connected: boolean;
  /** CONNACKs after the first one: how often the broker connection came back. */
  reconnects: number;
  received: number;
  stored: number;
  duplicates: number;
  rejected: Record<RejectReason, number>;
  /** Values dropped from accepted readings, by signal name (invalid_signal). */
  invalidSignals: Record<string, number>;
  /** Unknown keys ignored in accepted readings (unknown_signal). */
  unknownSignals: number;
  rejectedTotal: number;
  pending: number;
  writeFailures: number;
  batches: number;
  gapsOpened: number;
  gapsFilled: number;
  /** Seqs devices declared dropped from their full queues that never reached the store. */
  declaredDropped: number;
  /** Dropped notices ignored because they reached beyond the highest seq seen. */
  droppedNoticesIgnored: number;
  acksSent: number;
  retention: RetentionStats | undefined;
  /** Devices the collector tracks (seen, or loaded from the store's coverage). */
  deviceCount: number;
  /** Seqs missing in open gaps over every device (readings not stored yet, or lost). */
  missing: number;
  /** Each extension's own figures, by name (e.g. alarms: active, skippedStale, notificationsSent). */
  extensions: Record<string, Record<string, number>>;
  /** Registered devices as last published, whether a snapshot arrived, messages held for it. */
  registry: { devices: number; received: boolean; held: number };
}

export interface CollectorStats extends CollectorTotals {
  devices: Record<string, TrackSnapshot & { status?: DeviceStatus }>;
}

export class Collector {
  private ingest: Ingest | undefined;
  private tracker: DeviceProgressBoard | undefined;
  private rejects: RejectCounter | undefined;
  private acker: Acker | undefined;
  private retention: RetentionRunner | undefined;
  private hold: RegistryHold | undefined;
  /** The registry this collector follows (alarms read speed limits from it too). */
  readonly registry: RegistryFollower;
  private readonly statuses = new Map<string, DeviceStatus>();
  /** Status changes: each at debug, a summary at info at most every few seconds. */
  private statusDigest: StatusDigest;
  /** Sequence gaps and gaps filled, likewise: per vehicle at debug, summaries at warn and info. */
  private gapDigest: LogDigest;
  private filledDigest: LogDigest;
  private readonly storedListeners: Array<(readings: readonly Reading[]) => void> = [];
  private started = false;
  private markSubscribed: () => void = () => {};
  /**
   * Resolves at the first SUBACK. Readings published before the collector's session ever existed
   * are not queued for it by the broker, so starters wait for this before starting devices.
   */
  readonly subscribed: Promise<void> = new Promise((resolve) => {
    this.markSubscribed = resolve;
  });

  private readonly options: CollectorOptions;

  constructor(
    private readonly deps: CollectorDeps,
    options: Partial<CollectorOptions> = {},
  ) {
    this.options = { ...DEFAULT_COLLECTOR_OPTIONS, ...options };
    this.registry = deps.registry ?? new RegistryFollower(deps.log);
    this.statusDigest = new StatusDigest(deps.log, { now: deps.now });
    this.gapDigest = new LogDigest(deps.log, {
      message: 'sequence gaps: readings missing so far',
      level: 'warn',
      now: deps.now,
    });
    this.filledDigest = new LogDigest(deps.log, {
      message: 'gaps filled by late readings',
      now: deps.now,
    });
  }

  /** Called after each durable write, with the readings of that batch (duplicates included). */
  onStored(listener: (readings: readonly Reading[]) => void): void {
    this.storedListeners.push(listener);
  }

  async start(): Promise<void> {
    const { store, session, log, now } = this.deps;
    await store.start();
    const tracker = new DeviceProgressBoard();
    // The watermark acknowledged to devices must be exact: the store keeps each device's coverage
    // with its readings, one row per device, so this costs the same after a year as after a minute.
    // A store that cannot be read back (VictoriaMetrics answers no InfluxQL) starts every device
    // at -1: devices then resend what they still hold and declare the rest dropped.
    try {
      const owns = this.options.owns;
      const coverage = await store.coverage();
      tracker.load(owns ? coverage.filter((p) => owns(p.deviceId)) : coverage);
    } catch (err) {
      log.warn(
        { err: (err as Error).message },
        'cannot read stored coverage back; watermarks start empty',
      );
    }
    this.tracker = tracker;
    this.rejects = new RejectCounter(log, now);

    const client = session.create();
    const extensions = this.deps.extensions ?? [];
    for (const x of extensions) await x.start(client);
    const serverTopics = new Set(extensions.flatMap((x) => x.topics));
    const gate = new PubackGate(client, () => session.generation);
    gate.install();
    const acker = new Acker(
      {
        tracker,
        now,
        publish: (topic, payload) => {
          if (!client.connected) return false;
          // QoS 0: a lost ack is covered by the next one (and by the device's resend timer);
          // QoS 1 would cost a PUBACK per ack on both sides. Retained: a device reconnecting
          // gets its latest ack at once.
          client.publish(topic, payload, { qos: 0, retain: true });
          return true;
        },
      },
      this.options.ackIntervalMs,
    );
    if (this.options.endToEndAcks) this.acker = acker;
    const ingest = new Ingest(this.options.ingest, {
      store,
      catalog: this.options.catalog,
      rejects: this.rejects,
      release: (tickets) => gate.release(tickets),
      now,
      log,
      onStored: (readings, result, dropped, times) => {
        tracker.apply(result, now());
        for (const p of result.progress) this.acker?.mark(p.deviceId);
        this.logProgress(result);
        for (const l of this.storedListeners) l(readings);
        for (const x of extensions) x.onStored?.(readings, dropped, times);
      },
      settle: async (readings, result) => {
        for (const x of extensions) await x.settle?.(readings, result);
      },
      onStatus: (s) => {
        this.onStatus(s);
        for (const x of extensions) x.onStatus?.(s);
      },
      onHealth: (h) => {
        for (const x of extensions) x.onHealth?.(h);
      },
      ...(this.deps.observer ? { observer: this.deps.observer } : {}),
      ...(this.options.allowlist
        ? { admit: (id: string) => this.registry.lookup(id) !== undefined }
        : {}),
    });
    this.ingest = ingest;
    const { handleMessage, deliver, hold } = inbound({
      gate,
      ingest,
      registry: this.registry,
      log,
      allowlist: this.options.allowlist,
      registryWarnMs: this.options.registryWarnMs,
      maxPending: this.options.ingest.maxPending,
    });
    this.hold = hold;
    client.handleMessage = (packet: IPublishPacket, callback: (err?: Error) => void) => {
      if (serverTopics.has(packet.topic)) {
        // fleet/... of an extension (alarm acks): handled at once, acknowledged by MQTT.js after.
        for (const x of extensions) {
          if (x.topics.includes(packet.topic)) x.onMessage?.(packet.topic, toBytes(packet.payload));
        }
        callback();
        return;
      }
      handleMessage(packet, callback);
    };
    // Readings skip MQTT.js's per-packet path (core/mqtt-publish-parser.ts); the rest takes it.
    setDirectPublish(client, (topic, payload, qos, messageId) =>
      serverTopics.has(topic) ? false : deliver(topic, payload, qos, messageId),
    );
    client.on('connect', (connack) => {
      log.info({ sessionPresent: connack.sessionPresent }, 'connected to broker');
      for (const x of extensions) x.onConnect?.();
      // Resubscribe on every connect: harmless with a kept session, essential without one.
      const topics = {
        ...(this.options.subscriptions?.() ?? SUBSCRIPTIONS),
        ...Object.fromEntries([...serverTopics].map((t) => [t, { qos: 1 as const }])),
      };
      client.subscribe(topics, (err, granted) => {
        if (err) {
          log.error({ err: err.message }, 'subscribe failed');
          return;
        }
        const refused = (granted ?? []).filter((g) => g.qos === 128).map((g) => g.topic);
        if (refused.length > 0) {
          log.warn({ topics: refused }, 'the broker refused a subscription (ACL?)');
        }
        log.info({ topics: Object.keys(topics) }, 'subscribed');
        this.markSubscribed();
        for (const x of extensions) x.onSubscribed?.();
        // Retained acks may have been lost with a broker's state: every device hears its ack again.
        this.acker?.markAll();
      });
    });
    let connected = false;
    client.on('connect', () => {
      connected = true;
    });
    client.on('close', () => {
      // Warn once per lost connection; failed reconnect attempts are only debug noise.
      if (this.started && connected) log.warn('broker connection lost; reconnecting');
      else log.debug('broker connection attempt failed');
      if (connected) for (const x of extensions) x.onDisconnect?.();
      connected = false;
    });
    this.started = true;
    hold?.start();
    session.start();
    this.acker?.start();
    if (this.options.retention) {
      this.retention = new RetentionRunner({ store, log, now }, this.options.retention);
      this.retention.start();
    }
  }

  /** Adds subscriptions on the live connection (a vehicle newly seen); the next connect has them too. */
  subscribe(topics: readonly string[]): void {
    const client = this.deps.session.connected ? this.deps.session.mqtt : undefined;
    if (!client || topics.length === 0) return;
    client.subscribe(Object.fromEntries(topics.map((t) => [t, { qos: 1 as const }])), (err) => {
      if (err) this.deps.log.warn({ err: err.message }, 'subscribe failed');
    });
  }

  private logProgress(result: WriteResult): void {
    const { log } = this.deps;
    for (const gap of result.gaps) {
      const { deviceId, ...seqs } = gap;
      this.gapDigest.add(deviceId, 'gaps', 'sequence gap: readings missing so far', seqs);
    }
    if (result.filled > 0) {
      const readings = result.filled;
      this.filledDigest.add(
        undefined,
        'readings',
        'gaps filled by late readings',
        { readings },
        readings,
      );
    }
    if (result.declaredDropped > 0) {
      log.warn({ seqs: result.declaredDropped }, 'devices dropped readings from their full queues');
    }
  }

  private onStatus(s: StatusMessage): void {
    const before = this.statuses.get(s.device_id);
    this.statuses.set(s.device_id, s.status);
    if (before !== s.status) this.statusDigest.change(s.device_id, s.status);
  }

  /** Running totals without the per-device table (what metrics read at every scrape). */
  totals(): CollectorTotals {
    const ingest = this.ingest;
    const tracker = this.tracker;
    const rejects = this.rejects;
    return {
      connected: this.deps.session.connected,
      reconnects: Math.max(0, this.deps.session.generation - 1),
      received: ingest?.received ?? 0,
      stored: ingest?.stored ?? 0,
      duplicates: ingest?.duplicates ?? 0,
      rejected: { ...(rejects?.counts ?? ({} as Record<RejectReason, number>)) },
      invalidSignals: Object.fromEntries(rejects?.invalidSignals ?? []),
      unknownSignals: rejects?.unknownSignals ?? 0,
      rejectedTotal: rejects?.total ?? 0,
      pending: ingest?.pendingMessages ?? 0,
      writeFailures: ingest?.writeFailures ?? 0,
      batches: ingest?.batchesWritten ?? 0,
      gapsOpened: tracker?.gapsOpened ?? 0,
      gapsFilled: tracker?.gapsFilled ?? 0,
      declaredDropped: tracker?.declaredDropped ?? 0,
      droppedNoticesIgnored: tracker?.droppedIgnored ?? 0,
      acksSent: this.acker?.sent ?? 0,
      retention: this.retention && { ...this.retention.stats },
      deviceCount: tracker?.size ?? 0,
      missing: tracker?.missingTotal() ?? 0,
      extensions: Object.fromEntries(
        (this.deps.extensions ?? []).flatMap((x) => (x.stats ? [[x.name, x.stats()]] : [])),
      ),
      registry: {
        devices: this.registry.size,
        received: this.registry.ready,
        held: this.hold?.count ?? 0,
      },
    };
  }

  stats(): CollectorStats {
    const devices: CollectorStats['devices'] = {};
    for (const [id, s] of Object.entries(this.tracker?.snapshot() ?? {})) {
      devices[id] = { ...s, ...(this.statuses.has(id) ? { status: this.statuses.get(id) } : {}) };
    }
    return { ...this.totals(), devices };
  }

  /**
   * Self-fencing (collector/cluster/): the lease is gone, so the connection is cut at once and
   * nothing pending is written or acknowledged (the broker redelivers it to the new owner).
   */
  async fence(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.acker?.cancel(); // no last acks: the new owner acks from the store
    await this.deps.session.stop(0);
    this.hold?.stop();
    await this.retention?.stop();
    await this.ingest?.stop(0);
    for (const x of this.deps.extensions ?? []) await x.stop();
    await this.deps.store.stop();
  }

  /** Writes and acknowledges what is pending, disconnects, closes the store. Safe to call twice. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.hold?.stop();
    await this.timed('retention', () => this.retention?.stop());
    await this.timed('ingest', () => this.ingest?.stop());
    this.acker?.stop(); // the last acks go out before the DISCONNECT
    this.statusDigest.flush();
    this.gapDigest.flush();
    this.filledDigest.flush();
    for (const x of this.deps.extensions ?? []) await this.timed('extension', () => x.stop());
    await this.timed('session', () => this.deps.session.stop());
    await this.timed('store', () => this.deps.store.stop());
  }

  /** One step of stop(): a step over a second is named in the log (what holds a stop up). */
  private async timed(step: string, run: () => Promise<void> | undefined): Promise<void> {
    const t0 = performance.now();
    const still = setTimeout(() => this.deps.log.warn({ step }, 'stop step still running'), 5000);
    try {
      await run();
    } finally {
      clearTimeout(still);
    }
    const ms = Math.round(performance.now() - t0);
    if (ms > 1000) this.deps.log.info({ step, ms }, 'slow stop step');
  }
}
