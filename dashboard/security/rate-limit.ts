// Per-address request limit (express-rate-limit) on the API and on every request that is not a read.
import type { Request, RequestHandler } from 'express';
import { MemoryStore, rateLimit } from 'express-rate-limit';
import type { Logger } from '../../core/log.js';
import { RateLimitedError } from '../errors.js';
import { READ_METHODS } from './cors.js';

export interface ApiRateLimit {
  middleware: RequestHandler;
  /** Stops the store's cleanup timer. */
  stop: () => void;
}

const inScope = (req: Request): boolean =>
  req.path === '/api' || req.path.startsWith('/api/') || !READ_METHODS.has(req.method);

/**
 * A fixed one-minute window per client address. The key is the library's default: req.ip (so
 * the app's "trust proxy" decides the address) with IPv6 grouped by /56, the rule
 * client-address.ts gives the socket limit too. The page, its scripts and the Socket.IO
 * transport are outside it (the socket limit bounds those). Answers over the limit go through
 * the one error handler (429 `{error, message}`) after the library has set `Retry-After` and the
 * draft-7 `RateLimit`/`RateLimit-Policy` headers. Its configuration checks (e.g. an
 * X-Forwarded-For header while trust proxy is off: every client behind that proxy would share
 * one limit) are logged through our logger.
 */
export function apiRateLimit(limitPerMin: number, log: Logger): ApiRateLimit {
  const store = new MemoryStore();
  const limiter = rateLimit({
    windowMs: 60_000,
    limit: limitPerMin,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    store,
    handler: (_req, _res, next) => next(new RateLimitedError(limitPerMin)),
    logger: {
      warn: (err, message) => log.warn({ err }, message ?? 'rate limit configuration'),
      error: (err, message) => log.error({ err }, message ?? 'rate limit configuration'),
    },
  });
  return {
    middleware: (req, res, next) => (inScope(req) ? limiter(req, res, next) : next()),
    stop: () => store.shutdown(),
  };
}
