// Bodies of the people-and-permissions routes (zod): session, users, groups, tokens, audit; the wire shapes built from the auth folder's records.
import { z } from 'zod';
import type { Principal } from '../../auth/access.js';
import { AuthError } from '../../auth/errors.js';
import { MAX_PASSWORD_LENGTH } from '../../auth/password.js';
import { GROUP_ID_PATTERN, ROLES, USERNAME_PATTERN } from '../../auth/roles.js';
import type { GroupRecord, TokenRecord, UserRecord } from '../../auth/store/types.js';
import { DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS, TOKEN_ID_PATTERN } from '../../auth/tokens.js';
import type { AuthMode } from '../../core/config-auth.js';
import { DEVICE_ID_PATTERN } from '../../core/contract.js';
import { ConflictError, ForbiddenError, InvalidParameterError, NotFoundError } from '../errors.js';

const objectBody = {
  error: (i: { code: string }) =>
    i.code === 'invalid_type' ? 'the body must be a JSON object' : undefined,
};

const username = z
  .string()
  .transform((v) => v.trim().toLowerCase())
  .pipe(z.string().regex(USERNAME_PATTERN, 'a username is 1-128 of a-z 0-9 _ . @ + -'));
const password = z.string().min(1).max(MAX_PASSWORD_LENGTH);
const role = z.enum(ROLES, { error: `role must be one of ${ROLES.join(', ')}` });
const groupId = z
  .string()
  .regex(GROUP_ID_PATTERN, 'a group id is 1-64 of a-z 0-9 _ - (starting with a letter or digit)');
const deviceId = z.string().regex(DEVICE_ID_PATTERN, 'device ids match ^[A-Za-z0-9_-]{1,64}$');
const MAX_MEMBERS = 100_000;

export const usernameParams = z.object({ name: username });
export const groupParams = z.object({ id: groupId });
export const tokenParams = z.object({
  id: z
    .string()
    .regex(TOKEN_ID_PATTERN, 'a token id is 16 hex digits, as GET /api/tokens lists it'),
});

export const loginBody = z.strictObject(
  { username: z.string().min(1).max(256), password },
  objectBody,
);
export const passwordChangeBody = z.strictObject(
  { current_password: password, new_password: password },
  objectBody,
);

export const newUserBody = z.strictObject(
  {
    username,
    role,
    password: password.optional().describe('omitted: no password (AUTH_MODE=proxy users)'),
    groups: z.array(groupId).max(1000).optional(),
    disabled: z.boolean().optional(),
  },
  objectBody,
);
export const userChangeBody = z.strictObject(
  {
    role: role.optional(),
    password: password.optional(),
    groups: z.array(groupId).max(1000).optional(),
    disabled: z.boolean().optional(),
  },
  objectBody,
);

export const newGroupBody = z.strictObject(
  {
    id: groupId.optional().describe('default: made from the name (North depot → north-depot)'),
    name: z.string().trim().min(1).max(200),
    devices: z.array(deviceId).max(MAX_MEMBERS).optional(),
    users: z.array(username).max(MAX_MEMBERS).optional(),
  },
  objectBody,
);
export const groupChangeBody = z.strictObject(
  {
    name: z.string().trim().min(1).max(200).optional(),
    devices: z.array(deviceId).max(MAX_MEMBERS).optional(),
    users: z.array(username).max(MAX_MEMBERS).optional(),
  },
  objectBody,
);

export const newTokenBody = z.strictObject(
  {
    name: z.string().trim().min(1).max(100),
    expires_in_days: z
      .number()
      .int()
      .min(1)
      .max(MAX_TOKEN_DAYS)
      .optional()
      .describe(`default ${DEFAULT_TOKEN_DAYS}`),
  },
  objectBody,
);

export const sessionBody = z.object({
  username: z.string(),
  role: role,
  groups: z.array(z.string()),
  auth_mode: z.enum(['local', 'none', 'proxy']),
  csrf_token: z
    .string()
    .nullable()
    .describe('send as X-CSRF-Token with every write made with this session'),
});
export const userBody = z.object({
  username: z.string(),
  role,
  groups: z.array(z.string()),
  disabled: z.boolean(),
});
export const groupBody = z.object({
  id: z.string(),
  name: z.string(),
  devices: z.array(z.string()),
  users: z.array(z.string()),
});
export const tokenBody = z.object({
  id: z.string(),
  name: z.string(),
  username: z.string(),
  created_at: z.string(),
  expires_at: z.string(),
  last_used_at: z.string().nullable(),
});
export const createdTokenBody = tokenBody.extend({
  token: z.string().describe('the token itself: shown this once, never again'),
});
export const auditEntryBody = z.object({
  time: z.string(),
  user: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  ip: z.string().nullable(),
  outcome: z.string(),
});

const iso = (ms: number) => new Date(ms).toISOString();

export const sessionOf = (p: Principal, mode: AuthMode): z.infer<typeof sessionBody> => ({
  username: p.username,
  role: p.role,
  groups: [...p.groups],
  auth_mode: mode,
  csrf_token: p.session?.csrf ?? p.csrf ?? null,
});
export const userOf = (u: UserRecord): z.infer<typeof userBody> => ({
  username: u.username,
  role: u.role,
  groups: u.groups,
  disabled: u.disabled,
});
export const groupOf = (g: GroupRecord): z.infer<typeof groupBody> => ({ ...g });
export const tokenOf = (t: TokenRecord): z.infer<typeof tokenBody> => ({
  id: t.id,
  name: t.name,
  username: t.username,
  created_at: iso(t.createdAt),
  expires_at: iso(t.expiresAt),
  last_used_at: t.lastUsedAt === null ? null : iso(t.lastUsedAt),
});

/** The auth folder's errors as the HTTP answers they are. */
export function httpError(err: unknown): unknown {
  if (!(err instanceof AuthError)) return err;
  if (err.kind === 'invalid') return new InvalidParameterError(err.message);
  if (err.kind === 'not_found') return new NotFoundError(err.message);
  if (err.kind === 'conflict') return new ConflictError(err.message);
  return new ForbiddenError(err.message);
}

export async function mapped<T>(run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw httpError(err);
  }
}
