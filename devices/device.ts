// One simulated vehicle: takes a reading per tick (when its model has one due), queues it durably, publishes the queue in order at QoS 1.
import {
  ackTopic,
  type DeviceStatus,
  droppedTopic,
  encodeDropped,
  encodeStatus,
  encodeTelemetry,
  statusTopic,
  telemetryTopic,
} from '../core/contract.js';
import type { Logger } from '../core/log.js';
import type { LogDigest } from '../core/log-digest.js';
import type { MqttSession } from '../core/mqtt-session.js';
import { EndToEndAcks } from '../core/queue/end-to-end-acks.js';
import type { VehicleControls } from './command-executor.js';
import type { DeviceAddon } from './device-addon.js';
import type { VehicleModel } from './drive/vehicle-sim.js';
import type { OfflineQueue, QueuedMessage } from './offline-queue.js';
import { ReadingSchedule } from './reading-schedule.js';
import type { TickWheel, WheelMember } from './tick-wheel.js';
import type { VehicleCommands } from './vehicle-commands.js';

export interface DeviceOptions {
  deviceId: string;
  intervalMs: number;
  /** Stop taking readings after this many (the backlog is still delivered); for drills and tests. */
  limit?: number;
  /** Publishes in flight at once; the backlog after a reconnect goes out pipelined in this window. */
  window?: number;
  /** Delay of the first reading, to spread a fleet across the interval. */
  phaseMs?: number;
  /** Connected with messages in flight but no PUBACK for this long: republish from the queue. */
  stallMs?: number;
  /** e2e (default): keep readings until the collector confirms them; broker: delete on PUBACK. */
  ackMode?: 'e2e' | 'broker';
  /** e2e: resend unconfirmed readings when confirmations stall this long (doubling). */
  resendAfterMs?: number;
}

export interface DeviceDeps {
  /** Called by start(): opening the queue is I/O, so the constructor does not do it. */
  openQueue: () => OfflineQueue;
  /** A fleet's shared timer (readings of a slot share one commit); absent: the device's own. */
  wheel?: TickWheel;
  session: MqttSession;
  /** The simulated vehicle: it decides when a reading is due (each tick driving, less parked). */
  model: VehicleModel;
  /** Its command channel (ping, set_interval, set_speed_limit); absent: it takes no commands. */
  commands?: VehicleCommands;
  now: () => number;
  log: Logger;
  /** The fleet's summary of per-vehicle lines (resends); absent: each at info. */
  digest?: LogDigest;
  /** Behaviours beside the reading loop (health, ...), attached to the client at start. */
  addons?: readonly DeviceAddon[];
}

export interface DeviceStats {
  deviceId: string;
  generated: number;
  published: number;
  acknowledged: number;
  queued: number;
  dropped: number;
  connected: boolean;
  stalls: number;
  /** e2e: readings the collector confirmed as stored (and deleted from the queue). */
  confirmed: number;
  /** e2e: times unconfirmed readings were resent because confirmations stalled. */
  resends: number;
  /** CONNACKs after the first one: how often the broker connection came back. */
  reconnects: number;
}

