// GET /api/health: broker and store reachability and the running version; 503 when either is down.
import { Router } from 'express';
import type { HealthBody } from '../../core/dashboard-contract.js';
import { parseNoQuery } from '../params.js';
import type { RouteDeps } from './deps.js';
import { readOnlyRoute } from './read-only.js';

const PING_TIMEOUT_MS = 2000;

async function storeAnswers(deps: RouteDeps): Promise<boolean> {
  if (!deps.store.available) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
  });
  try {
    return await Promise.race([deps.store.get().ping(), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(deps: RouteDeps): Router {
  const router = Router();
  readOnlyRoute(router, '/api/health', async (req, res) => {
    parseNoQuery(req.query);
    const storeOk = await storeAnswers(deps);
    const brokerOk = deps.brokerConnected();
    const body: HealthBody = {
      status: storeOk && brokerOk ? 'ok' : 'degraded',
      broker: brokerOk ? 'connected' : 'disconnected',
      store: storeOk ? 'ok' : 'unavailable',
      version: deps.version,
    };
    res.status(body.status === 'ok' ? 200 : 503).json(body);
  });
  return router;
}
