// Publishes end-to-end acks: per device, the highest seq stored contiguously, retained, at most once per interval.
import { ackTopic, encodeAck } from '../core/contract.js';
import type { DeviceProgressBoard } from './device-progress.js';

export interface AckerDeps {
  tracker: Pick<DeviceProgressBoard, 'watermark' | 'deviceIds'>;
  /** Publishes one ack (QoS 1, retained); false when it cannot now (e.g. disconnected). */
  publish: (topic: string, payload: string) => boolean;
  now: () => number;
}

/**
 * Acks are coalesced: a device marked several times within an interval gets one ack carrying the
 * newest watermark. A device is marked when a batch holding its readings is durable (duplicates
 * included: a device that resent what we have must learn it can delete it) and when it declares
 * seqs dropped.
 */
export class Acker {
  private dirty = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  sent = 0;

  constructor(
    private readonly deps: AckerDeps,
    private readonly intervalMs: number,
  ) {}

  mark(deviceId: string): void {
    this.dirty.add(deviceId);
  }

  /** After a (re)connect every known device gets its current ack again. */
  markAll(): void {
    for (const id of this.deps.tracker.deviceIds()) this.dirty.add(id);
  }

  start(): void {
    this.timer = setInterval(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    if (this.dirty.size === 0) return;
    const timestamp = new Date(this.deps.now()).toISOString();
    const pending = this.dirty;
    this.dirty = new Set();
    for (const deviceId of pending) {
      const seq = this.deps.tracker.watermark(deviceId);
      const payload = encodeAck({ device_id: deviceId, seq, timestamp });
      if (this.deps.publish(ackTopic(deviceId), payload)) this.sent += 1;
      else this.dirty.add(deviceId);
    }
  }

  /** Stops without sending what is pending (a fenced collector no longer speaks for the device). */
  cancel(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.dirty.clear();
  }

  /** Sends what is pending one last time. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.flush();
  }
}
