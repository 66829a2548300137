// Roles, names and the rules that order them: viewer reads, operator also acts on vehicles, admin also manages.

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

/** Whether `role` holds every right of `least` (admin ⊇ operator ⊇ viewer). */
export function roleAtLeast(role: Role, least: Role): boolean {
  return RANK[role] >= RANK[least];
}

export const isRole = (value: unknown): value is Role =>
  typeof value === 'string' && (ROLES as readonly string[]).includes(value);

/**
 * A username: a login name or an e-mail address (AUTH_MODE=proxy maps Cloudflare Access's e-mail
 * to the user of that name). Compared case-insensitively, stored lower-case.
 */
export const USERNAME_PATTERN = /^[a-z0-9][a-z0-9_.@+-]{0,127}$/;
/** A group's id: a slug chosen at creation (`north-depot`); its name is free text. */
export const GROUP_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export const normalUsername = (name: string): string => name.trim().toLowerCase();

/** Who made a request in the audit log when no person did. */
export const LEGACY_TOKEN_USER = 'api-token';
export const ANONYMOUS_USER = 'anonymous';
