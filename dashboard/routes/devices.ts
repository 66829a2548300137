// GET /api/devices/status (live board) and GET /api/devices/:id/latest (newest stored reading).
import type { DevicesStatusBody, LatestBody } from '../../core/dashboard-contract.js';
import type { ApiRouter } from '../api/api-router.js';
import { devicesStatusBody, errorResponses, latestBody } from '../api/schemas.js';
import { NotFoundError } from '../errors.js';
import { deviceIdParams, noQuery } from '../params.js';
import type { RouteDeps } from './deps.js';

export function deviceRoutes(api: ApiRouter, deps: RouteDeps): void {
  api.route(
    {
      method: 'get',
      path: '/api/devices/status',
      summary: 'Every known vehicle: online or offline, last seen',
      tag: 'devices',
      access: { role: 'viewer', vehicle: 'filtered' },
      query: noQuery,
      responses: {
        200: { description: 'keyed by device id', schema: devicesStatusBody },
        ...errorResponses(400, 429),
      },
    },
    ({ access }, _req, res) => {
      const report = deps.board.statusReport(deps.now());
      const body: DevicesStatusBody = access.all
        ? report
        : Object.fromEntries(Object.entries(report).filter(([id]) => access.canSee(id)));
      res.json(body);
    },
  );
  api.route(
    {
      method: 'get',
      path: '/api/devices/:id/latest',
      summary: "A vehicle's newest stored reading",
      tag: 'readings',
      access: { role: 'viewer', vehicle: 'params.id' },
      params: deviceIdParams,
      query: noQuery,
      responses: {
        200: { description: 'the newest reading by device timestamp', schema: latestBody },
        ...errorResponses(400, 404, 429, 503),
      },
    },
    async ({ params }, _req, res) => {
      const latest = await deps.store.get().latest(params.id);
      if (!latest) throw new NotFoundError(`no readings stored for device ${params.id}`);
      const body: LatestBody = {
        device_id: params.id,
        speed: latest.signals.speed?.value as number,
        timestamp: new Date(latest.timestamp).toISOString(),
        seq: latest.seq,
      };
      res.json(body);
    },
  );
}
