// Delivers stored commands over the dashboard's MQTT session: one in flight per vehicle, in order, only to vehicles that say they are online; records answers and deadlines.
import { randomUUID } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { EXPIRED_ERROR, encodeCommand, parseCommandResult } from '../../core/commands.js';
import {
  COMMAND_RESULT_SUBSCRIPTION,
  commandTopic,
  parseTopic,
  TOPIC_ROOT,
} from '../../core/contract.js';
import type { Logger } from '../../core/log.js';
import type { MqttSession } from '../../core/mqtt-session.js';
import { validateStatus } from '../../core/validate.js';
import type { Answer, CommandStore, StoredCommand } from './command-store.js';
import { DeadlineTimer } from './deadline-timer.js';

/** Settled commands are kept this long (GET shows them), then pruned. */
const KEEP_SETTLED_MS = 30 * 24 * 3600 * 1000;
const PRUNE_EVERY_MS = 3600 * 1000;
/** Deadlines wait for the first subscription (or this long) after a start, see attach(). */
const STARTUP_GRACE_MS = 10_000;

export interface DispatcherDeps {
  store: CommandStore;
  /** The dashboard's persistent session: results wait in the broker while the dashboard is down. */
  session: MqttSession;
  now: () => number;
  log: Logger;
  /** A sent command without an answer after this long is timed_out. */
  timeoutMs: number;
}

export interface Submission {
  deviceId: string;
  name: string;
  params: Record<string, unknown>;
  expiresInS: number;
}

/**
 * What each state claims, and no more: `sent` once the broker acknowledged the PUBLISH (never
 * before), then only the vehicle's answer moves it on. A vehicle is sent its next command only
 * while its retained status says online; an offline vehicle's commands stay `queued` here, so
 * one that never comes back shows them `expired` (never executed), not delivered.
 *
 * Delivery is at least once, execution exactly once: the command in flight is published again
 * whenever its vehicle announces itself online (a restart of the vehicle or the broker, or this
 * dashboard reconnecting and getting the retained status again), because a killed broker may
 * have lost it or its answer; the vehicle recognises the id and answers with its first result.
 */
export class CommandDispatcher {
  private readonly online = new Set<string>();
  /** Vehicles with pending commands (mirrors the store, saves a query per status message). */
  private readonly pending = new Set<string>();
  /** Commands handed to MQTT.js whose PUBACK has not come yet (not published again meanwhile). */
  private readonly awaitingPuback = new Set<string>();
  private readonly listeners: Array<(command: StoredCommand) => void> = [];
  private readonly deadlines: DeadlineTimer;
  private pruneTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private ready = false;
  /** Answers that were not a valid result of that vehicle (ignored). */
  malformedAnswers = 0;
  private client: MqttClient | undefined;
  private markSubscribed: () => void = () => {};
  /** Resolves at the first SUBACK of the result subscription. */
  readonly subscribed: Promise<void> = new Promise((resolve) => {
    this.markSubscribed = resolve;
  });

  constructor(private readonly deps: DispatcherDeps) {
    this.deadlines = new DeadlineTimer({ now: deps.now, due: () => this.settle() });
  }

  onChange(listener: (command: StoredCommand) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Attaches to the session's client; call right after the live feed created it (same tick, so
   * before the first CONNACK and the results the broker kept for this session).
   */
  attach(): void {
    const { store, session, log } = this.deps;
    for (const deviceId of store.pendingDevices()) this.pending.add(deviceId);
    const client = session.mqtt;
    this.client = client;
    client.on('connect', () => {
      // MQTT.js resends what was in flight itself; forgetting it here only risks a duplicate
      // (answered from the vehicle's journal), never a command stuck waiting for a lost PUBACK.
      this.awaitingPuback.clear();
      client.subscribe(COMMAND_RESULT_SUBSCRIPTION, { qos: 1 }, (err) => {
        if (err) {
          log.error({ err: err.message }, 'command result subscribe failed');
          return;
        }
        this.markSubscribed();
        this.becomeReady();
      });
    });
    // Statuses come again (retained) after every reconnect; until then nobody counts as online.
    client.on('close', () => this.online.clear());
    client.on('message', (topic, payload) => this.accept(topic, payload));
    // Answers the broker kept for this session arrive right after CONNACK, before the SUBACK: a
    // command answered while the dashboard was down is then recorded as answered rather than
    // first timed out. Without a broker, deadlines start after the grace anyway.
    this.graceTimer = setTimeout(() => this.becomeReady(), STARTUP_GRACE_MS);
    this.graceTimer.unref();
    this.prune();
    this.pruneTimer = setInterval(() => this.prune(), PRUNE_EVERY_MS);
    this.pruneTimer.unref();
  }

  /** Stores a validated command (queued) and sends it if its vehicle can take it now. */
  submit(s: Submission): StoredCommand {
    const now = this.deps.now();
    const command = this.deps.store.insert({
      commandId: randomUUID(),
      deviceId: s.deviceId,
      name: s.name,
      params: s.params,
      createdAt: now,
      expiresAt: now + s.expiresInS * 1000,
    });
    this.pending.add(s.deviceId);
    this.changed(command);
    this.deadlines.arm(command.expiresAt);
    this.dispatch(s.deviceId, false);
    return command;
  }

  get(commandId: string): StoredCommand | undefined {
    return this.deps.store.get(commandId);
  }

