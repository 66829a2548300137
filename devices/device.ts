// One simulated vehicle: takes a reading per tick, queues it durably, publishes the queue in order at QoS 1.
import {
  type DeviceStatus,
  encodeReading,
  encodeStatus,
  speedTopic,
  statusTopic,
} from '../core/contract.js';
import type { Logger } from '../core/log.js';
import type { MqttSession } from '../core/mqtt-session.js';
import type { OfflineQueue } from './offline-queue.js';
import type { SpeedModel } from './speed-model.js';
import { Ticker } from './ticker.js';

export interface DeviceOptions {
  deviceId: string;
  intervalMs: number;
  /** Stop taking readings after this many (the backlog is still delivered); for drills and tests. */
  limit?: number;
  /** Publishes in flight at once; the backlog after a reconnect goes out pipelined in this window. */
  window?: number;
  /** Delay of the first reading, to spread a fleet across the interval. */
  phaseMs?: number;
}

export interface DeviceDeps {
  /** Called by start(): opening the queue is I/O, so the constructor does not do it. */
  openQueue: () => OfflineQueue;
  session: MqttSession;
  model: SpeedModel;
  now: () => number;
  log: Logger;
}

export interface DeviceStats {
  deviceId: string;
  generated: number;
  published: number;
  acknowledged: number;
  queued: number;
  dropped: number;
  connected: boolean;
}

export class Device {
  private ticker: Ticker | undefined;
  private generated = 0;
  private published = 0;
  private acknowledged = 0;
  private inflight = 0;
  /** Highest seq handed to MQTT.js in this process; everything after it is still only queued. */
  private cursor = -1;
  private ackedSeqs: number[] = [];
  private ackFlushScheduled = false;
  private closed = false;
  private queueHandle: OfflineQueue | undefined;

  constructor(
    readonly options: DeviceOptions,
    private readonly deps: DeviceDeps,
  ) {}

  get id(): string {
    return this.options.deviceId;
  }

  private get queue(): OfflineQueue {
    if (!this.queueHandle) throw new Error(`device ${this.id} not started`);
    return this.queueHandle;
  }

  stats(): DeviceStats {
    return {
      deviceId: this.id,
      generated: this.generated,
      published: this.published,
      acknowledged: this.acknowledged,
      queued: this.queueHandle?.size ?? 0,
      dropped: this.queueHandle?.dropped ?? 0,
      connected: this.deps.session.connected,
    };
  }

  async start(): Promise<void> {
    this.queueHandle = this.deps.openQueue();
    this.closed = false;
    const client = this.deps.session.create();
    client.on('connect', () => {
      this.deps.log.debug({ device: this.id }, 'connected');
      this.publishStatus('online');
      this.pump();
    });
    this.deps.session.start();
    this.ticker = new Ticker(
      {
        intervalMs: this.options.intervalMs,
        phaseMs: this.options.phaseMs ?? 0,
        now: this.deps.now,
      },
      () => this.tick(),
    );
    this.ticker.start();
  }

  private tick(): void {
    if (this.options.limit !== undefined && this.generated >= this.options.limit) {
      this.ticker?.stop();
      return;
    }
    const speed = this.deps.model.tick();
    const timestamp = new Date(this.deps.now()).toISOString();
    // Queued before it is published: a crash right after this line loses nothing.
    this.queue.append((seq) => encodeReading({ device_id: this.id, seq, timestamp, speed }));
    this.generated += 1;
    this.pump();
  }

  /** Publishes queued readings in seq order while connected, keeping at most `window` in flight. */
  private pump(): void {
    const window = this.options.window ?? 256;
    const client = this.deps.session.mqtt;
    while (!this.closed && client.connected && this.inflight < window) {
      const batch = this.queue.after(this.cursor, window - this.inflight);
      if (batch.length === 0) return;
      for (const msg of batch) {
        this.cursor = msg.seq;
        this.inflight += 1;
        this.published += 1;
        // MQTT.js calls back on PUBACK; until then the row stays. If the connection drops, MQTT.js
        // resends in-flight messages first on reconnect, so order is kept.
        client.publish(speedTopic(this.id), msg.payload, { qos: 1 }, (err) =>
          this.onPuback(msg.seq, err),
        );
      }
    }
  }

  private onPuback(seq: number, err: Error | undefined): void {
    this.inflight -= 1;
    if (err || this.closed) return; // not acknowledged: stays queued, resent after a restart
    this.acknowledged += 1;
    this.ackedSeqs.push(seq);
    if (!this.ackFlushScheduled) {
      this.ackFlushScheduled = true;
      // One transaction for every PUBACK that arrived in this turn of the event loop.
      setImmediate(() => this.flushAcks());
    }
    this.pump();
  }

  private flushAcks(): void {
    this.ackFlushScheduled = false;
    if (this.closed) return;
    const seqs = this.ackedSeqs;
    this.ackedSeqs = [];
    this.queue.remove(seqs);
  }

  private publishStatus(status: DeviceStatus): Promise<void> {
    const payload = encodeStatus({
      device_id: this.id,
      status,
      timestamp: new Date(this.deps.now()).toISOString(),
    });
    return new Promise((resolve) => {
      this.deps.session.mqtt.publish(statusTopic(this.id), payload, { qos: 1, retain: true }, () =>
        resolve(),
      );
    });
  }

  /** Stops taking readings, says offline, disconnects; unacknowledged readings stay queued. Idempotent. */
  async stop(): Promise<void> {
    if (this.closed || !this.queueHandle) return;
    this.ticker?.stop();
    this.flushAcks();
    if (this.deps.session.connected) {
      await Promise.race([this.publishStatus('offline'), new Promise((r) => setTimeout(r, 1000))]);
    }
    this.flushAcks();
    this.closed = true;
    await this.deps.session.stop();
    this.queue.close();
  }
}
