// The people-and-permissions store's interface: users, groups, sessions, personal tokens, login throttling, audit (one SQLite file today).
import type { Role } from '../roles.js';

export interface UserRecord {
  username: string;
  role: Role;
  /** null: no password (signs in through Cloudflare Access only, or not yet set). */
  passwordHash: string | null;
  disabled: boolean;
  /** Group ids, sorted. */
  groups: string[];
  createdAt: number;
  updatedAt: number;
}

export interface GroupRecord {
  id: string;
  name: string;
  devices: string[];
  users: string[];
}

export interface SessionRecord {
  /** sha256 of the cookie's value (the value itself is never stored). */
  idHash: string;
  username: string;
  /** The CSRF token every cookie-authenticated write must carry (X-CSRF-Token). */
  csrf: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  ip: string | null;
}

export interface TokenRecord {
  id: string;
  username: string;
  name: string;
  /** sha256 of the secret part (high-entropy, so a plain hash suffices). */
  secretHash: string;
  createdAt: number;
  expiresAt: number;
  lastUsedAt: number | null;
}

/** Failed logins of one key (`user:NAME` or `ip:ADDRESS`) in the current window. */
export interface ThrottleRecord {
  key: string;
  failures: number;
  windowStart: number;
  lockedUntil: number;
}

export interface AuditEntry {
  time: number;
  /** A username, `api-token` (DASHBOARD_API_TOKEN), `anonymous`, or the name tried at a failed login. */
  user: string;
  action: string;
  target: string | null;
  ip: string | null;
  /** ok, failed, denied, locked, … */
  outcome: string;
}

export interface AuditQuery {
  from: number;
  to: number;
  user: string | undefined;
  action: string | undefined;
  limit: number;
}

export interface UserChange {
  role?: Role;
  passwordHash?: string | null;
  disabled?: boolean;
  /** Replaces the user's groups. */
  groups?: string[];
}

export interface GroupChange {
  name?: string;
  /** Replace the group's vehicles / members. */
  devices?: string[];
  users?: string[];
}

export interface PeopleTable {
  list(): UserRecord[];
  get(username: string): UserRecord | undefined;
  count(): number;
  /** false: the name is taken. Unknown group ids are an error (GroupNotFound). */
  create(user: Omit<UserRecord, 'createdAt' | 'updatedAt'>, now: number): boolean;
  update(username: string, change: UserChange, now: number): UserRecord | undefined;
  remove(username: string): boolean;
  groups(): GroupRecord[];
  group(id: string): GroupRecord | undefined;
  createGroup(group: GroupRecord): boolean;
  updateGroup(id: string, change: GroupChange): GroupRecord | undefined;
  removeGroup(id: string): boolean;
  /** Bumped by every change of users and groups (any connection): caches reload when it moves. */
  generation(): number;
  /** Changes made through this object (free to read: no query), so its own writes show at once. */
  changesHere(): number;
}

export interface SessionTable {
  create(session: SessionRecord): void;
  get(idHash: string): SessionRecord | undefined;
  touch(idHash: string, lastSeenAt: number, expiresAt: number): void;
  remove(idHash: string): void;
  removeUser(username: string): number;
  removeExpired(now: number): number;
}

export interface TokenTable {
  create(token: TokenRecord): void;
  get(id: string): TokenRecord | undefined;
  list(username: string | undefined): TokenRecord[];
  used(id: string, at: number): void;
  remove(id: string): boolean;
  removeExpired(now: number): number;
}

export interface ThrottleTable {
  get(key: string): ThrottleRecord | undefined;
  put(record: ThrottleRecord): void;
  remove(key: string): void;
  removeOlder(than: number): number;
}

export interface AuditTable {
  add(entry: AuditEntry): void;
  /** Newest first. */
  query(q: AuditQuery): AuditEntry[];
  removeOlder(than: number): number;
}

export interface AuthStore {
  start(): void;
  /** Safe to call twice. */
  stop(): void;
  readonly people: PeopleTable;
  readonly sessions: SessionTable;
  readonly tokens: TokenTable;
  readonly throttle: ThrottleTable;
  readonly audit: AuditTable;
  /** A random secret made at the file's creation (HMAC key, e.g. for proxy-mode CSRF tokens). */
  secret(): Buffer;
}

/** A group id that does not exist, named by a user or group change. */
export class UnknownGroupError extends Error {
  constructor(readonly groupId: string) {
    super(`no group ${groupId}`);
    this.name = 'UnknownGroupError';
  }
}

/** A username that does not exist, named as a group member. */
export class UnknownUserError extends Error {
  constructor(readonly username: string) {
    super(`no user ${username}`);
    this.name = 'UnknownUserError';
  }
}
