// GET /api/devices/status and /positions (live board) and GET /api/devices/:id/latest (newest stored reading, every signal with its time).
import type {
  DevicesStatusBody,
  LatestBody,
  LatestPosition,
  LatestSignal,
} from '../../core/dashboard-contract.js';
import type { SignalCatalog } from '../../core/signals/catalog.js';
import type { LatestReading } from '../../core/store/types.js';
import type { ApiRouter } from '../api/api-router.js';
import { devicesStatusBody, errorResponses, positionsBody } from '../api/schemas.js';
import { latestBody } from '../api/signal-schemas.js';
import { NotFoundError } from '../errors.js';
import { deviceIdParams, noQuery } from '../params.js';
import type { RouteDeps } from './deps.js';

const iso = (ms: number) => new Date(ms).toISOString();

export function latestOf(latest: LatestReading, catalog: SignalCatalog): LatestBody {
  const signals: Record<string, LatestSignal> = {};
  for (const def of catalog.topLevel) {
    const s = latest.signals[def.key];
    if (s) signals[def.key] = { value: s.value, timestamp: iso(s.time) };
  }
  const { lat, lon } = latest.signals;
  let position: LatestPosition | null = null;
  if (lat && lon && typeof lat.value === 'number' && typeof lon.value === 'number') {
    const fix: Record<string, number> = {};
    for (const def of catalog.position) {
      const v = latest.signals[def.key];
      // The store keeps a fix's keys together; one from another time is not this fix's.
      if (typeof v?.value === 'number' && v.time === lat.time) fix[def.key] = v.value;
    }
    position = { ...(fix as { lat: number; lon: number }), timestamp: iso(lat.time) };
  }
  const speed = latest.signals.speed?.value;
  return {
    device_id: latest.deviceId,
    speed: typeof speed === 'number' ? speed : null,
    timestamp: iso(latest.timestamp),
    seq: latest.seq,
    signals,
    position,
  };
}

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
      path: '/api/devices/positions',
      summary:
        "Every vehicle's newest usable fix (lat, lon, heading), status and speed: the live map",
      tag: 'devices',
      access: { role: 'viewer', vehicle: 'filtered' },
      query: noQuery,
      responses: {
        200: { description: 'by device id', schema: positionsBody },
        ...errorResponses(400, 429),
      },
    },
    ({ access }, _req, res) => {
      res.json(deps.board.positions(deps.now(), (id) => access.all || access.canSee(id)));
    },
  );
  api.route(
    {
      method: 'get',
      path: '/api/devices/:id/latest',
      summary:
        "A vehicle's newest stored reading (seq, timestamp, speed as before) and every signal's newest value with its own time, and the newest valid fix",
      tag: 'readings',
      access: { role: 'viewer', vehicle: 'params.id' },
      params: deviceIdParams,
      query: noQuery,
      responses: {
        200: {
          description: 'the newest reading by device timestamp, every signal, the newest valid fix',
          schema: latestBody(deps.catalog),
        },
        ...errorResponses(400, 404, 429, 503),
      },
    },
    async ({ params }, _req, res) => {
      const latest = await deps.store.get().latest(params.id);
      if (!latest) throw new NotFoundError(`no readings stored for device ${params.id}`);
      res.json(latestOf({ ...latest, deviceId: params.id }, deps.catalog));
    },
  );
}