  list(deviceId: string, limit: number): StoredCommand[] {
    return this.deps.store.list(deviceId, limit);
  }

  pendingCount(deviceId: string): number {
    return this.deps.store.pendingCount(deviceId);
  }

  /** Synchronous: MQTT.js sends the PUBACK of a QoS 1 answer after this returns, so it is stored first. */
  private accept(topic: string, payload: Buffer): void {
    if (!topic.startsWith(`${TOPIC_ROOT}/`)) return;
    const parsed = parseTopic(topic);
    if (parsed?.kind === 'command/result') this.onAnswer(parsed.deviceId, payload);
    else if (parsed?.kind === 'status') this.onStatus(topic, payload);
  }

  private onStatus(topic: string, payload: Buffer): void {
    const v = validateStatus(topic, payload, this.deps.now());
    if (!v.ok || v.kind !== 'status') return;
    const deviceId = v.status.device_id;
    if (v.status.status === 'offline') {
      this.online.delete(deviceId);
      return;
    }
    this.online.add(deviceId);
    // A vehicle (re)connecting may have lost the command in flight with a broker that crashed.
    if (this.pending.has(deviceId)) this.dispatch(deviceId, true);
  }

  private onAnswer(deviceId: string, payload: Buffer): void {
    const { store, log, now } = this.deps;
    const message = parseCommandResult(deviceId, payload);
    if (!message) {
      // Counted, logged at debug only: a misbehaving vehicle must not flood the log.
      this.malformedAnswers += 1;
      log.debug({ device: deviceId.slice(0, 80) }, 'ignoring a malformed command result');
      return;
    }
    const answer: Answer = {
      status:
        message.status === 'rejected' && message.error === EXPIRED_ERROR
          ? 'expired'
          : message.status,
      result: message.result,
      error: message.error,
    };
    const before = store.get(message.command_id);
    const updated = store.recordAnswer(message.command_id, deviceId, answer, now());
    if (!updated) {
      log.debug({ device: deviceId, commandId: message.command_id }, 'answer already recorded');
      return;
    }
    if (before?.status === 'timed_out') {
      log.info({ device: deviceId, commandId: updated.commandId }, 'late answer after timed_out');
    }
    this.changed(updated);
    this.dispatch(deviceId, false);
  }

  /**
   * Sends the vehicle's head command when it may: connected, the vehicle online, nothing of it
   * awaiting a PUBACK. A head already `sent` goes out again only when `republish` (see class).
   */
  private dispatch(deviceId: string, republish: boolean): void {
    const { store } = this.deps;
    const client = this.client;
    if (!client?.connected || !this.online.has(deviceId)) return;
    const head = store.head(deviceId);
    if (!head) {
      this.pending.delete(deviceId);
      return;
    }
    if (this.awaitingPuback.has(head.commandId)) return;
    if (head.status === 'sent' && !republish) return;
    if (
      head.status === 'queued' &&
      head.publishedAt === undefined &&
      head.expiresAt <= this.deps.now()
    ) {
      this.settle(); // it expired unsent; settle() dispatches the next one
      return;
    }
    this.publish(client, head);
  }

  private publish(client: MqttClient, command: StoredCommand): void {
    const { store, now, log } = this.deps;
    store.markPublished(command.commandId, now());
    this.awaitingPuback.add(command.commandId);
    const payload = encodeCommand({
      command_id: command.commandId,
      name: command.name,
      params: command.params,
      expires_at: new Date(command.expiresAt).toISOString(),
    });
    client.publish(commandTopic(command.deviceId), payload, { qos: 1 }, (err) => {
      this.awaitingPuback.delete(command.commandId);
      // No PUBACK (connection ended): it stays as it is and goes out again when possible.
      if (err) return;
      const sent = store.markSent(command.commandId, now());
      if (!sent) return; // republished, or answered already
      log.debug({ device: sent.deviceId, commandId: sent.commandId }, 'command sent');
      this.changed(sent);
      this.deadlines.arm(store.nextDeadline(this.deps.timeoutMs));
    });
  }

  private becomeReady(): void {
    if (this.ready) return;
    this.ready = true;
    clearTimeout(this.graceTimer);
    this.settle();
  }

  /** Expiries and timeouts that are due, then the next command of each vehicle concerned. */
  private settle(): void {
    if (!this.ready) return; // becomeReady() settles (and re-arms) once ready
    const { store, now, timeoutMs } = this.deps;
    const settled = store.settleDue(now(), timeoutMs);
    for (const c of settled) this.changed(c);
    for (const deviceId of new Set(settled.map((c) => c.deviceId))) this.dispatch(deviceId, false);
    this.deadlines.arm(store.nextDeadline(timeoutMs));
  }

  private prune(): void {
    const n = this.deps.store.prune(this.deps.now() - KEEP_SETTLED_MS);
    if (n > 0) this.deps.log.info({ pruned: n }, 'old settled commands deleted');
  }

  private changed(command: StoredCommand): void {
    for (const listener of this.listeners) listener(command);
  }

  /** Stops the timers (the session and the store are closed by their owner). Safe twice. */
  stop(): void {
    this.deadlines.stop();
    clearTimeout(this.graceTimer);
    clearInterval(this.pruneTimer);
    this.pruneTimer = undefined;
  }
}
