// Read-only routes: GET (and HEAD) answer; any other method on the same path is a 405 with Allow, OPTIONS a 204.
import type { RequestHandler, Router } from 'express';
import { MethodNotAllowedError } from '../errors.js';

const ALLOW = ['GET', 'HEAD', 'OPTIONS'] as const;

/** Registers `handler` for GET (Express answers HEAD with it) and the 405 for everything else. */
export function readOnlyRoute(router: Router, path: string, handler: RequestHandler): void {
  router
    .route(path)
    .get(handler)
    .all((req, res) => {
      if (req.method === 'OPTIONS') {
        res.set('Allow', ALLOW.join(', ')).status(204).end();
        return;
      }
      throw new MethodNotAllowedError(req.method, req.originalUrl, ALLOW);
    });
}
