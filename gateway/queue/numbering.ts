// Who gives a fix its seq: this gateway alone (its queue file), or Redis when several gateways may serve one device (no two readings of a device share a seq).
import { randomUUID } from 'node:crypto';
import type { FixQueue } from './fix-queue.js';

/**
 * Seqs are given when a fix is about to be published, not when it arrives: a device is answered
 * as soon as its fix is on disk, with the broker and Redis down, and only a gateway that can
 * publish needs a seq. Every implementation must pass test/gateway/numbering.test.ts.
 */
export interface Numbering {
  /**
   * Numbers up to `limit` of the device's oldest unnumbered fixes (the queue's next seq must be
   * known); resolves with how many fixes it settled (numbered, or recognised as another
   * gateway's resend).
   */
  number(deviceId: string, limit: number): Promise<number>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** One gateway per device (the default): seqs continue from the queue's own counter. */
export class LocalNumbering implements Numbering {
  constructor(private readonly queue: FixQueue) {}

  async number(deviceId: string, limit: number): Promise<number> {
    return this.queue.numberLocally(deviceId, limit);
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

/** What the Redis numbering asks of Redis: one script call; tests may count or fail calls. */
export interface SeqService {
  /**
   * For one device: every fix time not yet seen by any gateway gets the next seq (at least
   * `floor`), in order; a fix time seen before gets null. Idempotent per token: the same token
   * answers the recorded result (a gateway that crashed after asking asks again).
   */
  allocate(args: {
    deviceId: string;
    gatewayId: string;
    token: string;
    floor: number;
    fixes: readonly number[];
  }): Promise<Array<number | null>>;
}

interface PendingAsk {
  token: string;
  fixes: number[];
}

/**
 * Several gateways behind a load balancer (REDIS_URL): one seq counter and one memory of fix
 * times per device in Redis, so a device that reconnects to another gateway continues its seqs
 * and a resend to another gateway is stored once. The question is written to the queue file
 * before it is asked: after a crash the same token is asked again and gets the same answer, so no
 * seq is given twice and none is lost.
 */
export class RedisNumbering implements Numbering {
  constructor(
    private readonly queue: FixQueue,
    private readonly service: SeqService,
    private readonly gatewayId: string,
  ) {}

  async number(deviceId: string, limit: number): Promise<number> {
    const floor = this.queue.nextSeq(deviceId);
    if (floor === undefined) throw new Error(`next seq of ${deviceId} not known yet`);
    let ask = this.pendingAsk(deviceId);
    if (!ask) {
      const fixes = this.queue.unnumbered(deviceId, limit);
      if (fixes.length === 0) return 0;
      ask = { token: randomUUID(), fixes };
      this.queue.setPending(deviceId, JSON.stringify(ask));
    }
    const seqs = await this.service.allocate({
      deviceId,
      gatewayId: this.gatewayId,
      token: ask.token,
      floor,
      fixes: ask.fixes,
    });
    if (seqs.length !== ask.fixes.length) throw new Error('seq service answered the wrong count');
    const fixes = ask.fixes;
    this.queue.number(
      deviceId,
      fixes.map((f, i) => [f, seqs[i] ?? null] as const),
    );
    return fixes.length;
  }

  private pendingAsk(deviceId: string): PendingAsk | undefined {
    const text = this.queue.pending(deviceId);
    return text === undefined ? undefined : (JSON.parse(text) as PendingAsk);
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}
