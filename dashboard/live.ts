// Live data: the dashboard's own MQTT subscription, validated at the edge, feeding the device board and listeners.
import {
  HEALTH_SUBSCRIPTION,
  type HealthMessage,
  parseTopic,
  type Reading,
  SPEED_SUBSCRIPTION,
  STATUS_SUBSCRIPTION,
  TELEMETRY_SUBSCRIPTION,
  TOPIC_ROOT,
  type TopicKind,
} from '../core/contract.js';
import type { Logger } from '../core/log.js';
import type { MqttSession } from '../core/mqtt-session.js';
import type { SignalCatalog } from '../core/signals/catalog.js';
import { type RejectReason, validateMessage } from '../core/validate.js';
import type { DeviceBoard } from './device-board.js';

/** What the live feed subscribes to; a topic the broker relays for another subscription is not its business. */
const LIVE_KINDS: ReadonlySet<TopicKind> = new Set(['speed', 'telemetry', 'status', 'health']);

export interface LiveFeedDeps {
  /** The dashboard's session (persistent; live data is subscribed at QoS 0, so never queued). */
  session: MqttSession;
  board: DeviceBoard;
  log: Logger;
  now: () => number;
  catalog: SignalCatalog;
}

/**
 * QoS 0 subscription: a live view gains nothing from redelivery (the store has every reading), and
 * a slow dashboard should drop old live data rather than make the broker queue it.
 */
export class LiveFeed {
  private readonly listeners: Array<(reading: Reading) => void> = [];
  private readonly healthListeners: Array<(health: HealthMessage) => void> = [];
  private markSubscribed: () => void = () => {};
  readonly rejected = new Map<RejectReason, number>();
  /** Valid live readings received (metrics). */
  readings = 0;
  /** Resolves at the first SUBACK (tests wait for it before publishing). */
  readonly subscribed: Promise<void> = new Promise((resolve) => {
    this.markSubscribed = resolve;
  });

  constructor(private readonly deps: LiveFeedDeps) {}

  onReading(listener: (reading: Reading) => void): void {
    this.listeners.push(listener);
  }

  onHealth(listener: (health: HealthMessage) => void): void {
    this.healthListeners.push(listener);
  }

  get connected(): boolean {
    return this.deps.session.connected;
  }

  /**
   * Creates the session's client and connects. Other parts of the dashboard that use the same
   * session attach their own 'connect' and 'message' listeners to `session.mqtt` right after this,
   * in the same tick, before the first CONNACK can arrive.
   */
  start(): void {
    const { session, log } = this.deps;
    const client = session.create();
    client.on('connect', () => {
      // Health is retained: each (re)subscribe brings every vehicle's latest at once.
      const topics = [
        SPEED_SUBSCRIPTION,
        TELEMETRY_SUBSCRIPTION,
        STATUS_SUBSCRIPTION,
        HEALTH_SUBSCRIPTION,
      ];
      client.subscribe(topics, { qos: 0 }, (err) => {
        if (err) {
          log.error({ err: err.message }, 'subscribe failed');
          return;
        }
        log.info('subscribed to live data');
        this.markSubscribed();
      });
    });
    client.on('message', (topic, payload) => this.accept(topic, payload));
    session.start();
  }

  /**
   * One inbound message; invalid ones are counted and never forwarded. The session is shared, so
   * topics of other subscriptions (commands, alarms, the registry) are left to their owners.
   */
  accept(topic: string, payload: Uint8Array): void {
    if (!topic.startsWith(`${TOPIC_ROOT}/`)) return; // fleet/...: the registry, alarms
    const kind = parseTopic(topic)?.kind;
    if (kind !== undefined && !LIVE_KINDS.has(kind)) return; // commands, acks
    const now = this.deps.now();
    const v = validateMessage(topic, payload, now, this.deps.catalog);
    if (!v.ok) {
      this.rejected.set(v.reason, (this.rejected.get(v.reason) ?? 0) + 1);
      this.deps.log.debug({ topic, reason: v.reason, detail: v.detail }, 'message rejected');
      return;
    }
    if (v.kind === 'status') {
      this.deps.board.onStatus(v.status, now);
      return;
    }
    if (v.kind === 'health') {
      this.deps.board.onHealth(v.health, now);
      for (const listener of this.healthListeners) listener(v.health);
      return;
    }
    this.readings += 1;
    this.deps.board.onReading(v.reading, now);
    for (const listener of this.listeners) listener(v.reading);
  }

  async stop(): Promise<void> {
    await this.deps.session.stop();
  }
}
