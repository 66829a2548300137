// Sender side of the end-to-end acknowledgement (a vehicle, the gateway): delete what the collector confirms, resend what it lacks.

import type { Logger } from '../log.js';
import type { LogDigest } from '../log-digest.js';
import { parseAck } from '../validate.js';
import type { AckedQueue } from './acked-queue.js';

export interface EndToEndAcksDeps {
  deviceId: string;
  queue: () => AckedQueue;
  /**
   * Tells the collector this device no longer holds from..to (evicted from its full queue).
   * Absent: the sender never evicts, and seqs below its oldest may be held by someone else (the
   * gateway: another gateway of the same device), so it never declares them dropped.
   */
  publishDropped?: (from: number, to: number) => void;
  /** Makes the device publish again every queued reading after `seq`. */
  rewind: (seq: number) => void;
  now: () => number;
  log: Logger;
  /** A fleet's summary of its vehicles' resends (each at debug); absent: each resend at info. */
  digest?: LogDigest;
}

const MAX_RESEND_DELAY_MS = 5 * 60 * 1000;

/**
 * A reading leaves the queue only when the collector's ack (the highest seq it stored
 * contiguously) covers it, so a broker that loses messages it had acknowledged (e.g. killed
 * before saving) cannot lose readings. What the collector lacks is resent: after every reconnect,
 * and when confirmations stop advancing while readings are outstanding (after resendAfterMs,
 * doubling up to 5 minutes so a collector that is down is not flooded).
 */
export class EndToEndAcks {
  confirmed = 0;
  resends = 0;
  private watermark = -1;
  private progressAt = 0;
  private resendDelay: number;
  private lastDroppedNoticeAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly deps: EndToEndAcksDeps,
    private readonly resendAfterMs: number,
  ) {
    this.resendDelay = resendAfterMs;
  }

  /** Called when readings start to be outstanding, so the resend clock starts then. */
  outstandingSince(at: number): void {
    this.progressAt = at;
  }

  onAck(payload: Uint8Array): void {
    const ack = parseAck(this.deps.deviceId, payload);
    if (!ack) {
      this.deps.log.warn({ device: this.deps.deviceId }, 'ignoring a malformed ack');
      return;
    }
    this.onWatermark(ack.seq);
  }

  /** The collector stored every seq through `w` (an ack already parsed). */
  onWatermark(w: number): void {
    const queue = this.deps.queue();
    if (w >= queue.nextSeq) {
      // The collector has seqs we never issued: our queue (and seq) was reset. Continue above
      // them so new readings are not taken for duplicates.
      this.deps.log.error(
        { device: this.deps.deviceId, ack: w, nextSeq: queue.nextSeq },
        'seq reset detected',
      );
      queue.advanceSeq(w + 1);
    }
    if (w > this.watermark) {
      this.confirmed += queue.removeThrough(w);
      this.watermark = w;
      this.progressAt = this.deps.now();
      this.resendDelay = this.resendAfterMs;
    }
    const floor = queue.oldest() ?? queue.nextSeq;
    if (w + 1 < floor) this.noticeDropped(w + 1, floor - 1);
  }

  /** Rate-limited: the collector re-acks, so a lost notice is sent again on the next ack. */
  private noticeDropped(from: number, to: number): void {
    const publish = this.deps.publishDropped;
    if (!publish) return;
    const now = this.deps.now();
    if (now - this.lastDroppedNoticeAt < 1000) return;
    this.lastDroppedNoticeAt = now;
    publish(from, to);
  }

  /** Periodic: `outstanding` = some queued reading was published and awaits confirmation. */
  check(outstanding: boolean): void {
    if (!outstanding) return;
    const now = this.deps.now();
    if (now - this.progressAt < this.resendDelay) return;
    this.resends += 1;
    const fields = { since: this.watermark, waitedMs: now - this.progressAt };
    const detail = 'no confirmation progress; resending unconfirmed readings';
    if (this.deps.digest) this.deps.digest.add(this.deps.deviceId, 'resending', detail, fields);
    else this.deps.log.info({ device: this.deps.deviceId, ...fields }, detail);
    this.progressAt = now;
    this.resendDelay = Math.min(this.resendDelay * 2, MAX_RESEND_DELAY_MS);
    this.deps.rewind(this.watermark);
  }
}
