// Live data: the dashboard's own MQTT subscription, validated at the edge, feeding the device board and listeners.
import { SPEED_SUBSCRIPTION, type SpeedReading, STATUS_SUBSCRIPTION } from '../core/contract.js';
import type { Logger } from '../core/log.js';
import type { MqttSession } from '../core/mqtt-session.js';
import { type RejectReason, validateMessage } from '../core/validate.js';
import type { DeviceBoard } from './device-board.js';

export interface LiveFeedDeps {
  /** A clean (non-persistent) session: live data only; history comes from the store. */
  session: MqttSession;
  board: DeviceBoard;
  log: Logger;
  now: () => number;
}

/**
 * QoS 0 subscription: a live view gains nothing from redelivery (the store has every reading), and
 * a slow dashboard should drop old live data rather than make the broker queue it.
 */
export class LiveFeed {
  private readonly listeners: Array<(reading: SpeedReading) => void> = [];
  private markSubscribed: () => void = () => {};
  readonly rejected = new Map<RejectReason, number>();
  /** Resolves at the first SUBACK (tests wait for it before publishing). */
  readonly subscribed: Promise<void> = new Promise((resolve) => {
    this.markSubscribed = resolve;
  });

  constructor(private readonly deps: LiveFeedDeps) {}

  onReading(listener: (reading: SpeedReading) => void): void {
    this.listeners.push(listener);
  }

  get connected(): boolean {
    return this.deps.session.connected;
  }

  start(): void {
    const { session, log } = this.deps;
    const client = session.create();
    client.on('connect', () => {
      client.subscribe([SPEED_SUBSCRIPTION, STATUS_SUBSCRIPTION], { qos: 0 }, (err) => {
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

  /** One inbound message; invalid ones are counted and never forwarded. */
  accept(topic: string, payload: Uint8Array): void {
    const now = this.deps.now();
    const v = validateMessage(topic, payload, now);
    if (!v.ok) {
      this.rejected.set(v.reason, (this.rejected.get(v.reason) ?? 0) + 1);
      this.deps.log.debug({ topic, reason: v.reason, detail: v.detail }, 'message rejected');
      return;
    }
    if (v.kind === 'status') {
      this.deps.board.onStatus(v.status, now);
      return;
    }
    if (v.kind === 'health') return; // shown once device health is (alarms issue)
    this.deps.board.onReading(v.reading, now);
    for (const listener of this.listeners) listener(v.reading);
  }

  async stop(): Promise<void> {
    await this.deps.session.stop();
  }
}
