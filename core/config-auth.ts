// People and permissions settings (AUTH_MODE, sessions, Cloudflare Access, audit retention): their zod shape and the built AuthConfig.
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { durationMs } from './duration.js';

export const AUTH_MODES = ['local', 'none', 'proxy'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/**
 * A Cloudflare Access team: `myteam.cloudflareaccess.com` (https is implied), or a full
 * `https://` URL. `http://` is accepted for a test's local key server and refused in production.
 */
const TEAM_DOMAIN = /^(https?:\/\/)?[A-Za-z0-9.-]+(:\d{1,5})?\/?$/;

/** Spread into core/config.ts's env schema: one entry per variable, named as in env.example. */
export const authEnvShape = {
  AUTH_MODE: z.enum(AUTH_MODES, { error: 'must be local, none or proxy' }).default('local'),
  AUTH_DB_PATH: z.string().min(1).optional(),
  SESSION_TTL: z
    .string()
    .regex(/^[1-9]\d*[smhd]$/, 'must be a duration like 12h, 7d')
    .default('12h'),
  AUTH_COOKIE_SECURE: z
    .enum(['auto', 'true', 'false'], { error: 'must be auto, true or false' })
    .default('auto'),
  CF_ACCESS_TEAM_DOMAIN: z
    .string()
    .regex(TEAM_DOMAIN, 'must be a host like myteam.cloudflareaccess.com')
    .optional(),
  CF_ACCESS_AUD: z.string().min(1).optional(),
  AUDIT_RETENTION: z
    .string()
    .regex(/^(0|[1-9]\d*[smhd])$/, 'must be 0 (keep forever) or a duration like 400d')
    .default('400d'),
};

type AuthEnv = z.infer<z.ZodObject<typeof authEnvShape>>;

export interface AuthConfig {
  /**
   * local: accounts with passwords (sessions, personal tokens); none: today's open dashboard
   * (reads open, DASHBOARD_API_TOKEN writes); proxy: identity from a verified Cloudflare Access JWT.
   */
  mode: AuthMode;
  /** Users, groups, sessions, tokens, audit: one SQLite file, shared by every dashboard instance. */
  dbPath: string;
  /** First run: the generated admin password is written here (0600), beside dbPath. */
  adminPasswordFile: string;
  /** A session ends after this long unused. */
  sessionTtlMs: number;
  /** auto: Secure when the request came over TLS (req.secure, so trust proxy counts). */
  cookieSecure: 'auto' | 'always' | 'never';
  /** proxy mode: the team's issuer URL (`https://myteam.cloudflareaccess.com`) and audience tag. */
  cfAccess: { issuer: string; audience: string } | undefined;
  /** Audit entries older than this are deleted (ms; 0 = kept forever). */
  auditRetentionMs: number;
}

/** The AuthConfig, or the lines naming each bad variable. */
export function authConfigOf(
  e: AuthEnv & { DASHBOARD_STATE_PATH: string; NODE_ENV: string },
): AuthConfig | string[] {
  const problems: string[] = [];
  let cfAccess: AuthConfig['cfAccess'];
  if (e.AUTH_MODE === 'proxy') {
    const team = e.CF_ACCESS_TEAM_DOMAIN;
    if (team === undefined) problems.push('CF_ACCESS_TEAM_DOMAIN="": needed with AUTH_MODE=proxy');
    if (e.CF_ACCESS_AUD === undefined)
      problems.push('CF_ACCESS_AUD="": needed with AUTH_MODE=proxy');
    const issuer = team === undefined ? '' : teamIssuer(team);
    if (issuer.startsWith('http:') && e.NODE_ENV === 'production') {
      problems.push(
        `CF_ACCESS_TEAM_DOMAIN=${JSON.stringify(team)}: must be https in production (the keys are fetched from it)`,
      );
    }
    if (team !== undefined && e.CF_ACCESS_AUD !== undefined) {
      cfAccess = { issuer, audience: e.CF_ACCESS_AUD };
    }
  }
  if (problems.length > 0) return problems;
  const dbPath = e.AUTH_DB_PATH ?? join(dirname(e.DASHBOARD_STATE_PATH), 'auth.db');
  return {
    mode: e.AUTH_MODE,
    dbPath,
    adminPasswordFile: join(dirname(dbPath), 'admin-password.txt'),
    sessionTtlMs: durationMs(e.SESSION_TTL) ?? 12 * 3_600_000,
    cookieSecure: { auto: 'auto', true: 'always', false: 'never' }[e.AUTH_COOKIE_SECURE] as
      | 'auto'
      | 'always'
      | 'never',
    cfAccess,
    auditRetentionMs: e.AUDIT_RETENTION === '0' ? 0 : (durationMs(e.AUDIT_RETENTION) ?? 0),
  };
}

/** `myteam.cloudflareaccess.com` → `https://myteam.cloudflareaccess.com` (no trailing slash). */
function teamIssuer(team: string): string {
  const url = /^https?:\/\//.test(team) ? team : `https://${team}`;
  return url.replace(/\/$/, '');
}
