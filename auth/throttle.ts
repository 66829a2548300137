// Login throttling: failed attempts counted per user and per address in a window; too many lock that key for a while (429).
import type { ThrottleTable } from './store/types.js';

export interface ThrottlePolicy {
  /** Failures of one username within the window that lock it. */
  perUser: number;
  /** Failures from one address within the window that lock it (several names tried). */
  perAddress: number;
  windowMs: number;
  lockMs: number;
}

/** 5 wrong passwords for a name, or 20 from an address, within 15 minutes: 15 minutes locked. */
export const DEFAULT_THROTTLE: ThrottlePolicy = {
  perUser: 5,
  perAddress: 20,
  windowMs: 15 * 60_000,
  lockMs: 15 * 60_000,
};

export const userKey = (username: string) => `user:${username}`;
export const addressKey = (address: string) => `ip:${address}`;

/** Kept in the auth file, so every dashboard instance counts the same attempts. */
export class LoginThrottle {
  constructor(
    private readonly table: ThrottleTable,
    private readonly policy: ThrottlePolicy = DEFAULT_THROTTLE,
  ) {}

  /** Milliseconds until the later of the keys' locks ends; 0 when none is locked. */
  lockedFor(keys: readonly string[], now: number): number {
    let wait = 0;
    for (const key of keys) {
      const r = this.table.get(key);
      if (r && r.lockedUntil > now) wait = Math.max(wait, r.lockedUntil - now);
    }
    return wait;
  }

  failed(key: string, limit: number, now: number): void {
    const r = this.table.get(key);
    const fresh = !r || now - r.windowStart >= this.policy.windowMs;
    const failures = fresh ? 1 : r.failures + 1;
    const windowStart = fresh ? now : r.windowStart;
    const lockedUntil = failures >= limit ? now + this.policy.lockMs : (r?.lockedUntil ?? 0);
    // A lock starts a new count: after it ends, the next failures count from zero.
    this.table.put(
      failures >= limit
        ? { key, failures: 0, windowStart: now, lockedUntil }
        : { key, failures, windowStart, lockedUntil },
    );
  }

  failedLogin(username: string, address: string, now: number): void {
    this.failed(userKey(username), this.policy.perUser, now);
    this.failed(addressKey(address), this.policy.perAddress, now);
  }

  /**
   * A good password clears the name's count, not the address's: an attacker with one account of
   * their own must not reset their address's count between guesses at others.
   */
  succeeded(username: string): void {
    this.table.remove(userKey(username));
  }

  prune(now: number): number {
    return this.table.removeOlder(now - this.policy.windowMs - this.policy.lockMs);
  }
}
