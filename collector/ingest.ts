// The ingest pipeline: validate, batch, write durably (retrying while the store is down), then acknowledge.

import { Backoff } from '../core/backoff.js';
import type { DroppedNotice, HealthMessage, Reading, StatusMessage } from '../core/contract.js';
import type { Logger } from '../core/log.js';
import type { SignalCatalog } from '../core/signals/catalog.js';
import type { TelemetryStore, WriteResult } from '../core/store/types.js';
import { validateInbound } from '../core/validate.js';
import type { AckTicket } from './puback-gate.js';
import type { RejectCounter } from './reject-counter.js';

export interface IngestOptions {
  /** Readings per store write. */
  maxBatch: number;
  /** Messages received but not yet acknowledged; past this the MQTT socket is paused. */
  maxPending: number;
  retryInitialMs: number;
  retryMaxMs: number;
}

/**
 * Why writes of a few messages wait for each other: a thousand vehicles at 1 Hz arrive spread over
 * the second, so each turn held one or two readings and each became its own commit (an fsync
 * with synchronous=FULL), which took half a core in the gateway bench (1,000 trackers: 40 % of the
 * collector's samples in COMMIT). A write that follows a small one (under LINGER_BELOW messages)
 * begins at least LINGER_MS after it: at most ~100 small commits a second, PUBACKs and acks at most
 * 10 ms later. A busy collector's writes are large, and go on back to back as before.
 */
const LINGER_MS = 10;
const LINGER_BELOW = 100;

export const DEFAULT_INGEST_OPTIONS: IngestOptions = {
  maxBatch: 5000,
  maxPending: 20_000,
  retryInitialMs: 100,
  retryMaxMs: 5000,
};

export interface IngestDeps {
  store: TelemetryStore;
  /** The signals accepted (SIGNALS_FILE included). */
  catalog: SignalCatalog;
  rejects: RejectCounter;
  /** Sends held PUBACKs once their batch is durable. */
  release: (tickets: readonly AckTicket[]) => void;
  now: () => number;
  log: Logger;
  /**
   * After each durable write: the batch's readings (duplicates included), the store's answer, the
   * devices' dropped notices written with them and each reading's timestamp as epoch ms.
   */
  onStored: (
    readings: readonly Reading[],
    result: WriteResult,
    dropped: readonly DroppedNotice[],
    times: readonly number[],
  ) => void;
  /**
   * After each durable write, before its PUBACKs: what must be derived before the batch counts as
   * handled (collector extensions' settle). Must not throw.
   */
  settle?: (readings: readonly Reading[], result: WriteResult) => Promise<void>;
  onStatus: (status: StatusMessage) => void;
  onHealth?: (health: HealthMessage) => void;
  /** Metrics of each successful write (collector/metrics.ts); absent when nobody scrapes. */
  observer?: IngestObserver;
  /**
   * DEVICE_ALLOWLIST=true: false for a device missing from the registry; its readings are counted
   * as `unknown_device`, acknowledged and not stored. Unset: every device is admitted.
   */
  admit?: (deviceId: string) => boolean;
}

/** What the write path reports for histograms: called once per successful store write. */
export interface IngestObserver {
  /** `seconds`: the store.write() call; `at`: when the batch became durable (epoch ms). */
  written(seconds: number, readings: readonly Reading[], at: number): void;
}

interface Batch {
  readings: Reading[];
  /** Each reading's timestamp as epoch ms, as validation parsed it (TelemetryStore.write). */
  times: number[];
  /** Devices' dropped notices: the store applies them in the same write as the readings. */
  dropped: DroppedNotice[];
  tickets: AckTicket[];
  /** Messages accepted into this batch, rejects and QoS 0 included. */
  messages: number;
}

/** A batch of rejects and statuses only: acknowledged without touching the store. */
const NOTHING_TO_WRITE = Symbol('nothing to write');

export class Ingest {
  /** FIFO of batches; only the last one takes new messages. Acks go out in arrival order. */
  private readonly batches: Batch[] = [];
  private pending = 0;
  private flushing: Promise<void> | undefined;
  /** When the last flush began, and how many messages it took (see LINGER_MS). */
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private lastWriteSize = 0;
  private roomWaiters: Array<() => void> = [];
  private stopping = false;
  /**
   * Set when stop() begins: a message arriving after it is neither batched nor acknowledged (its
   * PUBACK stays held), so the broker sends it again to the next session. Without this a stop
   * under a backlog drained the broker's whole queue first (flushAll went on while messages kept
   * coming) and could overrun the program's stop deadline.
   */
  private closing = false;
  /**
   * Resolves when stop()'s deadline passes: a settle still under way (collector extensions, e.g.
   * trips) is no longer waited for. Its batch is stored; what the settle would have derived is
   * derived again from the stored readings at the next start, as after a crash.
   */
  private readonly deadline: Promise<void>;
  private passDeadline: () => void = () => {};
  received = 0;
  stored = 0;
  duplicates = 0;
  writeFailures = 0;
  batchesWritten = 0;

  constructor(
    private readonly options: IngestOptions,
    private readonly deps: IngestDeps,
  ) {
    this.deadline = new Promise((resolve) => {
      this.passDeadline = resolve;
    });
  }

  get pendingMessages(): number {
    return this.pending;
  }

  get full(): boolean {
    return this.pending >= this.options.maxPending;
  }

  /** The next message accepted makes the pipeline full (or it is already). */
  get lastRoom(): boolean {
    return this.pending + 1 >= this.options.maxPending;
  }

