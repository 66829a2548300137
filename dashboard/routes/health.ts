// GET /api/health: broker and store reachability and the running version; 503 when either is down.
import type { HealthBody } from '../../core/dashboard-contract.js';
import type { ApiRouter } from '../api/api-router.js';
import { errorResponses, healthBody } from '../api/schemas.js';
import { noQuery } from '../params.js';
import type { RouteDeps } from './deps.js';

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

export function healthRoutes(api: ApiRouter, deps: RouteDeps): void {
  api.route(
    {
      method: 'get',
      path: '/api/health',
      summary: 'Broker and store reachability, and the running version',
      tag: 'status',
      access: { role: 'public', vehicle: 'none' },
      query: noQuery,
      responses: {
        200: { description: 'broker connected and store answering', schema: healthBody },
        503: {
          description: 'broker or store down (same body, status degraded)',
          schema: healthBody,
        },
        ...errorResponses(400, 429),
      },
    },
    async (_input, _req, res) => {
      const storeOk = await storeAnswers(deps);
      const brokerOk = deps.brokerConnected();
      const body: HealthBody = {
        status: storeOk && brokerOk ? 'ok' : 'degraded',
        broker: brokerOk ? 'connected' : 'disconnected',
        store: storeOk ? 'ok' : 'unavailable',
        version: deps.version,
      };
      res.status(body.status === 'ok' ? 200 : 503).json(body);
    },
  );
}
