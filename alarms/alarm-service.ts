// The alarm capability on the collector: state file, engine, MQTT feed, acks from the dashboard, registry limits, notification outbox.
import type { MqttClient } from 'mqtt';
import { parseAckRequest } from '../core/alarm-wire.js';
import {
  ALARM_ACK_TOPIC,
  type DroppedNotice,
  type HealthMessage,
  type Reading,
  type StatusMessage,
} from '../core/contract.js';
import type { Logger } from '../core/log.js';
import type { GeofenceSource } from '../geofences/follower.js';
import { AlarmFeed } from './alarm-feed.js';
import { AlarmEngine } from './engine.js';
import { Lifecycle } from './lifecycle.js';
import { Dispatcher } from './notify/dispatcher.js';
import type { NoticeSender } from './notify/sender.js';
import { type RuleSet, shortestWaitMs } from './rules.js';
import type { SpeedLimits } from './speed-limits.js';
import { type AlarmDb, openAlarmDb } from './store/alarm-db.js';
import { AlarmRows } from './store/alarm-rows.js';
import { OutboxRows } from './store/outbox-rows.js';

export interface AlarmServiceOptions {
  /** COLLECTOR_STATE_PATH. */
  statePath: string;
  rules: RuleSet;
  /** Engine clock; default: a tenth of the shortest rule wait, between 50 ms and 1 s. */
  tickMs?: number;
  updateEveryMs?: number;
  /** PARKED_INTERVAL_S in ms (see EngineOptions). */
  parkedIntervalMs?: number;
  /** How often each channel's outbox is looked at. */
  pollMs?: number;
  maxBatch?: number;
}

export interface AlarmServiceDeps {
  senders: readonly NoticeSender[];
  /** Per-vehicle speed limits: the collector's follower of the device registry (fleet/registry). */
  limits: SpeedLimits;
  /** The geofences (fleet/geofences): geofence rules and zone speed limits. */
  geofences?: GeofenceSource | undefined;
  now: () => number;
  log: Logger;
}

/** Delivered notices are kept this long (an audit trail), then forgotten; alarms are kept. */
const KEEP_NOTICES_MS = 7 * 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;

export interface AlarmStats {
  active: number;
  skippedStale: number;
  notificationsSent: number;
  notificationFailures: number;
}

