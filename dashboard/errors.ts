// Typed HTTP errors that carry their response, and the one Express error handler that maps them.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { ErrorBody, ErrorCode } from '../core/dashboard-contract.js';
import type { Logger } from '../core/log.js';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }

  get body(): ErrorBody {
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

export class StoreUnavailableError extends HttpError {
  constructor() {
    super(503, 'store_unavailable', 'the telemetry store is not reachable yet; retrying');
  }
}

/** Unmatched routes under /api answer JSON, like every other API error. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  const path = req.originalUrl.split('?')[0] ?? '';
  next(new NotFoundError(`no route ${req.method} ${path.slice(0, 200)}`));
};

/** Express's own errors (a malformed %-escape in the path, …) carry a 4xx `status`. */
function clientErrorStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const status = (err as { status?: unknown }).status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : undefined;
}

/** Maps every error to `{error, message}`; never sends a stack trace. */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    let status: number;
    let body: ErrorBody;
    const clientStatus = clientErrorStatus(err);
    if (err instanceof HttpError) {
      status = err.status;
      body = err.body;
    } else if (clientStatus !== undefined) {
      status = clientStatus;
      body = { error: 'bad_request', message: 'malformed request' };
    } else {
      log.error({ err, path: req.path }, 'request failed');
      status = 500;
      body = { error: 'internal', message: 'internal server error' };
    }
    res.status(status).json(body);
  };
}
