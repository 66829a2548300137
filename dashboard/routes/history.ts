// GET /api/devices/:id/history: validated range, downsampled by the store (from its rollup tiers) to at most `points` windows.
import type { HistoryBody } from '../../core/dashboard-contract.js';
import type { ApiRouter } from '../api/api-router.js';
import { errorResponses, historyBody } from '../api/schemas.js';
import { NotFoundError } from '../errors.js';
import { deviceIdParams, historyQuerySchema, historyRange } from '../params.js';
import type { RouteDeps } from './deps.js';

const round2 = (n: number): number => Math.round(n * 100) / 100;

export function historyRoutes(api: ApiRouter, deps: RouteDeps): void {
  api.route(
    {
      method: 'get',
      path: '/api/devices/:id/history',
      summary:
        'Speed history in epoch-aligned windows (mean, min, max, count), up to 400 days, from the coarsest rollup tier that gives the window',
      tag: 'readings',
      access: { role: 'viewer', vehicle: 'params.id' },
      params: deviceIdParams,
      query: historyQuerySchema,
      responses: {
        200: {
          description: 'windows with at least one reading, in time order',
          schema: historyBody,
        },
        ...errorResponses(400, 404, 429, 503),
      },
    },
    async ({ params, query }, _req, res) => {
      const deviceId = params.id;
      const now = deps.now();
      const range = historyRange(query, now);
      const store = deps.store.get();
      // Known: seen live (even status only) or has stored readings. Anything else is a 404, not `[]`.
      if (!deps.board.has(deviceId) && (await store.latest(deviceId)) === undefined) {
        throw new NotFoundError(`unknown device ${deviceId}`);
      }
      const result = await store.history({
        deviceId,
        from: range.from,
        to: range.to,
        maxPoints: range.points,
        now,
      });
      const body: HistoryBody = {
        device_id: deviceId,
        from: new Date(range.from).toISOString(),
        to: new Date(range.to).toISOString(),
        window_ms: result.windowMs,
        data_points: result.points.map((p) => ({
          timestamp: new Date(p.timestamp).toISOString(),
          speed: round2(p.mean),
          min: p.min,
          max: p.max,
          count: p.count,
        })),
      };
      res.json(body);
    },
  );
}