  /** Resolves once the pipeline can take more (used to apply backpressure to the MQTT socket). */
  waitForRoom(): Promise<void> {
    if (!this.full) return Promise.resolve();
    return new Promise((resolve) => this.roomWaiters.push(resolve));
  }

  accept(topic: string, payload: Uint8Array, ticket: AckTicket | undefined): void {
    if (this.closing) return;
    this.received += 1;
    const batch = this.openBatch();
    if (ticket) batch.tickets.push(ticket);
    batch.messages += 1;
    this.pending += 1;
    const result = validateInbound(topic, payload, this.deps.now(), this.deps.catalog);
    if (!result.ok) {
      // Rejected messages are acknowledged too (in order): redelivering garbage helps no one.
      this.deps.rejects.count(result.reason, topic, result.detail);
    } else if (result.kind === 'status') {
      this.deps.onStatus(result.status);
    } else if (result.kind === 'dropped') {
      batch.dropped.push(result.notice);
    } else if (result.kind === 'health') {
      this.deps.onHealth?.(result.health);
    } else if (result.kind === 'ack' || result.kind === 'command') {
      // Our own acks, echoed by the vehicles/# subscription; commands are the dashboard's.
    } else if (this.deps.admit && !this.deps.admit(result.reading.device_id)) {
      this.deps.rejects.count('unknown_device', topic, 'device not in the registry');
    } else {
      if (result.notes.length > 0)
        this.deps.rejects.signalNotes(result.reading.device_id, result.notes);
      batch.readings.push(result.reading);
      batch.times.push(result.time);
    }
    this.scheduleFlush();
  }

  private openBatch(): Batch {
    const last = this.batches.at(-1);
    if (last && last.readings.length < this.options.maxBatch) return last;
    const batch: Batch = { readings: [], times: [], dropped: [], tickets: [], messages: 0 };
    this.batches.push(batch);
    return batch;
  }

  private scheduleFlush(): void {
    if (this.flushing) return;
    // setImmediate: every message of the current socket read joins the batch first. After a small
    // write that began less than LINGER_MS ago, the next waits for the rest of it (see LINGER_MS).
    const wait =
      this.lastWriteSize < LINGER_BELOW && !this.stopping
        ? this.lastWriteAt + LINGER_MS - performance.now()
        : 0;
    this.flushing = new Promise<void>((resolve) => {
      if (wait > 0) setTimeout(resolve, wait);
      else setImmediate(resolve);
    })
      .then(() => this.flushAll())
      .finally(() => {
        this.flushing = undefined;
        if (this.batches.length > 0 && !this.stopping) this.scheduleFlush();
      });
  }

  private async flushAll(): Promise<void> {
    this.lastWriteAt = performance.now();
    this.lastWriteSize = this.batches.reduce((n, b) => n + b.messages, 0);
    for (let batch = this.batches.shift(); batch; batch = this.batches.shift()) {
      const result = await this.writeWithRetry(batch);
      if (!result) {
        // Stopping with the store down: nothing acknowledged, the broker redelivers later.
        this.batches.unshift(batch);
        return;
      }
      const settle = result !== NOTHING_TO_WRITE && this.deps.settle;
      if (settle) await Promise.race([settle(batch.readings, result), this.deadline]);
      this.deps.release(batch.tickets);
      this.pending -= batch.messages;
      if (result !== NOTHING_TO_WRITE)
        this.deps.onStored(batch.readings, result, batch.dropped, batch.times);
      this.wakeWaiters();
    }
  }

  private async writeWithRetry(
    batch: Batch,
  ): Promise<WriteResult | typeof NOTHING_TO_WRITE | undefined> {
    const { readings, dropped, times } = batch;
    if (readings.length === 0 && dropped.length === 0) return NOTHING_TO_WRITE;
    const backoff = new Backoff({
      initialMs: this.options.retryInitialMs,
      maxMs: this.options.retryMaxMs,
    });
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      let result: WriteResult;
      try {
        result = await this.deps.store.write(readings, dropped, times);
      } catch (err) {
        this.writeFailures += 1;
        if (this.stopping) return undefined;
        const delay = backoff.next();
        if (attempt === 1 || attempt % 10 === 0) {
          this.deps.log.warn(
            { err: (err as Error).message, attempt, retryInMs: delay, pending: this.pending },
            'store write failed; holding acknowledgements and retrying',
          );
        }
        await new Promise((r) => setTimeout(r, delay));
        continue;
      }
      this.stored += result.stored;
      this.duplicates += result.duplicates;
      this.batchesWritten += 1;
      if (attempt > 1)
        this.deps.log.info({ attempt, readings: readings.length }, 'store write recovered');
      // Outside the try: whatever metrics do, a durable write is never retried because of them.
      this.deps.observer?.written((performance.now() - started) / 1000, readings, this.deps.now());
      return result;
    }
  }

  private wakeWaiters(): void {
    if (this.full) return;
    const waiters = this.roomWaiters;
    this.roomWaiters = [];
    for (const w of waiters) w();
  }

  /** Writes what is pending (giving up after `timeoutMs` if the store stays down) and stops. */
  async stop(timeoutMs = 5000): Promise<void> {
    this.closing = true;
    const deadline = setTimeout(() => {
      this.stopping = true;
      this.passDeadline();
    }, timeoutMs);
    while (this.flushing || this.batches.some((b) => b.messages > 0)) {
      if (this.stopping) break;
      if (!this.flushing) this.scheduleFlush();
      await this.flushing;
    }
    clearTimeout(deadline);
    this.stopping = true;
    this.passDeadline();
    this.wakeWaiters();
  }
}
