// GET /api/devices/:id/history: validated range, downsampled by the store (from its rollup tiers) to at most `points` windows; speed in its original shape, or any signal with `signal=`.
import { z } from 'zod';
import type { HistoryBody, SignalHistoryBody } from '../../core/dashboard-contract.js';
import type { SignalCatalog } from '../../core/signals/catalog.js';
import type { ApiRouter } from '../api/api-router.js';
import { errorResponses, historyBody } from '../api/schemas.js';
import { signalHistoryBody } from '../api/signal-schemas.js';
import { NotFoundError, nameForMessage } from '../errors.js';
import { deviceIdParams, historyQuerySchema, historyRange, one } from '../params.js';
import type { RouteDeps } from './deps.js';

const round2 = (n: number): number => Math.round(n * 100) / 100;

/** `signal=`: a name (`position.alt`) or key (`alt`) of the catalog; the whole position is not one. */
function signalParam(catalog: SignalCatalog) {
  const allowed = [...new Set([...catalog.signals.map((s) => s.name), ...catalog.keys])];
  return one('signal must appear once')
    .pipe(
      z.enum(allowed as [string, ...string[]], {
        error: (issue) => {
          if (issue.input === '') return 'signal must name one signal (see GET /api/signals)';
          if (issue.input === 'position') {
            return 'signal=position names a group: ask for one of its signals (position.lat, position.lon, …)';
          }
          return `unknown signal: ${nameForMessage(String(issue.input))} (see GET /api/signals)`;
        },
      }),
    )
    .optional()
    .describe(
      `one signal of GET /api/signals: ${catalog.signals.map((s) => s.name).join(', ')}; without it, speed in the original shape {timestamp, speed, min, max, count}`,
    );
}

export function historyRoutes(api: ApiRouter, deps: RouteDeps): void {
  const catalog = deps.catalog;
  api.route(
    {
      method: 'get',
      path: '/api/devices/:id/history',
      summary:
        'Speed (or, with signal=, any signal) in epoch-aligned windows (mean, min, max, count), up to 400 days, from the coarsest rollup tier that gives the window',
      tag: 'readings',
      access: { role: 'viewer', vehicle: 'params.id' },
      params: deviceIdParams,
      query: historyQuerySchema.extend({ signal: signalParam(catalog) }),
      responses: {
        200: {
          description:
            'windows with at least one reading, in time order: without signal {timestamp, speed, min, max, count} each (speed: the mean, 2 decimals); with signal {timestamp, mean, min, max, count} (a boolean signal: mean is the fraction true)',
          schema: z.union([historyBody, signalHistoryBody(catalog)]),
        },
        ...errorResponses(400, 404, 429, 503),
      },
    },
    async ({ params, query }, _req, res) => {
      const deviceId = params.id;
      const now = deps.now();
      const range = historyRange(query, now);
      const def = query.signal === undefined ? undefined : catalog.find(query.signal);
      const store = deps.store.get();
      // Known: seen live (even status only) or has stored readings. Anything else is a 404, not `[]`.
      if (!deps.board.has(deviceId) && (await store.latest(deviceId)) === undefined) {
        throw new NotFoundError(`unknown device ${deviceId}`);
      }
      const result = await store.history({
        deviceId,
        signal: def?.key,
        from: range.from,
        to: range.to,
        maxPoints: range.points,
        now,
      });
      const from = new Date(range.from).toISOString();
      const to = new Date(range.to).toISOString();
      if (def) {
        const body: SignalHistoryBody = {
          device_id: deviceId,
          signal: def.name,
          unit: def.unit,
          from,
          to,
          window_ms: result.windowMs,
          data_points: result.points.map((p) => ({
            timestamp: new Date(p.timestamp).toISOString(),
            mean: p.mean,
            min: p.min,
            max: p.max,
            count: p.count,
          })),
        };
        res.json(body);
        return;
      }
      const body: HistoryBody = {
        device_id: deviceId,
        from,
        to,
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
