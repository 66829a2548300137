// Typed HTTP errors that carry their response, and the one Express error handler that maps them.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ErrorCode } from '../core/dashboard-contract.js';
import type { Logger } from '../core/log.js';

/** Every non-2xx answer of the server: exactly these two keys. */
export interface ApiErrorBody {
  error: ErrorCode;
  message: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    /** Response headers the status calls for (WWW-Authenticate, Allow). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }

  get body(): ApiErrorBody {
    return { error: this.code, message: this.message };
  }
}

export class InvalidParameterError extends HttpError {
  constructor(message: string) {
    super(400, 'invalid_parameter', message);
  }
}

export class NotFoundError extends HttpError {
  constructor(message: string) {
    super(404, 'not_found', message);
  }
}

/** 409: the vehicle already has MAX_PENDING_COMMANDS commands waiting. */
export class TooManyPendingError extends HttpError {
  constructor(message: string) {
    super(409, 'too_many_pending', message);
  }
}

export class StoreUnavailableError extends HttpError {
  constructor() {
    super(503, 'store_unavailable', 'the telemetry store is not reachable yet; retrying');
  }
}

/** 401: no or a wrong bearer token (RFC 6750 challenge in WWW-Authenticate). */
export class UnauthorizedError extends HttpError {
  constructor(message: string, challenge: string) {
    super(401, 'unauthorized', message, { 'WWW-Authenticate': challenge });
  }
}

/** 403: the request can never succeed here (writes with no API token configured). */
export class ForbiddenError extends HttpError {
  constructor(message: string) {
    super(403, 'forbidden', message);
  }
}

/**
 * A request path as it may appear in a message: the raw (still %-encoded) path, cut to 200
 * characters, anything but URL-safe characters shown as `?`: a reflected path stays inert text.
 */
export function pathForMessage(originalUrl: string): string {
  const path = originalUrl.split('?')[0] ?? '';
  return path.slice(0, 200).replace(/[^\w\-./~%:@!$&'()*+,;=]/g, '?');
}

/** A parameter name as it may appear in a message: word characters only (others as `?`), cut to 40. */
export function nameForMessage(name: string): string {
  return name.slice(0, 40).replace(/[^\w.-]/g, '?');
}

export class MethodNotAllowedError extends HttpError {
  constructor(method: string, originalUrl: string, allow: readonly string[]) {
    super(
      405,
      'method_not_allowed',
      `${method} is not allowed on ${pathForMessage(originalUrl)}; allowed: ${allow.join(', ')}`,
      { Allow: allow.join(', ') },
    );
  }
}

/** 409: a name already taken, the last admin, … */
export class ConflictError extends HttpError {
  constructor(message: string) {
    super(409, 'conflict', message);
  }
}

/** 429: sign-in locked after too many failed attempts (per name or per address). */
export class LockedOutError extends HttpError {
  constructor(retryAfterS: number) {
    super(429, 'rate_limited', `too many failed sign-ins; try again in ${retryAfterS} s`, {
      'Retry-After': String(retryAfterS),
    });
  }
}

export class RateLimitedError extends HttpError {
  constructor(limitPerMin: number) {
    super(
      429,
      'rate_limited',
      `too many requests from this address: at most ${limitPerMin} per minute; see Retry-After`,
    );
  }
}

/** Unmatched routes answer JSON, like every other error. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`no route ${req.method} ${pathForMessage(req.originalUrl)}`));
};

/**
 * Express's and body-parser's own errors (a malformed %-escape in the path, a bad JSON body, one
 * over the size limit) carry a 4xx `status`; their messages may quote internals, so only the
 * status is kept.
 */
function clientErrorStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const status = (err as { status?: unknown }).status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

function clientErrorBody(status: number): ApiErrorBody {
  if (status === 413) return { error: 'payload_too_large', message: 'request body too large' };
  return { error: 'bad_request', message: 'malformed request' };
}

/** Maps every error to `{error, message}`; never sends a stack trace or an internal message. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    let status: number;
    let body: ApiErrorBody;
    const clientStatus = clientErrorStatus(err);
    if (err instanceof HttpError) {
      status = err.status;
      body = err.body;
      res.set(err.headers);
    } else if (clientStatus !== undefined) {
      status = clientStatus;
      body = clientErrorBody(status);
    } else {
      log.error({ err, path: req.path }, 'request failed');
      status = 500;
      body = { error: 'internal', message: 'internal server error' };
    }
    res.status(status).json(body);
  };
}
