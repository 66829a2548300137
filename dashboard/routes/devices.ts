// GET /api/devices/status (live board) and GET /api/devices/:id/latest (newest stored reading).
import { Router } from 'express';
import type { DevicesStatusBody, LatestBody } from '../../core/dashboard-contract.js';
import { NotFoundError } from '../errors.js';
import { parseDeviceId, parseNoQuery } from '../params.js';
import type { RouteDeps } from './deps.js';
import { readOnlyRoute } from './read-only.js';

export function deviceRoutes(deps: RouteDeps): Router {
  const router = Router();
  readOnlyRoute(router, '/api/devices/status', (req, res) => {
    parseNoQuery(req.query);
    const body: DevicesStatusBody = deps.board.statusReport(deps.now());
    res.json(body);
  });
  readOnlyRoute(router, '/api/devices/:id/latest', async (req, res) => {
    const deviceId = parseDeviceId(req.params.id);
    parseNoQuery(req.query);
    const latest = await deps.store.get().latest(deviceId);
    if (!latest) throw new NotFoundError(`no readings stored for device ${deviceId}`);
    const body: LatestBody = {
      device_id: deviceId,
      speed: latest.speed,
      timestamp: new Date(latest.timestamp).toISOString(),
      seq: latest.seq,
    };
    res.json(body);
  });
  return router;
}
