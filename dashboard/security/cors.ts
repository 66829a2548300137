// CORS for the read-only API: `*` or exact origins may read (GET/HEAD); nothing else is ever allowed cross-origin.
import type { RequestHandler } from 'express';
import type { CorsOrigins } from './settings.js';

/** Methods that only read: the only ones CORS allows and the only ones without a token. */
export const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);
const ALLOWED_METHODS = 'GET, HEAD';
/** Headers a cross-origin script may read besides the CORS-safelisted ones. */
const EXPOSED = 'RateLimit, RateLimit-Policy, Retry-After';

/**
 * Why our own 30 lines and not the `cors` package: the policy is fixed (reads only, no
 * credentials, no custom request headers), and this states it completely; the package's options
 * would have to be set so that they say the same and nothing more.
 *
 * A disallowed origin gets no CORS headers (the browser then hides the answer); a preflight
 * ends here with 204 either way, so it never reaches the write guard or a route.
 */
export function corsForReads(origins: CorsOrigins): RequestHandler {
  const allowed = (origin: string) => origins === '*' || origins.has(origin);
  return (req, res, next) => {
    if (origins !== '*') res.vary('Origin');
    const origin = req.get('origin');
    if (origin === undefined) {
      next();
      return;
    }
    const preflightFor =
      req.method === 'OPTIONS' ? req.get('access-control-request-method') : undefined;
    const allowOrigin = origins === '*' ? '*' : origin;
    if (preflightFor !== undefined) {
      if (allowed(origin) && READ_METHODS.has(preflightFor) && preflightFor !== 'OPTIONS') {
        res.set({
          'Access-Control-Allow-Origin': allowOrigin,
          'Access-Control-Allow-Methods': ALLOWED_METHODS,
          'Access-Control-Max-Age': '600',
        });
      }
      res.status(204).end();
      return;
    }
    if (allowed(origin) && (req.method === 'GET' || req.method === 'HEAD')) {
      res.set({
        'Access-Control-Allow-Origin': allowOrigin,
        'Access-Control-Expose-Headers': EXPOSED,
      });
    }
    next();
  };
}
