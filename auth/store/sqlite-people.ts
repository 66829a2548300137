// Users, groups and their memberships in SQLite; every change bumps the generation that caches watch.
import type Database from 'better-sqlite3';
import type { Role } from '../roles.js';
import {
  type GroupChange,
  type GroupRecord,
  type PeopleTable,
  UnknownGroupError,
  UnknownUserError,
  type UserChange,
  type UserRecord,
} from './types.js';

interface UserRow {
  username: string;
  role: Role;
  password_hash: string | null;
  disabled: number;
  created_at: number;
  updated_at: number;
  groups: string | null;
}

const USER_COLUMNS = `u.username, u.role, u.password_hash, u.disabled, u.created_at, u.updated_at,
  (SELECT group_concat(group_id, char(10)) FROM
    (SELECT group_id FROM group_users g WHERE g.username = u.username ORDER BY group_id)) AS groups`;

const split = (text: string | null): string[] => (text ? text.split('\n') : []);

const toUser = (r: UserRow): UserRecord => ({
  username: r.username,
  role: r.role,
  passwordHash: r.password_hash,
  disabled: r.disabled === 1,
  groups: split(r.groups),
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class SqlitePeople implements PeopleTable {
  private readonly s;
  private writes = 0;

  constructor(private readonly db: Database.Database) {
    this.s = {
      list: db.prepare<[], UserRow>(`SELECT ${USER_COLUMNS} FROM users u ORDER BY u.username`),
      get: db.prepare<[string], UserRow>(`SELECT ${USER_COLUMNS} FROM users u WHERE username = ?`),
      count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM users'),
      insert: db.prepare(
        `INSERT INTO users (username, role, password_hash, disabled, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      remove: db.prepare('DELETE FROM users WHERE username = ?'),
      groupExists: db.prepare<[string], { id: string }>('SELECT id FROM groups WHERE id = ?'),
      userExists: db.prepare<[string], { username: string }>(
        'SELECT username FROM users WHERE username = ?',
      ),
      userGroupsClear: db.prepare('DELETE FROM group_users WHERE username = ?'),
      member: db.prepare('INSERT OR IGNORE INTO group_users (group_id, username) VALUES (?, ?)'),
      groups: db.prepare<[], { id: string; name: string }>(
        'SELECT id, name FROM groups ORDER BY id',
      ),
      group: db.prepare<[string], { id: string; name: string }>(
        'SELECT id, name FROM groups WHERE id = ?',
      ),
      groupDevices: db.prepare<[string], { device_id: string }>(
        'SELECT device_id FROM group_devices WHERE group_id = ? ORDER BY device_id',
      ),
      groupUsers: db.prepare<[string], { username: string }>(
        'SELECT username FROM group_users WHERE group_id = ? ORDER BY username',
      ),
      insertGroup: db.prepare('INSERT INTO groups (id, name) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      renameGroup: db.prepare('UPDATE groups SET name = ? WHERE id = ?'),
      clearDevices: db.prepare('DELETE FROM group_devices WHERE group_id = ?'),
      addDevice: db.prepare(
        'INSERT OR IGNORE INTO group_devices (group_id, device_id) VALUES (?, ?)',
      ),
      clearUsers: db.prepare('DELETE FROM group_users WHERE group_id = ?'),
      removeGroup: db.prepare('DELETE FROM groups WHERE id = ?'),
      generation: db.prepare<[], { value: string }>(
        "SELECT value FROM meta WHERE key = 'generation'",
      ),
      bump: db.prepare(
        `INSERT INTO meta (key, value) VALUES ('generation', '1')
         ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1`,
      ),
    };
  }

  list(): UserRecord[] {
    return this.s.list.all().map(toUser);
  }

  get(username: string): UserRecord | undefined {
    const row = this.s.get.get(username);
    return row && toUser(row);
  }

  count(): number {
    return this.s.count.get()?.n ?? 0;
  }

  generation(): number {
    return Number(this.s.generation.get()?.value ?? 0);
  }

  changesHere(): number {
    return this.writes;
  }

  private bump(): void {
    this.s.bump.run();
    this.writes += 1;
  }

  private setGroups(username: string, groups: readonly string[]): void {
    this.s.userGroupsClear.run(username);
    for (const id of groups) {
      if (!this.s.groupExists.get(id)) throw new UnknownGroupError(id);
      this.s.member.run(id, username);
    }
  }

  create(user: Omit<UserRecord, 'createdAt' | 'updatedAt'>, now: number): boolean {
    return this.db.transaction(() => {
      const { username, role, passwordHash, disabled } = user;
      const added = this.s.insert.run(username, role, passwordHash, disabled ? 1 : 0, now, now);
      if (added.changes === 0) return false;
      this.setGroups(username, user.groups);
      this.bump();
      return true;
    })();
  }

  update(username: string, change: UserChange, now: number): UserRecord | undefined {
    return this.db.transaction(() => {
      const cur = this.get(username);
      if (!cur) return undefined;
      const sets: string[] = ['updated_at = @now'];
      if (change.role !== undefined) sets.push('role = @role');
      if (change.passwordHash !== undefined) sets.push('password_hash = @passwordHash');
      if (change.disabled !== undefined) sets.push('disabled = @disabled');
      this.db.prepare(`UPDATE users SET ${sets.join(', ')} WHERE username = @username`).run({
        now,
        username,
        role: change.role ?? null,
        passwordHash: change.passwordHash ?? null,
        disabled: change.disabled ? 1 : 0,
      });
      if (change.groups !== undefined) this.setGroups(username, change.groups);
      this.bump();
      return this.get(username);
    })();
  }

  remove(username: string): boolean {
    return this.db.transaction(() => {
      const removed = this.s.remove.run(username).changes > 0;
      if (removed) this.bump();
      return removed;
    })();
  }

  private toGroup(row: { id: string; name: string }): GroupRecord {
    return {
      id: row.id,
      name: row.name,
      devices: this.s.groupDevices.all(row.id).map((r) => r.device_id),
      users: this.s.groupUsers.all(row.id).map((r) => r.username),
    };
  }

  groups(): GroupRecord[] {
    return this.s.groups.all().map((row) => this.toGroup(row));
  }

  group(id: string): GroupRecord | undefined {
    const row = this.s.group.get(id);
    return row && this.toGroup(row);
  }

  private setMembers(id: string, change: GroupChange): void {
    if (change.devices !== undefined) {
      this.s.clearDevices.run(id);
      for (const d of change.devices) this.s.addDevice.run(id, d);
    }
    if (change.users !== undefined) {
      this.s.clearUsers.run(id);
      for (const u of change.users) {
        if (!this.s.userExists.get(u)) throw new UnknownUserError(u);
        this.s.member.run(id, u);
      }
    }
  }

  createGroup(group: GroupRecord): boolean {
    return this.db.transaction(() => {
      if (this.s.insertGroup.run(group.id, group.name).changes === 0) return false;
      this.setMembers(group.id, group);
      this.bump();
      return true;
    })();
  }

  updateGroup(id: string, change: GroupChange): GroupRecord | undefined {
    return this.db.transaction(() => {
      if (!this.s.group.get(id)) return undefined;
      if (change.name !== undefined) this.s.renameGroup.run(change.name, id);
      this.setMembers(id, change);
      this.bump();
      return this.group(id);
    })();
  }

  removeGroup(id: string): boolean {
    return this.db.transaction(() => {
      const removed = this.s.removeGroup.run(id).changes > 0;
      if (removed) this.bump();
      return removed;
    })();
  }
}
