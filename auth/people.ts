// Managing users and groups: names and passwords checked, passwords hashed, sessions ended when a password changes or a user is disabled, the last admin kept.
import { AuthError } from './errors.js';
import { type PasswordHasher, passwordProblem } from './password.js';
import { GROUP_ID_PATTERN, normalUsername, type Role, USERNAME_PATTERN } from './roles.js';
import type { Sessions } from './sessions.js';
import {
  type GroupChange,
  type GroupRecord,
  type PeopleTable,
  UnknownGroupError,
  UnknownUserError,
  type UserRecord,
} from './store/types.js';

export interface NewUser {
  username: string;
  role: Role;
  /** Undefined: no password (AUTH_MODE=proxy users sign in through Cloudflare Access). */
  password?: string | undefined;
  groups?: string[] | undefined;
  disabled?: boolean | undefined;
}

export interface UserUpdate {
  role?: Role | undefined;
  password?: string | undefined;
  groups?: string[] | undefined;
  disabled?: boolean | undefined;
}

function checkedName(name: string): string {
  const username = normalUsername(name);
  if (!USERNAME_PATTERN.test(username)) {
    throw new AuthError(
      'invalid',
      'a username is 1-128 characters: letters, digits and _ . @ + - (an e-mail address works)',
    );
  }
  return username;
}

/** Store errors for unknown names become the 4xx they are. */
function named<T>(run: () => T): T {
  try {
    return run();
  } catch (err) {
    if (err instanceof UnknownGroupError) throw new AuthError('invalid', `no group ${err.groupId}`);
    if (err instanceof UnknownUserError) throw new AuthError('invalid', `no user ${err.username}`);
    throw err;
  }
}

export class People {
  constructor(
    private readonly table: PeopleTable,
    private readonly sessions: Sessions,
    private readonly hasher: PasswordHasher,
  ) {}

  private async hashed(password: string): Promise<string> {
    const problem = passwordProblem(password);
    if (problem) throw new AuthError('invalid', problem);
    return this.hasher.hash(password);
  }

  list(): UserRecord[] {
    return this.table.list();
  }

  get(username: string): UserRecord | undefined {
    return this.table.get(normalUsername(username));
  }

  async create(user: NewUser, now: number): Promise<UserRecord> {
    const username = checkedName(user.username);
    const passwordHash = user.password === undefined ? null : await this.hashed(user.password);
    const record = {
      username,
      role: user.role,
      passwordHash,
      disabled: user.disabled ?? false,
      groups: [...new Set(user.groups ?? [])].sort(),
    };
    if (!named(() => this.table.create(record, now))) {
      throw new AuthError('conflict', `user ${username} already exists`);
    }
    return this.table.get(username) as UserRecord;
  }

  /** An enabled admin other than `username`: there must always be one who can manage the rest. */
  private otherAdmin(username: string): boolean {
    return this.table
      .list()
      .some((u) => u.role === 'admin' && !u.disabled && u.username !== username);
  }

  async update(name: string, change: UserUpdate, now: number): Promise<UserRecord> {
    const username = normalUsername(name);
    const cur = this.table.get(username);
    if (!cur) throw new AuthError('not_found', `no user ${username}`);
    const losesAdmin =
      cur.role === 'admin' &&
      !cur.disabled &&
      ((change.role ?? 'admin') !== 'admin' || change.disabled === true);
    if (losesAdmin && !this.otherAdmin(username)) {
      throw new AuthError('conflict', `${username} is the last enabled admin`);
    }
    const passwordHash =
      change.password === undefined ? undefined : await this.hashed(change.password);
    const updated = named(() =>
      this.table.update(
        username,
        {
          ...(change.role === undefined ? {} : { role: change.role }),
          ...(passwordHash === undefined ? {} : { passwordHash }),
          ...(change.disabled === undefined ? {} : { disabled: change.disabled }),
          ...(change.groups === undefined ? {} : { groups: [...new Set(change.groups)].sort() }),
        },
        now,
      ),
    );
    if (!updated) throw new AuthError('not_found', `no user ${username}`);
    // A new password or a disabled account ends every session (tokens stop while disabled).
    if (passwordHash !== undefined || change.disabled === true) this.sessions.closeAll(username);
    return updated;
  }

  remove(name: string): void {
    const username = normalUsername(name);
    const cur = this.table.get(username);
    if (!cur) throw new AuthError('not_found', `no user ${username}`);
    if (cur.role === 'admin' && !cur.disabled && !this.otherAdmin(username)) {
      throw new AuthError('conflict', `${username} is the last enabled admin`);
    }
    // Sessions and tokens go with the user (foreign keys, ON DELETE CASCADE).
    this.table.remove(username);
  }

  groups(): GroupRecord[] {
    return this.table.groups();
  }

  group(id: string): GroupRecord | undefined {
    return this.table.group(id);
  }

  createGroup(group: { id?: string | undefined; name: string } & GroupChange): GroupRecord {
    const id = group.id ?? slug(group.name);
    if (!GROUP_ID_PATTERN.test(id)) {
      throw new AuthError(
        'invalid',
        'a group id is 1-64 characters: a-z, 0-9, _ and -, starting with a letter or digit',
      );
    }
    const record: GroupRecord = {
      id,
      name: group.name,
      devices: [...new Set(group.devices ?? [])].sort(),
      users: [...new Set((group.users ?? []).map(normalUsername))].sort(),
    };
    if (!named(() => this.table.createGroup(record))) {
      throw new AuthError('conflict', `group ${id} already exists`);
    }
    return this.table.group(id) as GroupRecord;
  }

  updateGroup(id: string, change: GroupChange): GroupRecord {
    const updated = named(() =>
      this.table.updateGroup(id, {
        ...change,
        ...(change.devices === undefined ? {} : { devices: [...new Set(change.devices)].sort() }),
        ...(change.users === undefined
          ? {}
          : { users: [...new Set(change.users.map(normalUsername))] }),
      }),
    );
    if (!updated) throw new AuthError('not_found', `no group ${id}`);
    return updated;
  }

  removeGroup(id: string): void {
    if (!this.table.removeGroup(id)) throw new AuthError('not_found', `no group ${id}`);
  }
}

/** `North depot` → `north-depot`. */
export function slug(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
}
