// Sessions, personal API tokens and login throttling in SQLite: only hashes of the secrets are stored.
import type Database from 'better-sqlite3';
import type {
  SessionRecord,
  SessionTable,
  ThrottleRecord,
  ThrottleTable,
  TokenRecord,
  TokenTable,
} from './types.js';

interface SessionRow {
  id_hash: string;
  username: string;
  csrf: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  ip: string | null;
}

export class SqliteSessions implements SessionTable {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      insert: db.prepare(
        `INSERT INTO sessions (id_hash, username, csrf, created_at, last_seen_at, expires_at, ip)
         VALUES (@idHash, @username, @csrf, @createdAt, @lastSeenAt, @expiresAt, @ip)`,
      ),
      get: db.prepare<[string], SessionRow>('SELECT * FROM sessions WHERE id_hash = ?'),
      touch: db.prepare('UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id_hash = ?'),
      remove: db.prepare('DELETE FROM sessions WHERE id_hash = ?'),
      removeUser: db.prepare('DELETE FROM sessions WHERE username = ?'),
      removeExpired: db.prepare('DELETE FROM sessions WHERE expires_at <= ?'),
    };
  }

  create(session: SessionRecord): void {
    this.s.insert.run(session);
  }

  get(idHash: string): SessionRecord | undefined {
    const r = this.s.get.get(idHash);
    return (
      r && {
        idHash: r.id_hash,
        username: r.username,
        csrf: r.csrf,
        createdAt: r.created_at,
        lastSeenAt: r.last_seen_at,
        expiresAt: r.expires_at,
        ip: r.ip,
      }
    );
  }

  touch(idHash: string, lastSeenAt: number, expiresAt: number): void {
    this.s.touch.run(lastSeenAt, expiresAt, idHash);
  }

  remove(idHash: string): void {
    this.s.remove.run(idHash);
  }

  removeUser(username: string): number {
    return this.s.removeUser.run(username).changes;
  }

  removeExpired(now: number): number {
    return this.s.removeExpired.run(now).changes;
  }
}

interface TokenRow {
  id: string;
  username: string;
  name: string;
  secret_hash: string;
  created_at: number;
  expires_at: number;
  last_used_at: number | null;
}

const toToken = (r: TokenRow): TokenRecord => ({
  id: r.id,
  username: r.username,
  name: r.name,
  secretHash: r.secret_hash,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  lastUsedAt: r.last_used_at,
});

export class SqliteTokens implements TokenTable {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      insert: db.prepare(
        `INSERT INTO tokens (id, username, name, secret_hash, created_at, expires_at, last_used_at)
         VALUES (@id, @username, @name, @secretHash, @createdAt, @expiresAt, @lastUsedAt)`,
      ),
      get: db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE id = ?'),
      all: db.prepare<[], TokenRow>('SELECT * FROM tokens ORDER BY username, created_at'),
      of: db.prepare<[string], TokenRow>(
        'SELECT * FROM tokens WHERE username = ? ORDER BY created_at',
      ),
      used: db.prepare('UPDATE tokens SET last_used_at = ? WHERE id = ?'),
      remove: db.prepare('DELETE FROM tokens WHERE id = ?'),
      removeExpired: db.prepare('DELETE FROM tokens WHERE expires_at <= ?'),
    };
  }

  create(token: TokenRecord): void {
    this.s.insert.run(token);
  }

  get(id: string): TokenRecord | undefined {
    const r = this.s.get.get(id);
    return r && toToken(r);
  }

  list(username: string | undefined): TokenRecord[] {
    return (username === undefined ? this.s.all.all() : this.s.of.all(username)).map(toToken);
  }

  used(id: string, at: number): void {
    this.s.used.run(at, id);
  }

  remove(id: string): boolean {
    return this.s.remove.run(id).changes > 0;
  }

  removeExpired(now: number): number {
    return this.s.removeExpired.run(now).changes;
  }
}

export class SqliteThrottle implements ThrottleTable {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      get: db.prepare<
        [string],
        { key: string; failures: number; window_start: number; locked_until: number }
      >('SELECT * FROM login_throttle WHERE key = ?'),
      put: db.prepare(
        `INSERT INTO login_throttle (key, failures, window_start, locked_until)
         VALUES (@key, @failures, @windowStart, @lockedUntil)
         ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,
           window_start = excluded.window_start, locked_until = excluded.locked_until`,
      ),
      remove: db.prepare('DELETE FROM login_throttle WHERE key = ?'),
      removeOlder: db.prepare(
        'DELETE FROM login_throttle WHERE window_start < @than AND locked_until < @than',
      ),
    };
  }

  get(key: string): ThrottleRecord | undefined {
    const r = this.s.get.get(key);
    return (
      r && {
        key: r.key,
        failures: r.failures,
        windowStart: r.window_start,
        lockedUntil: r.locked_until,
      }
    );
  }

  put(record: ThrottleRecord): void {
    this.s.put.run(record);
  }

  remove(key: string): void {
    this.s.remove.run(key);
  }

  removeOlder(than: number): number {
    return this.s.removeOlder.run({ than }).changes;
  }
}
