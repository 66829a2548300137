// Publishes each alarm's state to fleet/alarms/{device}/{rule} (QoS 1, retained) until the broker has its latest version.
import type { MqttClient } from 'mqtt';
import { encodeAlarmMessage } from '../core/alarm-wire.js';
import { alarmTopic } from '../core/contract.js';
import type { Logger } from '../core/log.js';
import type { AlarmRows } from './store/alarm-rows.js';
import { type AlarmRecord, deviceOf, toWire } from './store/records.js';

/**
 * Retained, so a dashboard that starts (or starts over with an empty state file) gets the latest
 * alarm of every (device, rule) when it subscribes; QoS 1, so a dashboard's persistent session
 * keeps every change made while it is down. An alarm version counts as published once the broker
 * acknowledged it (published_version); after a crash or a reconnect whatever the broker may lack is
 * published again, and every active alarm once more (a broker that lost its retained messages).
 */
export class AlarmFeed {
  private client: MqttClient | undefined;
  private closed = false;

  constructor(
    private readonly rows: AlarmRows,
    private readonly log: Logger,
  ) {}

  attach(client: MqttClient): void {
    this.client = client;
    this.closed = false;
  }

  publish(alarm: AlarmRecord): void {
    const client = this.client;
    // Not connected: the next connect republishes everything unpublished (MQTT.js would otherwise
    // queue it in memory, and then we would send it twice).
    if (!client?.connected) return;
    client.publish(
      alarmTopic(deviceOf(alarm.scope), alarm.rule),
      encodeAlarmMessage(toWire(alarm)),
      { qos: 1, retain: true },
      (err) => {
        if (err || this.closed) return;
        try {
          this.rows.markPublished(alarm.id, alarm.version);
        } catch (e) {
          this.log.warn({ err: (e as Error).message }, 'could not record an alarm as published');
        }
      },
    );
  }

  /** On every connect. */
  republish(active: readonly AlarmRecord[]): void {
    const sent = new Set<string>();
    for (const a of this.rows.unpublished()) {
      sent.add(a.id);
      this.publish(a);
    }
    for (const a of active) if (!sent.has(a.id)) this.publish(a);
    if (sent.size > 0)
      this.log.info({ alarms: sent.size }, 'alarm changes published after reconnect');
  }

  close(): void {
    this.closed = true;
  }
}
