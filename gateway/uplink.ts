// The gateway's one MQTT session: a DeviceLink per external device, their ack subscriptions, the registry snapshot, and the periodic resend/stall check.
import type { MqttClient } from 'mqtt';
import {
  ackTopic,
  encodeStatus,
  parseTopic,
  REGISTRY_TOPIC,
  statusTopic,
} from '../core/contract.js';
import type { Logger } from '../core/log.js';
import type { MqttSession } from '../core/mqtt-session.js';
import { parseAck } from '../core/validate.js';
import type { RegistryFollower } from '../registry/follower.js';
import { DeviceLink, type LinkStats, type LinkTransport } from './device-link.js';
import type { FixQueue } from './queue/fix-queue.js';
import type { Numbering } from './queue/numbering.js';

export interface UplinkDeps {
  session: MqttSession;
  queue: FixQueue;
  numbering: Numbering;
  /** Fed with `fleet/registry` snapshots (allow-list, IMEI → device id). */
  registry: RegistryFollower;
  now: () => number;
  log: Logger;
  window?: number;
  resendAfterMs: number;
  /** This gateway's name: its probe topic is `gateway/{id}/probe`. */
  gatewayId: string;
  /**
   * Longest wait for a new device's retained ack before taking it as new (seq 0) when the probe
   * (below) does not come back.
   */
  ackWaitMs?: number;
  stallMs?: number;
}

/** Devices whose acks (or first seq floors) are applied per commit; the rest in the next turns. */
const ACK_CHUNK = 100;
/** Subscriptions per SUBSCRIBE packet after a reconnect. */
const SUBSCRIBE_CHUNK = 500;
/** Fallback when a probe is lost: a device is taken as new after this long. */
const DEFAULT_ACK_WAIT_MS = 2000;

export class Uplink implements LinkTransport {
  private readonly links = new Map<string, DeviceLink>();
  /** Devices whose `online` status this process published. */
  private readonly announced = new Set<string>();
  private client: MqttClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** Acks received in this event-loop turn, applied together in one transaction. */
  private acks = new Map<string, number>();
  /** Probes sent and the links that wait for each (see subscribeAcks). */
  private probeCount = 0;
  private readonly probes = new Map<number, readonly DeviceLink[]>();
  /** Links created in this turn, subscribed together at its end. */
  private fresh: DeviceLink[] = [];

  constructor(private readonly deps: UplinkDeps) {}

  get connected(): boolean {
    return this.client?.connected === true && !this.stopped;
  }

  publish(topic: string, payload: string, done: (err?: Error) => void): void {
    const client = this.client;
    if (!client) {
      done(new Error('not started'));
      return;
    }
    client.publish(topic, payload, { qos: 1 }, (err) => done(err ?? undefined));
  }

  async start(): Promise<void> {
    const { session, queue, log } = this.deps;
    const client = session.create();
    this.client = client;
    client.on('connect', () => {
      log.info({ devices: this.links.size }, 'connected to the broker');
      client.subscribe([REGISTRY_TOPIC, this.probeTopic], { qos: 1 });
      const links = [...this.links.values()];
      for (let i = 0; i < links.length; i += SUBSCRIBE_CHUNK) {
        this.subscribeAcks(links.slice(i, i + SUBSCRIBE_CHUNK));
      }
      for (const link of this.links.values()) link.reconnected();
    });
    client.on('message', (topic, payload) => this.onMessage(topic, payload));
    // Devices with fixes left from before a restart resume delivery at once.
    for (const id of queue.devicesWithBacklog()) this.link(id);
    session.start();
    const stallMs = this.deps.stallMs ?? 30_000;
    this.timer = setInterval(
      () => {
        for (const link of this.links.values()) link.check(stallMs);
      },
      Math.min(stallMs, this.deps.resendAfterMs, 5000) / 2,
    );
    this.timer.unref();
  }

  private get probeTopic(): string {
    return `gateway/${this.deps.gatewayId}/probe`;
  }

  private onMessage(topic: string, payload: Buffer): void {
    if (topic === REGISTRY_TOPIC) {
      this.deps.registry.accept(payload);
      return;
    }
    if (topic === this.probeTopic) {
      this.probeReturned(Number(payload.toString()));
      return;
    }
    const parsed = parseTopic(topic);
    if (parsed?.kind !== 'ack') return;
    const ack = parseAck(parsed.deviceId, payload);
    if (!ack || !this.links.has(parsed.deviceId)) return;
    const before = this.acks.get(parsed.deviceId);
    this.acks.set(parsed.deviceId, Math.max(before ?? -1, ack.seq));
    if (this.acks.size === 1 && before === undefined) setImmediate(() => this.applyAcks());
  }