export class Device implements WheelMember, VehicleControls {
  private schedule: ReadingSchedule | undefined;
  private startedAt = 0;
  private generated = 0;
  private published = 0;
  private acknowledged = 0;
  private inflight = 0;
  /** Highest seq handed to MQTT.js in this process; everything after it is still only queued. */
  private cursor = -1;
  private ackedSeqs: number[] = [];
  private ackFlushScheduled = false;
  /** Bumped when in-flight bookkeeping is reset; callbacks of older epochs no longer count. */
  private epoch = 0;
  private lastProgressAt = 0;
  private watchdog: NodeJS.Timeout | undefined;
  /** Times the watchdog found publishes stuck and resent the queue. */
  private stalls = 0;
  private e2e: EndToEndAcks | undefined;
  private readingsStopped = false;
  /** Appended in this slot, published once the slot's transaction committed. */
  private appended: QueuedMessage | undefined;
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
      stalls: this.stalls,
      confirmed: this.e2e?.confirmed ?? 0,
      resends: this.e2e?.resends ?? 0,
      reconnects: Math.max(0, this.deps.session.generation - 1),
    };
  }

  async start(): Promise<void> {
    this.queueHandle = this.deps.openQueue();
    this.closed = false;
    this.startedAt = this.deps.now();
    const client = this.deps.session.create();
    // Settings earlier commands left (kept in the queue file) apply from the first reading on.
    const settings = this.deps.commands?.start(this);
    if (settings) this.deps.model.setSpeedLimit(settings.speedLimitKmh);
    const e2e =
      (this.options.ackMode ?? 'e2e') === 'e2e'
        ? new EndToEndAcks(
            {
              deviceId: this.id,
              queue: () => this.queue,
              publishDropped: (from, to) => this.publishDropped(from, to),
              rewind: (seq) => this.rewind(seq),
              now: this.deps.now,
              log: this.deps.log,
              ...(this.deps.digest ? { digest: this.deps.digest } : {}),
            },
            this.options.resendAfterMs ?? 10_000,
          )
        : undefined;
    this.e2e = e2e;
    client.on('connect', () => {
      this.deps.log.debug({ device: this.id }, 'connected');
      this.publishStatus('online');
      if (e2e) {
        client.subscribe(ackTopic(this.id), { qos: 1 });
        // The broker may have lost what it had acknowledged (a crash before it saved): after a
        // reconnect everything not yet confirmed goes out again, oldest first.
        this.rewind(-1);
      }
      this.pump();
    });
    if (e2e) {
      client.on('message', (topic, payload) => {
        if (topic === ackTopic(this.id) && !this.closed) e2e.onAck(payload);
      });
    }
    for (const addon of this.deps.addons ?? []) {
      addon.attach({ deviceId: this.id, client, stats: () => this.stats() });
    }
    this.deps.session.start();
    const { intervalMs, phaseMs } = this.options;
    this.schedule = new ReadingSchedule(
      {
        intervalMs,
        now: this.deps.now,
        ...(phaseMs === undefined ? {} : { phaseMs }),
        ...(this.deps.wheel ? { wheel: this.deps.wheel } : {}),
      },
      this,
    );
    this.schedule.start(settings?.intervalMs);
    const stallMs = this.options.stallMs ?? 30_000;
    this.lastProgressAt = this.deps.now();
    const checkEvery = Math.min(stallMs, this.options.resendAfterMs ?? 10_000, 5000) / 2;
    this.watchdog = setInterval(() => {
      this.checkStall(stallMs);
      if (!this.closed && this.deps.session.connected) e2e?.check(this.outstanding());
    }, checkEvery);
    this.watchdog.unref();
  }

  /** Some queued reading was published and awaits confirmation. */
  private outstanding(): boolean {
    const oldest = this.queue.oldest();
    return oldest !== undefined && oldest <= this.cursor;
  }

  /** Publish again every queued reading after `seq` (the store skips what it already has). */
  private rewind(seq: number): void {
    this.cursor = Math.min(this.cursor, seq);
    this.pump();
  }

  private publishDropped(from: number, to: number): void {
    const client = this.deps.session.mqtt;
    if (!client.connected) return;
    const timestamp = new Date(this.deps.now()).toISOString();
    this.deps.log.warn(
      { device: this.id, from, to },
      'telling the collector these readings were dropped',
    );
    client.publish(
      droppedTopic(this.id),
      encodeDropped({ device_id: this.id, from, to, timestamp }),
      { qos: 1 },
    );
  }

  /**
   * Safety net: MQTT.js resends in-flight messages after a reconnect and calls back on PUBACK. If
   * it ever loses one instead, the reading would sit in the queue until a restart. When nothing
   * has been acknowledged for stallMs while messages are in flight, everything still queued is
   * published again (the store skips what it already has).
   */
  private checkStall(stallMs: number): void {
    const client = this.deps.session.mqtt;
    if (this.closed || !client.connected || this.inflight === 0) return;
    if (this.deps.now() - this.lastProgressAt < stallMs) return;
    this.stalls += 1;
    this.deps.log.warn(
      { device: this.id, inflight: this.inflight },
      'no PUBACK for a while; republishing the queue',
    );
    this.epoch += 1;
    this.inflight = 0;
    this.cursor = -1;
    this.lastProgressAt = this.deps.now();
    this.pump();
  }

  /** Takes one reading and queues it (inside the slot's transaction when on a fleet wheel). */
  takeReading(): void {
    if (this.closed || this.readingsStopped || !this.queueHandle) return;
    if (this.options.limit !== undefined && this.generated >= this.options.limit) {
      this.stopReadings();
      return;
    }
    const now = this.deps.now();
    const values = this.deps.model.read(now);
    if (!values) return; // parked: between its less frequent readings
    const timestamp = new Date(now).toISOString();
    // Queued before it is published: a crash right after this line loses nothing.
    this.appended = this.queue.append((seq) =>
      encodeTelemetry({ device_id: this.id, seq, timestamp, values }),
    );
    this.generated += 1;
  }

  /** Publishes what takeReading queued, now that it is committed. */
  afterCommit(): void {
    const msg = this.appended;
    this.appended = undefined;
    if (!msg || this.closed) return;
    // The usual case, nothing waiting before it: publish it without reading it back.
    if (msg.seq === this.cursor + 1 && this.canPublish()) this.publish([msg]);
    else this.pump();
  }

  private canPublish(): boolean {
    return (
      !this.closed &&
      this.deps.session.mqtt.connected &&
      this.inflight < (this.options.window ?? 256)
    );
  }

  /** Publishes queued readings in seq order while connected, keeping at most `window` in flight. */
  private pump(): void {
    const window = this.options.window ?? 256;
    while (this.canPublish()) {
      const batch = this.queue.after(this.cursor, window - this.inflight);
      if (batch.length === 0) return;
      this.publish(batch);
    }
  }

  private publish(batch: readonly QueuedMessage[]): void {
    const client = this.deps.session.mqtt;
    // The stall clock runs only while something is in flight, the resend clock only while
    // something awaits confirmation.
    if (this.inflight === 0) this.lastProgressAt = this.deps.now();
    if (this.e2e && !this.outstanding()) this.e2e.outstandingSince(this.deps.now());
    const epoch = this.epoch;
    for (const msg of batch) {
      this.cursor = msg.seq;
      this.inflight += 1;
      this.published += 1;
      // MQTT.js calls back on PUBACK; until then the row stays. If the connection drops, MQTT.js
      // resends in-flight messages first on reconnect, so order is kept.
      // Every queued reading goes out as telemetry: a speed-only payload left in the queue by an
      // older version is a valid telemetry payload too.
      client.publish(telemetryTopic(this.id), msg.payload, { qos: 1 }, (err) =>
        this.onPuback(msg.seq, epoch, err),
      );
    }
  }

  private onPuback(seq: number, epoch: number, err: Error | undefined): void {
    if (epoch === this.epoch) this.inflight -= 1;
    if (this.closed) return; // not acknowledged: stays queued, resent after a restart
    if (err) {
      // MQTT.js gave up on it (normally it resends in-flight messages itself after a reconnect):
      // rewind so the row goes out again; the store skips it if the broker had it after all.
      this.cursor = Math.min(this.cursor, seq - 1);
      return;
    }
    this.acknowledged += 1;
    this.lastProgressAt = this.deps.now();
    if (!this.e2e) this.deleteWhenFlushed(seq);
    this.pump();
  }

  /** Broker mode: a PUBACKed reading leaves the queue. */
  private deleteWhenFlushed(seq: number): void {
    this.ackedSeqs.push(seq);
    if (!this.ackFlushScheduled) {
      this.ackFlushScheduled = true;
      // One transaction for every PUBACK that arrived in this turn of the event loop.
      setImmediate(() => this.flushAcks());
    }
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

  /** Takes no more readings but stays connected to deliver the backlog (drills drain this way). */
  stopReadings(): void {
    this.readingsStopped = true;
    this.schedule?.stop();
  }

  /** set_interval (already recorded): one reading per `ms` from now on. */
  setPublishInterval(ms: number): void {
    if (!this.readingsStopped && !this.closed) this.schedule?.change(ms);
  }

  /** set_speed_limit (already recorded). */
  setSpeedLimit(kmh: number | null): void {
    this.deps.model.setSpeedLimit(kmh);
  }

  uptimeS(): number {
    return Math.round(this.deps.now() - this.startedAt) / 1000;
  }

  /** The interval readings are taken at now (a set_interval changes it). */
  get intervalMs(): number {
    return this.schedule?.intervalMs ?? this.options.intervalMs;
  }

  /** Stops taking readings, says offline, disconnects; unacknowledged readings stay queued. Idempotent. */
  async stop(): Promise<void> {
    if (this.closed || !this.queueHandle) return;
    this.schedule?.stop();
    clearInterval(this.watchdog);
    for (const addon of this.deps.addons ?? []) await addon.stop();
    this.flushAcks();
    if (this.deps.session.connected) {
      await Promise.race([this.publishStatus('offline'), new Promise((r) => setTimeout(r, 1000))]);
    }
    this.flushAcks();
    this.closed = true;
    await this.deps.session.stop();
    this.deps.commands?.stop();
    this.queue.close();
  }
}
