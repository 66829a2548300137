// The dashboards' link to Redis: a node-redis client that fails fast while Redis is away, and the Socket.IO Redis streams adapter on it.
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { createClient, type RedisClientType } from 'redis';
import type { Logger } from '../../core/log.js';

/** What the dashboard needs from its cluster link (tests can give their own). */
export interface SocketCluster {
  /** Connected and ready: `everywhere` events reach the other instances. */
  readonly available: boolean;
  /** Starts connecting and returns at once: a dashboard starts and serves while Redis is down. */
  start(): void;
  /** The Socket.IO adapter factory (after start()). */
  adapter(): ReturnType<typeof createAdapter>;
  /** Closes every Redis connection; call after Socket.IO is closed. Safe twice. */
  stop(): Promise<void>;
}

export interface RedisLinkOptions {
  url: string;
  /** Stream and channel prefix and session keys; several deployments may share one Redis. */
  prefix?: string;
  /** An XADD that takes longer (Redis hung) no longer holds the local emit back. */
  publishTimeoutMs?: number;
  /** Longest wait between reconnection attempts. */
  reconnectMaxMs?: number;
  /** How long an XREAD blocks; also bounds how long a reader lingers after stop(). */
  blockTimeMs?: number;
}

type Client = RedisClientType;

/**
 * Why the client is wrapped (checked in the adapter 0.3.1's source):
 * - Socket.IO's cluster adapter emits to its own clients only after XADD settles. With node-redis's
 *   offline queue an XADD made while Redis is away would wait for its return, holding back even
 *   the local clients' events; so the publishing client has no offline queue (XADD fails at once,
 *   the adapter catches it and emits locally) and an XADD that hangs (a stopped Redis) is given up
 *   after publishTimeoutMs.
 * - The adapter stores a session on each disconnect with a SET it never awaits: a failed one would
 *   be an unhandled rejection, which ends a Node process; it is caught here.
 * - Its reading and subscribing clients are duplicates; they keep the offline queue (a blocked
 *   XREAD waits for Redis instead of spinning) and their subscribe/disconnect failures are caught.
 */
export class RedisLink implements SocketCluster {
  private client: Client | undefined;
  private readonly duplicates: Client[] = [];
  private ready = false;
  private down = false;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly options: RedisLinkOptions,
    private readonly log: Logger,
  ) {}

  get available(): boolean {
    return this.ready;
  }

  start(): void {
    const maxMs = this.options.reconnectMaxMs ?? 2000;
    const client = createClient({
      url: this.options.url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout: 5000,
        reconnectStrategy: (retries: number) => Math.min(100 * 2 ** Math.min(retries, 10), maxMs),
      },
    }) as Client;
    this.client = client;
    client.on('ready', () => {
      this.ready = true;
      this.down = false;
      this.log.info('redis ready: Socket.IO events shared with the other dashboards');
    });
    client.on('error', (err: Error) => {
      this.ready = false;
      // Once per outage: reconnection attempts repeat the same error.
      if (this.down) return;
      this.down = true;
      this.log.warn(
        { err: err.message },
        'redis unavailable: events of this dashboard reach its own clients only until it is back',
      );
    });
    client.on('end', () => {
      this.ready = false;
    });
    // Resolves when Redis first answers; meanwhile node-redis keeps retrying.
    client.connect().catch(() => {});
  }

  adapter(): ReturnType<typeof createAdapter> {
    if (!this.client) throw new Error('RedisLink.adapter() before start()');
    const prefix = this.options.prefix ?? 'telemetry:socket.io';
    return createAdapter(this.guarded(this.client), {
      streamName: prefix,
      channelPrefix: prefix,
      sessionKeyPrefix: `${prefix}:session:`,
      blockTimeInMs: this.options.blockTimeMs ?? 2000,
      // Only JSON payloads are emitted: skip the binary scan of every event.
      onlyPlaintext: true,
    });
  }

  /** The publishing client as the adapter sees it (see the class comment). */
  private guarded(client: Client): Client {
    const timeoutMs = this.options.publishTimeoutMs ?? 1000;
    return new Proxy(client, {
      get: (target, prop) => {
        if (prop === 'duplicate') return () => this.guardedDuplicate(target);
        if (prop === 'set') {
          return (...args: unknown[]) =>
            (target.set as (...a: unknown[]) => Promise<unknown>)(...args).catch(() => null);
        }
        if (prop === 'xAdd') {
          return (...args: unknown[]) =>
            withTimeout(
              (target.xAdd as (...a: unknown[]) => Promise<unknown>)(...args),
              timeoutMs,
              'redis XADD timed out',
            );
        }
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  }

  private guardedDuplicate(target: Client): Client {
    const copy = target.duplicate({ disableOfflineQueue: false }) as Client;
    this.duplicates.push(copy);
    const swallowed = new Set<PropertyKey>(['connect', 'subscribe', 'sSubscribe', 'disconnect']);
    return new Proxy(copy, {
      get: (t, prop) => {
        const value = Reflect.get(t, prop, t) as unknown;
        if (typeof value !== 'function') return value;
        const bound = value.bind(t) as (...a: unknown[]) => unknown;
        if (!swallowed.has(prop)) return bound;
        return (...args: unknown[]) => {
          try {
            const result = bound(...args);
            return result instanceof Promise ? result.catch(() => undefined) : result;
          } catch {
            return undefined;
          }
        };
      },
    });
  }

  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    this.ready = false;
    for (const client of [...this.duplicates, this.client]) {
      if (!client) continue;
      try {
        // destroy, not close: nothing queued is worth waiting for, and Redis may be away.
        client.destroy();
      } catch {
        // already closed
      }
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
