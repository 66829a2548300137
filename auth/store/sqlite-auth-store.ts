// The auth store in one SQLite file (AUTH_DB_PATH): WAL, so several dashboard instances and `npm run users` share it.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteSessions, SqliteThrottle, SqliteTokens } from './sqlite-access.js';
import { SqliteAudit } from './sqlite-audit.js';
import { SqlitePeople } from './sqlite-people.js';
import { SCHEMA } from './sqlite-schema.js';
import type {
  AuditTable,
  AuthStore,
  PeopleTable,
  SessionTable,
  ThrottleTable,
  TokenTable,
} from './types.js';

interface Open {
  db: Database.Database;
  people: SqlitePeople;
  sessions: SqliteSessions;
  tokens: SqliteTokens;
  throttle: SqliteThrottle;
  audit: SqliteAudit;
  secret: Buffer;
}

export class SqliteAuthStore implements AuthStore {
  private open: Open | undefined;

  constructor(private readonly path: string) {}

  start(): void {
    if (this.open) return;
    mkdirSync(dirname(this.path), { recursive: true });
    const db = new Database(this.path);
    db.pragma('journal_mode = WAL');
    // Password hashes and session hashes: readable by the owner only (the WAL holds them too).
    for (const file of [this.path, `${this.path}-wal`, `${this.path}-shm`]) {
      if (existsSync(file)) chmodSync(file, 0o600);
    }
    db.pragma('busy_timeout = 5000');
    db.pragma('foreign_keys = ON');
    db.exec(SCHEMA);
    db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('secret', ?)").run(
      randomBytes(32).toString('base64'),
    );
    const secret = db
      .prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'secret'")
      .get();
    this.open = {
      db,
      people: new SqlitePeople(db),
      sessions: new SqliteSessions(db),
      tokens: new SqliteTokens(db),
      throttle: new SqliteThrottle(db),
      audit: new SqliteAudit(db),
      secret: Buffer.from(secret?.value ?? '', 'base64'),
    };
  }

  private get o(): Open {
    if (!this.open) throw new Error('SqliteAuthStore not started');
    return this.open;
  }

  get people(): PeopleTable {
    return this.o.people;
  }
  get sessions(): SessionTable {
    return this.o.sessions;
  }
  get tokens(): TokenTable {
    return this.o.tokens;
  }
  get throttle(): ThrottleTable {
    return this.o.throttle;
  }
  get audit(): AuditTable {
    return this.o.audit;
  }

  secret(): Buffer {
    return this.o.secret;
  }

  stop(): void {
    this.open?.db.close();
    this.open = undefined;
  }
}
