// DEVICE_ALLOWLIST=true: inbound messages wait (PUBACKs held) until the first registry snapshot, so no registered vehicle is rejected for lack of one.
import type { Logger } from '../core/log.js';
import type { AckTicket } from './puback-gate.js';

interface Held {
  topic: string;
  payload: Uint8Array;
  ticket: AckTicket | undefined;
}

export interface RegistryHoldDeps {
  log: Logger;
  /** Hands a message to the pipeline (in arrival order, once the registry is known). */
  deliver: (topic: string, payload: Uint8Array, ticket: AckTicket | undefined) => void;
  /** Lets MQTT.js read on when the pipeline has room (the collector's backpressure). */
  resume: (callback: () => void) => void;
  /** Past this many held messages MQTT.js reads no further packet until the snapshot arrives. */
  maxHeld: number;
  /** How often the wait is logged as a warning. */
  warnEveryMs: number;
}

/**
 * Why hold instead of judging at once: after a (re)start the broker may deliver the backlog
 * before the retained snapshot, and rejecting is final (acknowledged, never stored). So nothing is
 * judged until the registry is known: every message (readings, statuses, notices, in arrival
 * order) waits here with its PUBACK held, and MQTT.js is called back at once so the snapshot,
 * which arrives on the same connection behind them, can be read. The broker's in-flight window
 * bounds what arrives meanwhile (Mosquitto: max_inflight_messages; the snapshot is subscribed at
 * QoS 0, which that window does not hold back). With no dashboard ever publishing a registry the
 * collector keeps waiting and says so every `warnEveryMs`: a reading is never rejected for lack
 * of a registry. A connection lost meanwhile loses nothing: the broker redelivers what was not
 * acknowledged, and the store skips what it already has.
 */
export class RegistryHold {
  private held: Held[] = [];
  private deferred: Array<() => void> = [];
  private released = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: RegistryHoldDeps) {}

  get holding(): boolean {
    return !this.released;
  }

  get count(): number {
    return this.held.length;
  }

  start(): void {
    if (this.released || this.timer) return;
    this.deps.log.info(
      'DEVICE_ALLOWLIST=true: holding inbound messages until the registry snapshot (fleet/registry) arrives',
    );
    this.timer = setInterval(() => {
      this.deps.log.warn(
        { held: this.held.length, topic: 'fleet/registry' },
        'still no registry snapshot: readings are held, neither stored nor rejected; is the dashboard running, connected to this broker and allowed to publish fleet/registry, and may this collector read it?',
      );
    }, this.deps.warnEveryMs);
    this.timer.unref();
  }

  /** Takes one message while holding; `callback` lets MQTT.js read the next packet. */
  hold(
    topic: string,
    payload: Uint8Array,
    ticket: AckTicket | undefined,
    callback: () => void,
  ): void {
    this.held.push({ topic, payload, ticket });
    if (this.held.length >= this.deps.maxHeld) this.deferred.push(callback);
    else callback();
  }

  /** The registry is known: every held message goes to the pipeline, in order. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.stop();
    const held = this.held;
    const deferred = this.deferred;
    this.held = [];
    this.deferred = [];
    if (held.length > 0) {
      this.deps.log.info({ messages: held.length }, 'registry known: held messages go on');
    }
    for (const m of held) this.deps.deliver(m.topic, m.payload, m.ticket);
    for (const callback of deferred) this.deps.resume(callback);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
