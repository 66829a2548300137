// GET /api/devices/:id/history: validated range, downsampled by the store to at most `points` windows.
import { Router } from 'express';
import type { HistoryBody } from '../../core/dashboard-contract.js';
import { NotFoundError } from '../errors.js';
import { parseDeviceId, parseHistoryQuery } from '../params.js';
import type { RouteDeps } from './deps.js';
import { readOnlyRoute } from './read-only.js';

const round2 = (n: number): number => Math.round(n * 100) / 100;

export function historyRoutes(deps: RouteDeps): Router {
  const router = Router();
  readOnlyRoute(router, '/api/devices/:id/history', async (req, res) => {
    const deviceId = parseDeviceId(req.params.id);
    const now = deps.now();
    const range = parseHistoryQuery(req.query, now);
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
  });
  return router;
}