/** Structurally a CollectorExtension (collector/collector-extension.ts): alarms/ imports no deployable. */
export class AlarmService {
  readonly name = 'alarms';
  readonly topics: readonly string[];
  private db: AlarmDb | undefined;
  private engine: AlarmEngine | undefined;
  private feed: AlarmFeed | undefined;
  private dispatchers: Dispatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private pruner: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: AlarmServiceOptions,
    private readonly deps: AlarmServiceDeps,
  ) {
    this.topics = [ALARM_ACK_TOPIC];
  }

  start(client: MqttClient): void {
    const { rules, statePath } = this.options;
    const { now, log, senders } = this.deps;
    const db = openAlarmDb(statePath);
    this.db = db;
    const rows = new AlarmRows(db);
    const outbox = new OutboxRows(db);
    const feed = new AlarmFeed(rows, log);
    feed.attach(client);
    this.feed = feed;
    const lifecycle = new Lifecycle({
      rows,
      outbox,
      channels: senders.map((s) => s.channel),
      notify: rules.notify,
      now,
      published: (a, change) => {
        feed.publish(a);
        // Updates (a new peak) are frequent and say little: debug only.
        log[change === 'updated' ? 'debug' : 'info'](
          { alarm: a.id, rule: a.rule, scope: a.scope, value: a.value, message: a.message },
          `alarm ${change}`,
        );
      },
    });
    const engine = new AlarmEngine(
      rules,
      { rows, lifecycle, limits: this.deps.limits, now, log, geofences: this.deps.geofences },
      {
        updateEveryMs: this.options.updateEveryMs ?? 1000,
        ...(this.options.parkedIntervalMs === undefined
          ? {}
          : { parkedIntervalMs: this.options.parkedIntervalMs }),
      },
    );
    engine.start();
    this.engine = engine;
    this.dispatchers = senders.map(
      (sender) =>
        new Dispatcher(
          sender,
          { outbox, now, log },
          {
            groupWaitMs: rules.notify.groupWaitMs,
            retryInitialMs: rules.notify.retryInitialMs,
            retryMaxMs: rules.notify.retryMaxMs,
            maxBatch: this.options.maxBatch ?? 100,
            pollMs:
              this.options.pollMs ?? Math.min(250, Math.max(20, rules.notify.groupWaitMs / 4)),
          },
        ),
    );
    for (const d of this.dispatchers) d.start();
    const tickMs = this.options.tickMs ?? Math.min(1000, Math.max(50, shortestWaitMs(rules) / 10));
    this.timer = setInterval(() => this.guard('tick', () => engine.tick()), tickMs);
    const prune = () => this.guard('prune', () => outbox.prune(now() - KEEP_NOTICES_MS));
    prune();
    this.pruner = setInterval(prune, PRUNE_EVERY_MS);
    log.info(
      {
        rules: rules.rules.map((r) => r.name),
        channels: senders.map((s) => s.channel),
        active: engine.activeAlarms().length,
      },
      'alarm engine started',
    );
  }

  /** A failing state file must not stop ingest: the error is logged, the reading still stored. */
  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.deps.log.error({ err: (err as Error).message, what }, 'alarm engine error');
    }
  }

  onConnect(): void {
    const engine = this.engine;
    if (engine) this.guard('republish', () => this.feed?.republish(engine.activeAlarms()));
  }

  onSubscribed(): void {
    this.engine?.subscribed();
  }

  onDisconnect(): void {
    this.engine?.disconnected();
  }

  onMessage(topic: string, payload: Uint8Array): void {
    const request = parseAckRequest(payload);
    if (!request) {
      this.deps.log.warn({ topic }, 'alarm ack ignored: not a valid request');
      return;
    }
    this.guard('ack', () => {
      const result = this.engine?.acknowledge(request.alarm_id);
      // Already acknowledged or cleared: publish it again, so a dashboard that asked learns why.
      if (result?.outcome === 'unchanged' && result.alarm) this.feed?.publish(result.alarm);
      this.deps.log.info({ alarm: request.alarm_id, outcome: result?.outcome }, 'alarm ack');
    });
  }

  onStored(
    readings: readonly Reading[],
    dropped: readonly DroppedNotice[],
    times?: readonly number[],
  ): void {
    this.guard('readings', () => {
      this.engine?.onReadings(readings, times);
      if (dropped.length > 0) this.engine?.onDropped(dropped);
    });
  }

  onStatus(status: StatusMessage): void {
    this.guard('status', () => this.engine?.onStatus(status));
  }

  onHealth(health: HealthMessage): void {
    this.guard('health', () => this.engine?.onHealth(health));
  }

  stats(): Record<string, number> & AlarmStats {
    return {
      active: this.engine?.activeAlarms().length ?? 0,
      skippedStale: this.engine?.skippedStale ?? 0,
      notificationsSent: this.dispatchers.reduce((n, d) => n + d.sent, 0),
      notificationFailures: this.dispatchers.reduce((n, d) => n + d.failures, 0),
    };
  }

  /** Safe to call twice. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearInterval(this.pruner);
    this.timer = undefined;
    this.pruner = undefined;
    if (this.engine) this.guard('flush', () => this.engine?.flush());
    this.engine = undefined;
    await Promise.all(this.dispatchers.map((d) => d.stop()));
    this.dispatchers = [];
    for (const s of this.deps.senders) s.close();
    this.feed?.close();
    this.db?.close();
    this.db = undefined;
  }
}
