// GET/POST /api/geofences, GET/PUT/DELETE /api/geofences/:id (writes: bearer): the zones the collectors test positions against.
import { z } from 'zod';
import { geofenceInput } from '../../geofences/entry.js';
import type { ApiRouter } from '../api/api-router.js';
import { geofenceBody, geofencesBody } from '../api/geo-schemas.js';
import { errorResponses } from '../api/schemas.js';
import { NotFoundError } from '../errors.js';
import { noQuery } from '../params.js';
import type { RouteDeps } from './deps.js';
import { geoOf } from './geo-vehicle.js';

/** A 10,000-vertex polygon is ~400 kB of JSON; a larger body is refused (400) before it is parsed. */
export const GEOFENCE_BODY_LIMIT = '2mb';
export const GEOFENCE_TOO_LARGE =
  'the body is larger than 2 MB (a geofence has at most 10,000 vertices)';

const idParams = z.object({
  id: z
    .string()
    .regex(/^[1-9]\d{0,14}$/, 'geofence id must be a positive integer')
    .transform(Number),
});

const body = {
  bodyLimit: GEOFENCE_BODY_LIMIT,
  bodyTooLarge: GEOFENCE_TOO_LARGE,
};

export function geofenceRoutes(api: ApiRouter, deps: RouteDeps): void {
  api.route(
    {
      method: 'get',
      path: '/api/geofences',
      summary: 'Every geofence (circles and GeoJSON polygons), by id',
      tag: 'geofences',
      access: { role: 'viewer', vehicle: 'none' },
      query: noQuery,
      responses: {
        200: { description: 'by id', schema: geofencesBody },
        ...errorResponses(400, 429, 503),
      },
    },
    async (_input, _req, res) => {
      res.json(await geoOf(deps).list());
    },
  );
  api.route(
    {
      method: 'post',
      path: '/api/geofences',
      summary:
        'Add a geofence: {name, shape, speed_limit_kmh?}; shape {"type":"circle","center":[lon,lat],"radius_m":150} or a GeoJSON Polygon; a hostile shape (self-intersecting, over 10,000 vertices, out of range) is a 400 with the reason; the collectors follow within seconds',
      tag: 'geofences',
      access: { role: 'admin', vehicle: 'none' },
      query: noQuery,
      body: geofenceInput,
      ...body,
      responses: {
        201: { description: 'added', schema: geofenceBody },
        ...errorResponses(400, 401, 403, 409, 429, 503),
      },
    },
    async ({ body: input, audit }, _req, res) => {
      const g = await geoOf(deps).create(input);
      audit('geofence_create', `${g.id} ${g.name}`);
      res.status(201).json(g);
    },
  );
  api.route(
    {
      method: 'get',
      path: '/api/geofences/:id',
      summary: 'One geofence',
      tag: 'geofences',
      access: { role: 'viewer', vehicle: 'none' },
      params: idParams,
      query: noQuery,
      responses: {
        200: { description: 'the geofence', schema: geofenceBody },
        ...errorResponses(400, 404, 429, 503),
      },
    },
    async ({ params }, _req, res) => {
      const g = await geoOf(deps).get(params.id);
      if (!g) throw new NotFoundError(`no geofence ${params.id}`);
      res.json(g);
    },
  );
  api.route(
    {
      method: 'put',
      path: '/api/geofences/:id',
      summary: 'Replace a geofence (name, shape, speed_limit_kmh); checked as on POST',
      tag: 'geofences',
      access: { role: 'admin', vehicle: 'none' },
      params: idParams,
      query: noQuery,
      body: geofenceInput,
      ...body,
      responses: {
        200: { description: 'replaced', schema: geofenceBody },
        ...errorResponses(400, 401, 403, 404, 409, 429, 503),
      },
    },
    async ({ params, body: input, audit }, _req, res) => {
      const g = await geoOf(deps).update(params.id, input);
      if (!g) throw new NotFoundError(`no geofence ${params.id}`);
      audit('geofence_update', `${g.id} ${g.name}`);
      res.json(g);
    },
  );
  api.route(
    {
      method: 'delete',
      path: '/api/geofences/:id',
      summary: 'Remove a geofence (its past events are kept)',
      tag: 'geofences',
      access: { role: 'admin', vehicle: 'none' },
      params: idParams,
      query: noQuery,
      responses: {
        204: { description: 'removed' },
        ...errorResponses(400, 401, 403, 404, 409, 429, 503),
      },
    },
    async ({ params, audit }, _req, res) => {
      if (!(await geoOf(deps).remove(params.id))) {
        throw new NotFoundError(`no geofence ${params.id}`);
      }
      audit('geofence_delete', String(params.id));
      res.status(204).end();
    },
  );
}
