// Holds this collector's fair share of partition leases (and the alarms lease): renews, takes free ones, hands surplus over, fences on expiry.
import type { Logger } from '../../core/log.js';
import type { LeaseStore } from './lease-store.js';
import { partitionOf } from './partition-of.js';

export type LoseReason = 'expired' | 'taken' | 'released' | 'stopping';

export interface LeaseKeeperDeps {
  leases: LeaseStore;
  now: () => number;
  log: Logger;
  /** A lease is ours: start serving it (should resolve at once: the round waits for it). */
  onGain: (name: string, token: number) => Promise<void>;
  /** A lease is gone (`expired`, `taken`: stop at once, store nothing more) or handed over. */
  onLose: (name: string, reason: LoseReason) => Promise<void>;
}

export interface LeaseKeeperOptions {
  partitions: number;
  ttlMs: number;
  /** Leases outside the fair share, held by whoever gets them first (e.g. `alarms`). */
  singletons: readonly string[];
  owner: string;
}

interface Held {
  token: number;
  /** Past this (local clock) the lease may have expired in Redis: fence. */
  validUntil: number;
  releasing: boolean;
}

export const partitionLease = (n: number): string => `p${n}`;

/**
 * Why a local deadline: Redis answers nothing while it is down or hung, so a collector cannot
 * learn there that its lease expired. It counts from when it *sent* its last successful renewal
 * and stops serving a margin before the TTL could have run out in Redis; only then can another
 * collector take the lease. A renewal answered after that deadline is not trusted.
 */
export class LeaseKeeper {
  private readonly held = new Map<string, Held>();
  private tickTimer: NodeJS.Timeout | undefined;
  private fenceTimer: NodeJS.Timeout | undefined;
  private ticking = false;
  private stopped = true;
  /** Live members at the last heartbeat (self included). */
  members = 0;
  takeovers = 0;
  fenced = 0;
  handedOver = 0;

  constructor(
    private readonly deps: LeaseKeeperDeps,
    private readonly options: LeaseKeeperOptions,
  ) {}

  private get marginMs(): number {
    return Math.max(200, Math.floor(this.options.ttlMs / 5));
  }

  /** Partition numbers held now. */
  partitions(): number[] {
    return [...this.held.keys()]
      .filter((n) => n.startsWith('p'))
      .map((n) => Number(n.slice(1)))
      .sort((a, b) => a - b);
  }

  /** Held, and not past its local deadline: what a write checks right before it goes out. */
  valid(name: string): boolean {
    const h = this.held.get(name);
    return h !== undefined && this.deps.now() < h.validUntil;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const every = Math.max(50, Math.floor(this.options.ttlMs / 3));
    this.tickTimer = setInterval(() => void this.tick(), every);
    this.fenceTimer = setInterval(() => this.fenceExpired(), Math.max(20, Math.floor(every / 4)));
    void this.tick();
  }

  /** One round: heartbeat, renew, hand over surplus, take free partitions up to the fair share. */
  async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      const { leases, now } = this.deps;
      const { ttlMs, partitions } = this.options;
      this.members = Math.max(1, await leases.heartbeat(ttlMs));
      for (const [name, h] of this.held) {
        const sent = now();
        const ok = await leases.renew(name, ttlMs).catch(() => undefined);
        if (this.held.get(name) !== h) continue; // fenced or released meanwhile
        if (ok === true && sent + ttlMs - this.marginMs > now()) {
          h.validUntil = sent + ttlMs - this.marginMs;
        } else if (ok === false) this.lose(name, 'taken');
      }
      const share = Math.ceil(partitions / this.members);
      const mine = this.partitions().filter((n) => !this.held.get(partitionLease(n))?.releasing);
      for (const n of mine.slice(share)) this.handOver(partitionLease(n));
      let count = Math.min(mine.length, share);
      const start = partitionOf(this.options.owner, partitions);
      for (let i = 0; i < partitions && count < share && !this.stopped; i++) {
        const n = (start + i) % partitions;
        if (await this.take(partitionLease(n))) count += 1;
      }
      for (const name of this.options.singletons) if (!this.stopped) await this.take(name);
    } catch (err) {
      this.deps.log.debug({ err: (err as Error).message }, 'lease round failed');
    } finally {
      this.ticking = false;
    }
  }

  private async take(name: string): Promise<boolean> {
    if (this.held.has(name)) return false;
    const sent = this.deps.now();
    const token = await this.deps.leases.acquire(name, this.options.ttlMs);
    if (token === undefined) return false;
    if (this.stopped) {
      await this.deps.leases.release(name).catch(() => false);
      return false;
    }
    const h: Held = {
      token,
      validUntil: sent + this.options.ttlMs - this.marginMs,
      releasing: false,
    };
    this.held.set(name, h);
    this.takeovers += 1;
    this.deps.log.info({ lease: name, token }, 'lease taken');
    await this.deps.onGain(name, token);
    return true;
  }

  /** Surplus: stop serving it cleanly (pending writes and acks go out), then free it at once. */
  private handOver(name: string): void {
    const h = this.held.get(name);
    if (!h || h.releasing) return;
    h.releasing = true;
    void (async () => {
      await this.deps.onLose(name, 'released');
      if (this.held.get(name) !== h) return;
      this.held.delete(name);
      this.handedOver += 1;
      await this.deps.leases.release(name).catch(() => false);
      this.deps.log.info({ lease: name }, 'lease handed over');
    })();
  }

  private fenceExpired(): void {
    const now = this.deps.now();
    for (const [name, h] of this.held) if (now >= h.validUntil) this.lose(name, 'expired');
  }

  /** Self-fencing: forget the lease first, so nothing renews or serves it any more. */
  private lose(name: string, reason: LoseReason): void {
    if (!this.held.delete(name)) return;
    this.fenced += 1;
    this.deps.log.warn({ lease: name, reason }, 'lease lost: stopped serving it');
    void this.deps.onLose(name, reason);
  }

  /** Stops serving every lease (cleanly), frees them and leaves the member set. Safe twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.tickTimer);
    clearInterval(this.fenceTimer);
    while (this.ticking) await new Promise((r) => setTimeout(r, 10));
    const names = [...this.held.keys()];
    await Promise.all(names.map((name) => this.deps.onLose(name, 'stopping')));
    for (const name of names) await this.deps.leases.release(name).catch(() => false);
    this.held.clear();
    await this.deps.leases.leave().catch(() => {});
  }
}
