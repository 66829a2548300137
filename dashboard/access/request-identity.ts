// Who each HTTP request is: resolved once per request (before body parsing and routes) from its bearer token, session cookie or Access JWT.
import type { Request, RequestHandler } from 'express';
import type { Auth } from '../../auth/auth.js';
import type { Credentials, Identity } from '../../auth/authenticator.js';
import { CF_ACCESS_HEADER } from '../../auth/cf-access.js';
import { sessionCookieOf } from './session-cookie.js';

const identities = new WeakMap<Request, Identity>();
const ANONYMOUS: Identity = { kind: 'anonymous' };

export function identityOf(req: Request): Identity {
  return identities.get(req) ?? ANONYMOUS;
}

export function credentialsOf(headers: Record<string, string | string[] | undefined>): Credentials {
  const header = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  return {
    authorization: header('authorization'),
    sessionCookie: sessionCookieOf(header('cookie')),
    accessJwt: header(CF_ACCESS_HEADER),
  };
}

export function requestIdentity(auth: Auth, now: () => number): RequestHandler {
  return (req, _res, next) => {
    auth.identify.identify(credentialsOf(req.headers), now()).then(
      (identity) => {
        identities.set(req, identity);
        next();
      },
      (err: unknown) => next(err),
    );
  };
}
