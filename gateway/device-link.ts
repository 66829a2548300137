// One external device as the pipeline sees it: its fixes numbered and published from the gateway's queue in seq order at QoS 1, deleted on the collector's end-to-end ack, resent when acks stall.
import { encodeTelemetry, telemetryTopic } from '../core/contract.js';
import type { Logger } from '../core/log.js';
import type { AckedQueue } from '../core/queue/acked-queue.js';
import { EndToEndAcks } from '../core/queue/end-to-end-acks.js';
import type { SignalValue } from '../core/signals/catalog.js';
import type { FixQueue, NumberedFix } from './queue/fix-queue.js';
import type { Numbering } from './queue/numbering.js';

/** The gateway's one MQTT connection, as a link uses it. */
export interface LinkTransport {
  readonly connected: boolean;
  /** QoS 1; `done` on PUBACK (or with an error when MQTT.js gives the message up). */
  publish(topic: string, payload: string, done: (err?: Error) => void): void;
}

export interface LinkDeps {
  deviceId: string;
  queue: FixQueue;
  numbering: Numbering;
  transport: LinkTransport;
  now: () => number;
  log: Logger;
  /** Publishes in flight at once for this device. */
  window: number;
  resendAfterMs: number;
}

export interface LinkStats {
  published: number;
  acknowledged: number;
  confirmed: number;
  resends: number;
  stalls: number;
}

/** Retry delay after Redis (the seq service) failed to answer. */
const NUMBERING_RETRY_MS = 1000;

/**
 * Like a simulated vehicle (devices/device.ts) but fed by a decoder instead of a speed model: the
 * queue is the gateway's shared file, and seqs are given just before publishing (numbering.ts).
 */
export class DeviceLink {
  private cursor = -1;
  private inflight = 0;
  private epoch = 0;
  private numbering = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private lastProgressAt = 0;
  private closed = false;
  private readonly e2e: EndToEndAcks;
  readonly stats: LinkStats = {
    published: 0,
    acknowledged: 0,
    confirmed: 0,
    resends: 0,
    stalls: 0,
  };

  constructor(private readonly deps: LinkDeps) {
    const { queue, deviceId } = deps;
    const view: AckedQueue = {
      removeThrough: (seq) => queue.confirmThrough(deviceId, seq),
      oldest: () => queue.oldest(deviceId),
      advanceSeq: (seq) => queue.raiseNextSeq(deviceId, seq),
      get nextSeq() {
        return queue.nextSeq(deviceId) ?? 0;
      },
    };
    // No dropped notices (publishDropped absent): the gateway never evicts (a full queue refuses
    // the device, which keeps the fix), and seqs below its oldest may be another gateway's.
    this.e2e = new EndToEndAcks(
      {
        deviceId,
        queue: () => view,
        rewind: (seq) => this.rewind(seq),
        now: deps.now,
        log: deps.log,
      },
      deps.resendAfterMs,
    );
  }

  get deviceId(): string {
    return this.deps.deviceId;
  }

  /** Seqs can be given once the collector's ack (or its absence) told where they continue. */
  get ready(): boolean {
    return this.deps.queue.nextSeq(this.deviceId) !== undefined;
  }

  /**
   * The collector's ack: everything through `w` is stored. It also sets the floor of the next
   * seq: another gateway (or a vehicle that had this id before) may have used seqs up to it.
   */
  onWatermark(w: number): void {
    if (this.closed) return;
    const { queue } = this.deps;
    const wasReady = this.ready;
    queue.raiseNextSeq(this.deviceId, w + 1);
    const before = this.stats.confirmed;
    this.e2e.onWatermark(w);
    this.stats.confirmed = this.e2e.confirmed;
    if (!wasReady || this.stats.confirmed > before) this.pump();
  }

  /** No ack heard within the wait after subscribing: the collector has nothing of this device. */
  assumeNew(): void {
    if (this.ready || this.closed) return;
    this.deps.queue.raiseNextSeq(this.deviceId, 0);
    this.pump();
  }

  /** New fixes are queued, or the connection is back: publish what can be. */
  pump(): void {
    const { transport, queue, window } = this.deps;
    while (!this.closed && transport.connected && this.inflight < window) {
      const batch = queue.after(this.deviceId, this.cursor, window - this.inflight);
      if (batch.length === 0) {
        this.numberMore();
        return;
      }
      this.publish(batch);
    }
  }

  private numberMore(): void {
    if (this.numbering || this.retryTimer || !this.ready || this.closed) return;
    if (!this.deps.transport.connected) return;
    const { queue, numbering, window, log } = this.deps;
    if (queue.unnumberedCount(this.deviceId) === 0) return;
    this.numbering = true;
    numbering
      .number(this.deviceId, window)
      .then((n) => {
        this.numbering = false;
        if (n > 0) this.pump();
      })
      .catch((err: unknown) => {
        this.numbering = false;
        log.warn(
          { device: this.deviceId, err: (err as Error).message },
          'numbering failed; retrying',
        );
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.pump();
        }, NUMBERING_RETRY_MS);
        this.retryTimer.unref();
      });
  }

  private publish(batch: readonly NumberedFix[]): void {
    const { transport, now } = this.deps;
    if (this.inflight === 0) this.lastProgressAt = now();
    if (!this.outstanding()) this.e2e.outstandingSince(now());
    const epoch = this.epoch;
    for (const fix of batch) {
      this.cursor = fix.seq;
      this.inflight += 1;
      this.stats.published += 1;
      const payload = encodeTelemetry({
        device_id: this.deviceId,
        seq: fix.seq,
        timestamp: new Date(fix.fixMs).toISOString(),
        values: JSON.parse(fix.values) as Record<string, SignalValue>,
      });
      transport.publish(telemetryTopic(this.deviceId), payload, (err) =>
        this.onPuback(fix.seq, epoch, err),
      );
    }
  }

  private onPuback(seq: number, epoch: number, err: Error | undefined): void {
    if (epoch === this.epoch) this.inflight -= 1;
    if (this.closed) return;
    if (err) {
      this.cursor = Math.min(this.cursor, seq - 1);
      return;
    }
    this.stats.acknowledged += 1;
    this.lastProgressAt = this.deps.now();
    this.pump();
  }

  /** Some published fix awaits the collector's confirmation. */
  private outstanding(): boolean {
    const oldest = this.deps.queue.oldest(this.deviceId);
    return oldest !== undefined && oldest <= this.cursor;
  }

  private rewind(seq: number): void {
    this.cursor = Math.min(this.cursor, seq);
    this.pump();
  }

  /** After a (re)connect: everything unconfirmed goes out again, oldest first. */
  reconnected(): void {
    this.epoch += 1;
    this.inflight = 0;
    this.rewind(-1);
  }

  /** Periodic: resend when confirmations stall; republish when PUBACKs stall. */
  check(stallMs: number): void {
    if (this.closed || !this.deps.transport.connected) return;
    if (this.inflight > 0 && this.deps.now() - this.lastProgressAt >= stallMs) {
      this.stats.stalls += 1;
      this.reconnected();
      return;
    }
    this.e2e.check(this.outstanding());
    this.stats.resends = this.e2e.resends;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}
