// The seq service of several gateways in Redis: one Lua script per question numbers a device's new fix times and remembers them, atomically and idempotently per token.
import { createClient } from 'redis';
import type { Logger } from '../../core/log.js';
import type { SeqService } from './numbering.js';

/**
 * KEYS: last seq given, fix times seen (sorted by arrival), last answer per gateway, arrival
 * counter: all of one device, under one hash tag (one Redis Cluster slot).
 * ARGV: gateway id, token, floor, fix times to remember, then the fix times.
 * A gateway asking again with the token of its last question gets the recorded answer: a crash
 * between asking and recording the answer neither loses nor doubles a seq.
 */
const ALLOCATE = `
local prev = redis.call('HGET', KEYS[3], ARGV[1])
if prev then
  local t = cjson.decode(prev)
  if t.token == ARGV[2] then return prev end
end
local last = tonumber(redis.call('GET', KEYS[1]) or '-1')
local nextSeq = math.max(last + 1, tonumber(ARGV[3]))
local n = #ARGV - 4
local order = redis.call('INCRBY', KEYS[4], n) - n
local seqs = {}
for i = 1, n do
  if redis.call('ZADD', KEYS[2], 'NX', order + i, ARGV[i + 4]) == 1 then
    seqs[i] = nextSeq
    nextSeq = nextSeq + 1
  else
    seqs[i] = -1
  end
end
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[4]) + 1))
if nextSeq - 1 > last then redis.call('SET', KEYS[1], string.format('%d', nextSeq - 1)) end
local out = cjson.encode({token = ARGV[2], seqs = seqs})
redis.call('HSET', KEYS[3], ARGV[1], out)
return out`;

export interface RedisSeqServiceOptions {
  url: string;
  /** Key prefix (default `telemetry:gateway`). */
  prefix?: string;
  /** How many fix times per device Redis remembers to recognise a resend to another gateway. */
  seenPerDevice: number;
  commandTimeoutMs?: number;
  log: Logger;
}

export class RedisSeqService implements SeqService {
  private client: ReturnType<typeof createClient> | undefined;
  private warned = false;

  constructor(private readonly options: RedisSeqServiceOptions) {}

  async start(): Promise<void> {
    if (this.client) return;
    const { url, log } = this.options;
    const client = createClient({
      url,
      // Fail at once while disconnected: the fixes wait on disk here and are asked for later.
      disableOfflineQueue: true,
      socket: { reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2000) },
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
    client.connect().catch(() => {});
  }

  async allocate(args: {
    deviceId: string;
    gatewayId: string;
    token: string;
    floor: number;
    fixes: readonly number[];
  }): Promise<Array<number | null>> {
    const client = this.client;
    if (!client?.isReady) throw new Error('redis not connected');
    const base = `${this.options.prefix ?? 'telemetry:gateway'}:{${args.deviceId}}`;
    let timer: NodeJS.Timeout | undefined;
    try {
      const reply = await Promise.race([
        client.eval(ALLOCATE, {
          keys: [`${base}:seq`, `${base}:seen`, `${base}:asks`, `${base}:order`],
          arguments: [
            args.gatewayId,
            args.token,
            String(args.floor),
            String(this.options.seenPerDevice),
            ...args.fixes.map(String),
          ],
        }),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error('redis command timed out')),
            this.options.commandTimeoutMs ?? 5000,
          );
        }),
      ]);
      const parsed = JSON.parse(String(reply)) as { token: string; seqs: number[] };
      return parsed.seqs.map((s) => (s < 0 ? null : s));
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    client?.destroy();
  }
}
