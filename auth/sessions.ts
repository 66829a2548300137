// Cookie sessions: opened at login (always a new id), resolved per request (sliding expiry), closed at logout.
import { randomSecret, sha256 } from './secrets.js';
import type { SessionRecord, SessionTable } from './store/types.js';

/** last_seen_at is written at most this often per session (not on every request). */
const TOUCH_EVERY_MS = 60_000;

export interface OpenedSession {
  /** The cookie's value: shown to the browser once, never stored. */
  cookie: string;
  record: SessionRecord;
}

export class Sessions {
  constructor(
    private readonly table: SessionTable,
    private readonly ttlMs: number,
  ) {}

  /** A new session: the id is random and new, so a fixed (planted) cookie never becomes valid. */
  open(username: string, ip: string | null, now: number): OpenedSession {
    const cookie = randomSecret();
    const record: SessionRecord = {
      idHash: sha256(cookie),
      username,
      csrf: randomSecret(),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + this.ttlMs,
      ip,
    };
    this.table.create(record);
    return { cookie, record };
  }

  /** The live session of a cookie; an expired one is deleted. */
  resolve(cookie: string, now: number): SessionRecord | undefined {
    const idHash = sha256(cookie);
    const s = this.table.get(idHash);
    if (!s) return undefined;
    if (s.expiresAt <= now) {
      this.table.remove(idHash);
      return undefined;
    }
    if (now - s.lastSeenAt >= TOUCH_EVERY_MS) {
      this.table.touch(idHash, now, now + this.ttlMs);
      return { ...s, lastSeenAt: now, expiresAt: now + this.ttlMs };
    }
    return s;
  }

  close(idHash: string): void {
    this.table.remove(idHash);
  }

  /** Every session of a user ends (password changed, user disabled or deleted). */
  closeAll(username: string): number {
    return this.table.removeUser(username);
  }

  get ttl(): number {
    return this.ttlMs;
  }
}
