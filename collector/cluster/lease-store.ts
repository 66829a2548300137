// Leases and membership in Redis: SET NX PX with a fencing token, compare-and-extend, compare-and-delete, a heartbeat sorted set.
import { createClient } from 'redis';
import type { Logger } from '../../core/log.js';

/** What the lease keeper needs from Redis; tests may give it a real Redis or a fake. */
export interface LeaseStore {
  /** Takes `name` for `ttlMs` if nobody holds it: the new fencing token, or undefined. */
  acquire(name: string, ttlMs: number): Promise<number | undefined>;
  /** Extends `name` if this owner still holds it. */
  renew(name: string, ttlMs: number): Promise<boolean>;
  /** Deletes `name` if this owner holds it (a clean handover: the next owner need not wait). */
  release(name: string): Promise<boolean>;
  /** Heartbeat: records this member alive and answers how many members are alive (self included). */
  heartbeat(ttlMs: number): Promise<number>;
  /** Who holds each named lease (for drills and tests). */
  owners(names: readonly string[]): Promise<Array<string | null>>;
  leave(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

const ACQUIRE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return 0`;
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
/** Redis's clock, not the members': hosts' clocks may disagree. */
const HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
return redis.call('ZCARD', KEYS[1])`;

export interface RedisLeaseStoreOptions {
  url: string;
  /** Key prefix: one cluster per prefix (default `telemetry:collectors`). */
  prefix: string;
  owner: string;
  /** A command that takes longer fails (a hung Redis must not hang the keeper). */
  commandTimeoutMs: number;
  log: Logger;
}

export class RedisLeaseStore implements LeaseStore {
  private client: ReturnType<typeof createClient> | undefined;
  private warned = false;

  constructor(private readonly options: RedisLeaseStoreOptions) {}

  async start(): Promise<void> {
    if (this.client) return;
    const { url, log } = this.options;
    const client = createClient({
      url,
      // Fail at once while disconnected instead of queueing: a lease renewed late is worse than none.
      disableOfflineQueue: true,
      socket: {
        connectTimeout: this.options.commandTimeoutMs,
        reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2000),
      },
    });
    client.on('error', (err: Error) => {
      if (!this.warned) log.warn({ err: err.message }, 'redis unreachable; retrying');
      this.warned = true;
    });
    client.on('ready', () => {
      if (this.warned) log.info('redis reachable again');
      this.warned = false;
    });
    this.client = client;
    // The first connect may fail (Redis down at start): the client keeps retrying on its own.
    client.connect().catch(() => {});
  }

  private key(name: string): string {
    return `${this.options.prefix}:lease:${name}`;
  }

  private async run(script: string, keys: string[], args: string[]): Promise<number> {
    const client = this.client;
    if (!client?.isReady) throw new Error('redis not connected');
    let timer: NodeJS.Timeout | undefined;
    try {
      const reply = await Promise.race([
        client.eval(script, { keys, arguments: args }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error('redis command timed out')),
            this.options.commandTimeoutMs,
          );
        }),
      ]);
      return Number(reply);
    } finally {
      clearTimeout(timer);
    }
  }

  async acquire(name: string, ttlMs: number): Promise<number | undefined> {
    const token = await this.run(
      ACQUIRE,
      [this.key(name), `${this.key(name)}:fence`],
      [this.options.owner, String(ttlMs)],
    );
    return token > 0 ? token : undefined;
  }

  async renew(name: string, ttlMs: number): Promise<boolean> {
    return (await this.run(RENEW, [this.key(name)], [this.options.owner, String(ttlMs)])) === 1;
  }

  async release(name: string): Promise<boolean> {
    return (await this.run(RELEASE, [this.key(name)], [this.options.owner])) === 1;
  }

  heartbeat(ttlMs: number): Promise<number> {
    return this.run(
      HEARTBEAT,
      [`${this.options.prefix}:members`],
      [this.options.owner, String(ttlMs)],
    );
  }

  async owners(names: readonly string[]): Promise<Array<string | null>> {
    const client = this.client;
    if (!client?.isReady || names.length === 0) return names.map(() => null);
    return (await client.mGet(names.map((n) => this.key(n)))) as Array<string | null>;
  }

  async leave(): Promise<void> {
    await this.client?.zRem(`${this.options.prefix}:members`, this.options.owner);
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    client.destroy();
  }
}
