// GET /api/devices (registry + live state), PUT and DELETE /api/devices/:id (bearer): the device registry.
import { z } from 'zod';
import type { DeviceListEntry, DevicesStatusBody } from '../../core/dashboard-contract.js';
import type { RegistryEntry } from '../../registry/entry.js';
import {
  imeiSchema,
  nameSchema,
  plateSchema,
  protocolSchema,
  speedLimitSchema,
} from '../../registry/entry.js';
import { RegistryConflictError } from '../../registry/registry-store.js';
import type { ApiRouter } from '../api/api-router.js';
import { deviceListBody, deviceListEntry, errorResponses } from '../api/schemas.js';
import { HttpError, NotFoundError } from '../errors.js';
import { deviceIdParams, noQuery } from '../params.js';
import type { RouteDeps } from './deps.js';

/** Every field optional: one left out keeps its value; null clears it. */
const putBody = z.strictObject(
  {
    name: nameSchema.nullable().optional(),
    plate: plateSchema.nullable().optional(),
    speed_limit_kmh: speedLimitSchema.nullable().optional(),
    imei: imeiSchema.nullable().optional(),
    protocol: protocolSchema.nullable().optional(),
  },
  { error: (i) => (i.code === 'invalid_type' ? 'the body must be a JSON object' : undefined) },
);

const unregistered = (deviceId: string): RegistryEntry => ({
  device_id: deviceId,
  name: null,
  plate: null,
  speed_limit_kmh: null,
});

/** `report`: the board's status report, built once per request (one per entry was O(n²)). */
function withLiveState(
  entry: RegistryEntry,
  registered: boolean,
  report: DevicesStatusBody,
): DeviceListEntry {
  const live = report[entry.device_id];
  return {
    ...entry,
    registered,
    status: live?.status ?? 'offline',
    last_seen: live?.last_seen ?? null,
  };
}

export function registryRoutes(api: ApiRouter, deps: RouteDeps): void {
  api.route(
    {
      method: 'get',
      path: '/api/devices',
      summary:
        'Every registered vehicle and every vehicle seen (live or in the store) but not registered (registered: false), with its live state',
      tag: 'registry',
      access: { role: 'viewer', vehicle: 'filtered' },
      query: noQuery,
      responses: {
        200: { description: 'by device_id', schema: deviceListBody },
        ...errorResponses(400, 429),
      },
    },
    async ({ access }, _req, res) => {
      const registered = access.filter(await deps.registry.list(), (e) => e.device_id);
      const byId = new Map(registered.map((e) => [e.device_id, e]));
      // The board holds every vehicle heard live or stored (seeded from the store when it opens).
      const report = deps.board.statusReport(deps.now());
      const ids = [...new Set([...byId.keys(), ...Object.keys(report)])]
        .filter((id) => access.canSee(id))
        .sort();
      const body: DeviceListEntry[] = ids.map((id) => {
        const entry = byId.get(id);
        return withLiveState(entry ?? unregistered(id), entry !== undefined, report);
      });
      res.json(body);
    },
  );
  api.route(
    {
      method: 'put',
      path: '/api/devices/:id',
      summary:
        "Register a vehicle or update it: a field left out keeps its value, null clears it; followers (the collector, the gateway) get the change within seconds. 409 when the imei is already another device's",
      tag: 'registry',
      access: { role: 'admin', vehicle: 'params.id' },
      params: deviceIdParams,
      query: noQuery,
      body: putBody,
      responses: {
        200: { description: 'updated', schema: deviceListEntry },
        201: { description: 'registered', schema: deviceListEntry },
        ...errorResponses(400, 401, 403, 409, 413, 429),
      },
    },
    async ({ params, body, audit }, _req, res) => {
      const { entry, created } = await deps.registry.put(params.id, body).catch((err: unknown) => {
        if (err instanceof RegistryConflictError) throw new HttpError(409, 'conflict', err.message);
        throw err;
      });
      audit('device_register', `${params.id} ${JSON.stringify(body)}`);
      res
        .status(created ? 201 : 200)
        .json(withLiveState(entry, true, deps.board.statusReport(deps.now())));
    },
  );
  api.route(
    {
      method: 'delete',
      path: '/api/devices/:id',
      summary: 'Unregister a vehicle (its stored readings are kept)',
      tag: 'registry',
      access: { role: 'admin', vehicle: 'params.id' },
      params: deviceIdParams,
      query: noQuery,
      responses: {
        204: { description: 'unregistered' },
        ...errorResponses(400, 401, 403, 404, 409, 429),
      },
    },
    async ({ params, audit }, _req, res) => {
      if (!(await deps.registry.remove(params.id))) {
        throw new NotFoundError(`device ${params.id} is not registered`);
      }
      audit('device_unregister', params.id);
      res.status(204).end();
    },
  );
}
