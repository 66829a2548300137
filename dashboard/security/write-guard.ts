// Every request that is not a read (GET/HEAD/OPTIONS) needs the API bearer token; none at all when no token is configured.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import { READ_METHODS } from './cors.js';

const REALM = 'Bearer realm="dashboard"';
/** RFC 6750: `Bearer <token>`, scheme case-insensitive. */
const BEARER = /^Bearer +(\S+) *$/i;

/** Hashing first gives equal-length inputs, so the comparison time says nothing about the token. */
const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * Structural rather than per route: it runs before every route, so a write or command route added
 * later cannot be reached anonymously by forgetting a check. Without DASHBOARD_API_TOKEN every
 * such request is refused (403): nothing can ever write anonymously. With one, a valid token
 * passes through to the normal 404/405 of the router.
 */
export function writeGuard(apiToken: string | undefined): RequestHandler {
  const expected = apiToken === undefined ? undefined : digest(apiToken);
  return (req, _res, next) => {
    if (READ_METHODS.has(req.method)) {
      next();
      return;
    }
    if (expected === undefined) {
      next(new ForbiddenError('write requests are disabled on this server'));
      return;
    }
    const given = BEARER.exec(req.get('authorization') ?? '')?.[1];
    if (given === undefined) {
      next(new UnauthorizedError('this request needs Authorization: Bearer <token>', REALM));
      return;
    }
    if (!timingSafeEqual(digest(given), expected)) {
      next(new UnauthorizedError('invalid bearer token', `${REALM}, error="invalid_token"`));
      return;
    }
    next();
  };
}
