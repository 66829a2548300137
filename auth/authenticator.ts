// Who is asking: a request's credentials (bearer token, session cookie, Cloudflare Access JWT) resolved to a Principal, per AUTH_MODE.
import { createHmac } from 'node:crypto';
import type { AuthMode } from '../core/config-auth.js';
import { ALL_VEHICLES, type Principal } from './access.js';
import type { CloudflareAccess } from './cf-access.js';
import type { Directory } from './directory.js';
import { ANONYMOUS_USER, LEGACY_TOKEN_USER, normalUsername } from './roles.js';
import { sameSecret } from './secrets.js';
import type { Sessions } from './sessions.js';
import type { UserRecord } from './store/types.js';
import { Tokens } from './tokens.js';

export interface Credentials {
  /** The Authorization header as sent. */
  authorization: string | undefined;
  /** The session cookie's value. */
  sessionCookie: string | undefined;
  /** Cf-Access-Jwt-Assertion (AUTH_MODE=proxy). */
  accessJwt: string | undefined;
}

export type Identity =
  | { kind: 'principal'; principal: Principal }
  /** No credentials: fine for public routes, 401 elsewhere (AUTH_MODE=local, proxy). */
  | { kind: 'anonymous' }
  /** Credentials that do not hold: 401 (bad, expired, revoked) or 403 (no account, disabled). */
  | { kind: 'rejected'; status: 401 | 403; reason: string };

/** RFC 6750: `Bearer <token>`, scheme case-insensitive. */
const BEARER = /^Bearer +(\S+) *$/i;

const rejected = (status: 401 | 403, reason: string): Identity => ({
  kind: 'rejected',
  status,
  reason,
});

export interface AuthenticatorDeps {
  mode: AuthMode;
  legacyToken: string | undefined;
  directory: Directory;
  sessions: Sessions;
  tokens: Tokens;
  access: CloudflareAccess | undefined;
  /** HMAC key of proxy-mode CSRF tokens (the auth file's secret). */
  secret: Buffer;
}

export class Authenticator {
  constructor(private readonly deps: AuthenticatorDeps) {}

  private legacy(): Principal {
    return {
      username: LEGACY_TOKEN_USER,
      role: 'admin',
      groups: [],
      via: 'legacy-token',
      access: ALL_VEHICLES,
    };
  }

  private of(user: UserRecord, via: Principal['via']): Principal {
    return {
      username: user.username,
      role: user.role,
      groups: user.groups,
      via,
      access: this.deps.directory.accessOf(user),
    };
  }

  /** The proxy-mode CSRF token of a user: stable per identity, unguessable without the file's secret. */
  proxyCsrf(username: string): string {
    return createHmac('sha256', this.deps.secret).update(`csrf:${username}`).digest('base64url');
  }

  async identify(c: Credentials, now: number): Promise<Identity> {
    const { mode, legacyToken } = this.deps;
    const bearer = c.authorization === undefined ? undefined : BEARER.exec(c.authorization)?.[1];
    if (mode === 'none') {
      // Today's rules: reads are open to everyone; writes need DASHBOARD_API_TOKEN (write guard).
      if (bearer !== undefined && legacyToken !== undefined && sameSecret(bearer, legacyToken)) {
        return { kind: 'principal', principal: this.legacy() };
      }
      return {
        kind: 'principal',
        principal: {
          username: ANONYMOUS_USER,
          role: 'viewer',
          groups: [],
          via: 'none',
          access: ALL_VEHICLES,
        },
      };
    }
    if (c.authorization !== undefined) {
      if (bearer === undefined) return rejected(401, 'Authorization must be Bearer <token>');
      return this.bearer(bearer, now);
    }
    if (mode === 'local' && c.sessionCookie !== undefined) {
      const session = this.deps.sessions.resolve(c.sessionCookie, now);
      const user = session && this.deps.directory.user(session.username);
      if (!session || !user || user.disabled) return { kind: 'anonymous' };
      const principal = this.of(user, 'session');
      principal.session = { idHash: session.idHash, csrf: session.csrf };
      return { kind: 'principal', principal };
    }
    if (mode === 'proxy' && c.accessJwt !== undefined) return this.proxy(c.accessJwt);
    return { kind: 'anonymous' };
  }

  private bearer(value: string, now: number): Identity {
    const { legacyToken, tokens, directory } = this.deps;
    if (legacyToken !== undefined && !Tokens.looksLike(value) && sameSecret(value, legacyToken)) {
      return { kind: 'principal', principal: this.legacy() };
    }
    const check = tokens.check(value, now);
    if (!check.ok) return rejected(401, `invalid bearer token: ${check.reason}`);
    const user = directory.user(check.record.username);
    if (!user || user.disabled) return rejected(401, 'invalid bearer token: its owner is disabled');
    const principal = this.of(user, 'token');
    principal.tokenId = check.record.id;
    return { kind: 'principal', principal };
  }

  private async proxy(jwt: string): Promise<Identity> {
    const access = this.deps.access;
    if (!access) return rejected(401, 'AUTH_MODE=proxy without Cloudflare Access settings');
    const check = await access.verify(jwt);
    if (!check.ok) return rejected(401, check.reason);
    const username = normalUsername(check.email);
    const user = this.deps.directory.user(username);
    if (!user) {
      return rejected(
        403,
        `${username} has no account here; an admin adds it (npm run users -- add ${username} --role viewer)`,
      );
    }
    if (user.disabled) return rejected(403, `the account ${username} is disabled`);
    const principal = this.of(user, 'proxy');
    principal.csrf = this.proxyCsrf(username);
    return { kind: 'principal', principal };
  }
}
