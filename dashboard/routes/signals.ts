// GET /api/signals: the signal catalog in force (built-in signals, then SIGNALS_FILE's), as every other route names its signals.
import type { ApiRouter } from '../api/api-router.js';
import { errorResponses } from '../api/schemas.js';
import { signalInfo, signalsBody } from '../api/signal-schemas.js';
import { noQuery } from '../params.js';
import type { RouteDeps } from './deps.js';

export function signalRoutes(api: ApiRouter, deps: RouteDeps): void {
  const body = deps.catalog.signals.map(signalInfo);
  api.route(
    {
      method: 'get',
      path: '/api/signals',
      summary:
        'The signal catalog in force, in catalog order (the order of CSV columns): built-in signals, then those of SIGNALS_FILE',
      tag: 'readings',
      access: { role: 'viewer', vehicle: 'none' },
      query: noQuery,
      responses: {
        200: { description: 'one entry per signal', schema: signalsBody(deps.catalog) },
        ...errorResponses(400, 429),
      },
    },
    (_input, _req, res) => {
      res.json(body);
    },
  );
}
