// One MQTT.js client with a persistent session and our own reconnect loop (exponential backoff + jitter).
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { Backoff } from './backoff.js';
import type { Logger } from './log.js';
import type { MqttConfig } from './mqtt-config.js';
import { loginFor } from './mqtt-credentials.js';
import { FAST_PUBLISH_PARSER, installFastPublishParser } from './mqtt-publish-parser.js';
import { describeBroker, transportFor } from './mqtt-transport.js';

export interface MqttSessionOptions {
  mqtt: MqttConfig;
  clientId: string;
  /**
   * The MQTT user this session logs in as when MQTT_CREDENTIALS_FILE is set (default: the client
   * id, which is how devices log in). Brokers secured by `npm run mqtt-users` replace the client id
   * by the username, so the two should agree.
   */
  user?: string;
  /** false: persistent session, the broker keeps subscriptions and queued QoS 1 messages. */
  clean: boolean;
  will?: { topic: string; payload: string; qos: 1; retain: boolean };
  log: Logger;
  /** First reconnect delay; doubles up to mqtt.reconnectMaxMs. */
  reconnectInitialMs?: number;
}

/**
 * Why our own loop instead of MQTT.js's reconnectPeriod: that one is a fixed interval; we want
 * exponential backoff with jitter, and a first connect that fails (broker down at start) must keep
 * retrying just like a dropped connection.
 */
export class MqttSession {
  private client: MqttClient | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopping = false;
  private readonly backoff: Backoff;
  /** One warning per run of refused logins or TLS failures, not one per retry. */
  private warned = false;
  /** Incremented on every CONNACK: lets callers drop work tied to a connection that is gone. */
  generation = 0;

  constructor(private readonly options: MqttSessionOptions) {
    this.backoff = new Backoff({
      initialMs: options.reconnectInitialMs ?? 250,
      maxMs: options.mqtt.reconnectMaxMs,
    });
  }

  get mqtt(): MqttClient {
    if (!this.client) throw new Error('MqttSession not started');
    return this.client;
  }

  get connected(): boolean {
    return this.client?.connected === true;
  }

  /** Creates the client (listeners can be attached before the first CONNECT goes out). */
  create(): MqttClient {
    const { mqtt: cfg, clientId, clean, will } = this.options;
    const opts: IClientOptions = {
      ...transportFor(cfg),
      ...loginFor(cfg, this.options.user ?? clientId),
      clientId,
      clean,
      manualConnect: true,
      reconnectPeriod: 0,
      connectTimeout: 10_000,
      keepalive: 30,
      // Without this MQTT.js would queue publishes made while offline in memory; we never publish
      // while offline (devices keep their backlog in SQLite instead).
      queueQoSZero: false,
      // MQTT.js traces every packet through the `debug` module; even disabled that costs ~2 % CPU
      // in a 10,000-vehicle process. Our own logs say what matters.
      log: () => {},
    };
    // Incoming PUBLISH packets decoded without mqtt-packet's per-byte allocations
    // (core/mqtt-publish-parser.ts); MQTT.js hands these options to its parser.
    installFastPublishParser();
    (opts as Record<string, unknown>)[FAST_PUBLISH_PARSER] = true;
    if (will) opts.will = { ...will };
    const client = mqtt.connect(opts);
    this.client = client;
    client.on('connect', () => {
      this.generation += 1;
      this.backoff.reset();
      this.warned = false;
    });
    client.on('close', () => this.scheduleReconnect());
    client.on('error', (err) => {
      // A refused login or a certificate that does not verify will not fix itself: say so once.
      // Plain outages (ECONNREFUSED, resets) stay at debug: thousands of devices retry them.
      if (!this.warned && isSecurityError(err)) {
        this.warned = true;
        this.options.log.warn(
          { err: err.message, broker: describeBroker(cfg), username: opts.username, clientId },
          'mqtt connection refused (credentials or certificate); retrying',
        );
        return;
      }
      this.options.log.debug({ err: err.message }, 'mqtt error');
    });
    return client;
  }

  start(): void {
    this.stopping = false;
    (this.client ?? this.create()).connect();
  }

  private scheduleReconnect(): void {
    if (this.stopping || this.timer) return;
    const delay = this.backoff.next();
    this.options.log.debug({ delay }, 'mqtt reconnect scheduled');
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const client = this.client;
      if (this.stopping || !client) return;
      // reconnect() without stores would swap in empty ones and silently drop the QoS 1 messages
      // in flight (their callbacks never fire); passing the current ones lets MQTT.js resend them.
      client.reconnect({
        incomingStore: client.incomingStore,
        outgoingStore: client.outgoingStore,
      });
    }, delay);
  }

  /** Graceful DISCONNECT (no last will); forced close after `timeoutMs`. Safe to call twice. */
  async stop(timeoutMs = 2000): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const client = this.client;
    if (!client) return;
    if (!client.connected) {
      await client.endAsync(true);
      return;
    }
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([
      client.endAsync(false),
      new Promise<void>((resolve) => {
        timeout = setTimeout(() => client.end(true, () => resolve()), timeoutMs);
      }),
    ]);
    clearTimeout(timeout);
  }
}

/** CONNACK "bad username or password" / "not authorized", or a TLS verification failure. */
function isSecurityError(err: Error & { code?: unknown }): boolean {
  if (err.code === 4 || err.code === 5 || err.code === 134 || err.code === 135) return true;
  return typeof err.code === 'string' && /CERT|SELF_SIGNED|ERR_TLS|UNABLE_TO_VERIFY/.test(err.code);
}
