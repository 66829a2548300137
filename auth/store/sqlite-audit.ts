// The audit log in SQLite: append, query newest first by time, user and action, delete what retention has passed.
import type Database from 'better-sqlite3';
import type { AuditEntry, AuditQuery, AuditTable } from './types.js';

export class SqliteAudit implements AuditTable {
  private readonly s;

  constructor(db: Database.Database) {
    this.s = {
      add: db.prepare(
        `INSERT INTO audit (time, user, action, target, ip, outcome)
         VALUES (@time, @user, @action, @target, @ip, @outcome)`,
      ),
      query: db.prepare<
        { from: number; to: number; user: string | null; action: string | null; limit: number },
        AuditEntry
      >(
        `SELECT time, user, action, target, ip, outcome FROM audit
         WHERE time >= @from AND time <= @to
           AND (@user IS NULL OR user = @user) AND (@action IS NULL OR action = @action)
         ORDER BY time DESC, id DESC LIMIT @limit`,
      ),
      removeOlder: db.prepare('DELETE FROM audit WHERE time < ?'),
    };
  }

  add(entry: AuditEntry): void {
    this.s.add.run(entry);
  }

  query(q: AuditQuery): AuditEntry[] {
    return this.s.query.all({ ...q, user: q.user ?? null, action: q.action ?? null });
  }

  removeOlder(than: number): number {
    return this.s.removeOlder.run(than).changes;
  }
}