  /**
   * Acks heard in one turn, ACK_CHUNK devices per commit and one commit per turn: the collector
   * acks a thousand devices at once, and their confirmations in one go (~50-100 µs each) held
   * every tracker's answer behind them for up to 100 ms.
   */
  private applyAcks(): void {
    const acks = this.acks;
    if (this.stopped) {
      acks.clear();
      return;
    }
    const now = new Map<string, number>();
    for (const [id, w] of acks) {
      if (now.size >= ACK_CHUNK) break;
      now.set(id, w);
      acks.delete(id);
    }
    this.deps.queue.batch(() => {
      for (const [id, w] of now) this.links.get(id)?.onWatermark(w);
    });
    if (acks.size > 0) setImmediate(() => this.applyAcks());
  }

  /** The device's link, created (and its ack subscribed) on first use. */
  link(deviceId: string): DeviceLink {
    let link = this.links.get(deviceId);
    if (link) return link;
    const { queue, numbering, now, log } = this.deps;
    link = new DeviceLink({
      deviceId,
      queue,
      numbering,
      transport: this,
      now,
      log,
      window: this.deps.window ?? 256,
      resendAfterMs: this.deps.resendAfterMs,
    });
    this.links.set(deviceId, link);
    if (this.connected) this.subscribeNew(link);
    return link;
  }

  /**
   * Links created in one event-loop turn share one SUBSCRIBE and one probe: a thousand trackers
   * reporting their first record within a second were a thousand of each, on the answers' path.
   */
  private subscribeNew(link: DeviceLink): void {
    this.fresh.push(link);
    if (this.fresh.length > 1) return;
    setImmediate(() => {
      const links = this.fresh;
      this.fresh = [];
      if (!this.connected) return; // the reconnect subscribes every link
      for (let i = 0; i < links.length; i += SUBSCRIBE_CHUNK) {
        this.subscribeAcks(links.slice(i, i + SUBSCRIBE_CHUNK));
      }
    });
  }

  /**
   * Subscribes the links' acks. A device the collector knows has a retained ack, which the broker
   * sends right after the SUBACK. To know when "no ack" means "none", a probe is published to the
   * gateway's own probe topic after the SUBACK: the broker handles this client's packets in order,
   * so the probe comes back after any retained ack of the subscription (Mosquitto queues those
   * while it handles the SUBSCRIBE). A device still without an ack then is new to the collector:
   * its seqs start at 0. A lost probe falls back to a timer. A device heard of for the first time
   * also gets a retained `online` status, as a vehicle says at connect: clustered collectors learn
   * of devices from those.
   */
  private subscribeAcks(links: readonly DeviceLink[]): void {
    const client = this.client;
    if (!client || links.length === 0) return;
    const { log, now } = this.deps;
    client.subscribe(
      links.map((l) => ackTopic(l.deviceId)),
      { qos: 1 },
      (err) => {
        if (err) {
          log.warn({ err: err.message }, 'ack subscription failed');
          return;
        }
        const waiting = links.filter((l) => !l.ready);
        if (waiting.length === 0) return;
        const n = ++this.probeCount;
        this.probes.set(n, waiting);
        client.publish(this.probeTopic, String(n), { qos: 1 });
        setTimeout(() => this.probeReturned(n), this.deps.ackWaitMs ?? DEFAULT_ACK_WAIT_MS).unref();
      },
    );
    for (const link of links) {
      if (this.announced.has(link.deviceId)) continue;
      this.announced.add(link.deviceId);
      const status = encodeStatus({
        device_id: link.deviceId,
        status: 'online',
        timestamp: new Date(now()).toISOString(),
      });
      client.publish(statusTopic(link.deviceId), status, { qos: 1, retain: true });
    }
  }

  /** Probe `n` came back (or timed out): its links, and older probes' links, are new if still unacked. */
  private probeReturned(n: number): void {
    for (const [k, links] of this.probes) {
      if (k > n) continue;
      this.probes.delete(k);
      this.assumeNew(links);
    }
  }

  /**
   * ACK_CHUNK links per commit and turn: a thousand trackers' first records make a thousand new
   * devices at once, each a seq floor, a numbering and a publish; one by one, each in its own
   * commit, they held every answer for a few hundred milliseconds.
   */
  private assumeNew(links: readonly DeviceLink[]): void {
    if (this.stopped) return;
    const now = links.slice(0, ACK_CHUNK);
    this.deps.queue.batch(() => {
      for (const l of now) l.assumeNew();
    });
    if (links.length > ACK_CHUNK) setImmediate(() => this.assumeNew(links.slice(ACK_CHUNK)));
  }

  /** New fixes of these devices are on disk. */
  queued(deviceIds: Iterable<string>): void {
    for (const id of deviceIds) this.link(id).pump();
  }

  get deviceCount(): number {
    return this.links.size;
  }

  stats(): LinkStats {
    const total: LinkStats = { published: 0, acknowledged: 0, confirmed: 0, resends: 0, stalls: 0 };
    for (const link of this.links.values()) {
      for (const k of Object.keys(total) as Array<keyof LinkStats>) total[k] += link.stats[k];
    }
    return total;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    for (const link of this.links.values()) link.close();
    await this.deps.session.stop();
  }
}
