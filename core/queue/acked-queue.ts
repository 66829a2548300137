// What the end-to-end ack needs from a sender's on-disk queue: shared by the vehicles' queue and the gateway's.

/**
 * A durable queue of readings numbered by seq, from which rows leave only when the collector's
 * end-to-end ack covers them (devices/offline-queue.ts, gateway/queue/).
 */
export interface AckedQueue {
  /** Deletes every message with seq <= `seq`; returns how many. */
  removeThrough(seq: number): number;
  /** Smallest queued seq, undefined when empty. */
  oldest(): number | undefined;
  /** Makes the next seq given out at least `seq` (never goes back). */
  advanceSeq(seq: number): void;
  /** The seq the next reading will get. */
  readonly nextSeq: number;
}
