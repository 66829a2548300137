// The session cookie: HttpOnly, SameSite=Lax, Secure (with the __Host- prefix) behind TLS; read, set at login, cleared at logout.

import { parse, serialize } from 'cookie';
import type { Request, Response } from 'express';

const PLAIN = 'telemetry_session';
/** Over TLS: the browser then refuses the cookie from plain http and from any other path or host. */
const SECURE = '__Host-telemetry_session';
/** Its names, for the API document. */
export const SESSION_COOKIE = { plain: PLAIN, secure: SECURE } as const;

export function sessionCookieOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const cookies = parse(header);
  return cookies[SECURE] ?? cookies[PLAIN];
}

export type CookieSecure = 'auto' | 'always' | 'never';

const secureFor = (req: Request, setting: CookieSecure): boolean =>
  setting === 'always' || (setting === 'auto' && req.secure);

export function setSessionCookie(
  req: Request,
  res: Response,
  value: string,
  maxAgeMs: number,
  setting: CookieSecure,
): void {
  const secure = secureFor(req, setting);
  // Lax, not Strict: a link to the dashboard from elsewhere opens it signed in; writes need the
  // CSRF header anyway, and cross-site requests (fetch, WebSocket) do not carry a Lax cookie.
  res.append(
    'Set-Cookie',
    serialize(secure ? SECURE : PLAIN, value, {
      httpOnly: true,
      sameSite: 'lax',
      secure,
      path: '/',
      maxAge: Math.floor(maxAgeMs / 1000),
    }),
  );
}

export function clearSessionCookie(req: Request, res: Response, setting: CookieSecure): void {
  const secure = secureFor(req, setting);
  res.append(
    'Set-Cookie',
    serialize(secure ? SECURE : PLAIN, '', {
      httpOnly: true,
      sameSite: 'lax',
      secure,
      path: '/',
      maxAge: 0,
    }),
  );
}
