// Follows the collector's alarms over MQTT (fleet/alarms/+/+) into the dashboard's copy, and sends acknowledgements back.
import { encodeAckRequest, parseAlarmMessage } from '../../core/alarm-wire.js';
import {
  ALARM_ACK_TOPIC,
  ALARM_SUBSCRIPTION,
  ALARM_TOPIC_ROOT,
  type Alarm,
  alarmTopic,
} from '../../core/contract.js';
import type { Logger } from '../../core/log.js';
import type { MqttSession } from '../../core/mqtt-session.js';
import { HttpError, NotFoundError } from '../errors.js';
import type { AlarmCopy, AlarmQuery } from './alarm-copy.js';

export interface AlarmFollowerDeps {
  /** The dashboard's one persistent session (DASHBOARD_CLIENT_ID). */
  session: MqttSession;
  copy: AlarmCopy;
  log: Logger;
  now: () => number;
}

/** What POST /api/alarms/:id/ack answers: 200 once the collector applied it, 202 while it has not yet. */
export interface AckAnswer {
  status: 200 | 202;
  alarm: Alarm;
}

/** What the routes use (a test can give its own). */
export interface AlarmsView {
  list(q: AlarmQuery): Alarm[];
  get(id: string): Alarm | undefined;
  acknowledge(id: string): Promise<AckAnswer>;
}

class ConflictError extends HttpError {
  constructor(message: string) {
    super(409, 'conflict', message);
  }
}

class BrokerUnavailableError extends HttpError {
  constructor() {
    super(
      503,
      'broker_unavailable',
      'the broker is not reachable; the acknowledgement was not sent',
    );
  }
}

/**
 * QoS 1 on the persistent session: alarm changes made while the dashboard is down wait in the
 * broker. Retained: a dashboard with an empty copy learns the latest alarm of every (device, rule)
 * at its first subscribe. Each message is kept only if its version is newer than the copy's, so
 * redeliveries and retained repeats change nothing and are not pushed to pages again.
 */
export class AlarmFollower implements AlarmsView {
  private readonly listeners: Array<(alarm: Alarm) => void> = [];
  private readonly waiters = new Map<string, Set<(alarm: Alarm | undefined) => void>>();
  rejected = 0;

  constructor(
    private readonly deps: AlarmFollowerDeps,
    private readonly ackTimeoutMs: number,
  ) {}

  onAlarm(listener: (alarm: Alarm) => void): void {
    this.listeners.push(listener);
  }

  /** Call right after the live feed created the session's client (same tick, before any CONNACK). */
  start(): void {
    const { session, copy, log } = this.deps;
    copy.start();
    const client = session.mqtt;
    client.on('connect', () => {
      client.subscribe(ALARM_SUBSCRIPTION, { qos: 1 }, (err) => {
        if (err) log.error({ err: err.message }, 'alarm subscribe failed');
      });
    });
    client.on('message', (topic, payload) => {
      if (topic.startsWith(`${ALARM_TOPIC_ROOT}/`) && topic !== ALARM_ACK_TOPIC)
        this.accept(topic, payload);
    });
  }

  accept(topic: string, payload: Uint8Array): void {
    const message = parseAlarmMessage(payload);
    // The topic names the alarm's device and rule: a message that disagrees is not the collector's.
    if (!message || alarmTopic(message.device_id, message.rule) !== topic) {
      this.rejected += 1;
      this.deps.log.warn({ topic: topic.slice(0, 200) }, 'alarm message ignored: invalid');
      return;
    }
    const { version: _version, ...alarm } = message;
    if (this.deps.copy.upsert(message)) {
      for (const l of this.listeners) l(alarm);
    }
    const waiting = this.waiters.get(alarm.id);
    if (waiting && alarm.state !== 'open') for (const w of [...waiting]) w(alarm);
  }

  list(q: AlarmQuery): Alarm[] {
    return this.deps.copy.list(q);
  }

  get(id: string): Alarm | undefined {
    return this.deps.copy.get(id);
  }

  /**
   * Sends the request to the collector (QoS 1: kept by the broker for the collector's session if it
   * is down) and waits up to ackTimeoutMs for the collector's update: 200 with the acknowledged
   * alarm, else 202 with the alarm as known (the ack is applied when the collector gets it).
   */
  async acknowledge(id: string): Promise<AckAnswer> {
    const { copy, session, now } = this.deps;
    const known = copy.get(id);
    if (!known) throw new NotFoundError(`no alarm ${id}`);
    if (known.state === 'cleared') throw new ConflictError(`alarm ${id} is cleared already`);
    if (known.state === 'acknowledged') return { status: 200, alarm: known };
    if (!session.connected) throw new BrokerUnavailableError();
    const updated = new Promise<Alarm | undefined>((resolve) => {
      const set = this.waiters.get(id) ?? new Set();
      this.waiters.set(id, set);
      const done = (alarm: Alarm | undefined) => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0) this.waiters.delete(id);
        resolve(alarm);
      };
      const timer = setTimeout(() => done(undefined), this.ackTimeoutMs);
      set.add(done);
    });
    const payload = encodeAckRequest({ alarm_id: id, timestamp: new Date(now()).toISOString() });
    session.mqtt.publish(ALARM_ACK_TOPIC, payload, { qos: 1 });
    const alarm = await updated;
    return alarm ? { status: 200, alarm } : { status: 202, alarm: copy.get(id) ?? known };
  }

  stop(): void {
    for (const set of this.waiters.values()) for (const w of [...set]) w(undefined);
    this.deps.copy.stop();
  }
}
