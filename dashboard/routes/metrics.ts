// GET /metrics: Prometheus text format of the dashboard's registry (the whole process's under `npm start`).
import type { Registry } from 'prom-client';
import type { ApiRouter } from '../api/api-router.js';
import { errorResponses } from '../api/schemas.js';
import { noQuery } from '../params.js';

/**
 * A read like every GET: public (no token), outside the API's per-address rate limit (it covers
 * /api/ and writes only), so a scraper every few seconds never meets a 429. Not under /api/: the
 * path scrapers look for by default.
 */
export function metricsRoutes(api: ApiRouter, deps: { metrics: Registry }): void {
  api.route(
    {
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics (text exposition format 0.0.4)',
      tag: 'metrics',
      access: { role: 'public', vehicle: 'none' },
      query: noQuery,
      responses: {
        200: {
          description: 'every metric of the process, `telemetry_*` and Node process metrics',
          contentType: 'text/plain; version=0.0.4',
        },
        ...errorResponses(400),
      },
    },
    async (_input, _req, res) => {
      const text = await deps.metrics.metrics();
      res.type(deps.metrics.contentType).set('Cache-Control', 'no-store').send(text);
    },
  );
}
