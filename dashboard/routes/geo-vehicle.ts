// GET /api/devices/:id/track, /trips and /stops: a vehicle's track (GeoJSON), trips and stops, JSON or CSV.
import type { GeoRecord } from '../../core/store/geo-store.js';
import { type Stop, stopView, type Trip, tripView } from '../../geo/records.js';
import type { ApiRouter } from '../api/api-router.js';
import { stopsBody, trackBody, tripsBody } from '../api/geo-schemas.js';
import { errorResponses } from '../api/schemas.js';
import { NotFoundError, StoreUnavailableError } from '../errors.js';
import { sendCsv } from '../geo/csv.js';
import type { DashboardGeo } from '../geo/dashboard-geo.js';
import { MAX_ROWS, rangeQuery, timeRange, trackQuery } from '../geo/geo-params.js';
import { vehicleTrack } from '../geo/track-route.js';
import { deviceIdParams } from '../params.js';
import type { RouteDeps } from './deps.js';

export const TRIP_CSV_COLUMNS = [
  'start',
  'end',
  'start_lon',
  'start_lat',
  'end_lon',
  'end_lat',
  'distance_km',
  'duration_s',
  'max_speed_kmh',
  'avg_speed_kmh',
  'idle_s',
  'harsh_accel',
  'harsh_brake',
  'harsh_corner',
  'score',
] as const;
export const STOP_CSV_COLUMNS = [
  'start',
  'end',
  'lon',
  'lat',
  'duration_s',
  'ignition_on_s',
] as const;

export function geoOf(deps: RouteDeps): DashboardGeo {
  if (!deps.geo) throw new StoreUnavailableError();
  return deps.geo;
}

/** Known: seen live, registered, or with stored readings; anything else is a 404, as on /readings. */
export async function knownVehicle(deps: RouteDeps, deviceId: string): Promise<void> {
  if (deps.board.has(deviceId)) return;
  if ((await deps.registry.get(deviceId)) !== undefined) return;
  if ((await deps.store.get().latest(deviceId)) !== undefined) return;
  throw new NotFoundError(`unknown device ${deviceId}`);
}

const tripRows = (records: readonly GeoRecord[]) =>
  records.map((r) => tripView(r.body as unknown as Trip));
const stopRows = (records: readonly GeoRecord[]) =>
  records.map((r) => stopView(r.body as unknown as Stop));

export function geoVehicleRoutes(api: ApiRouter, deps: RouteDeps): void {
  api.route(
    {
      method: 'get',
      path: '/api/devices/:id/track',
      summary:
        "The vehicle's valid fixes as GeoJSON LineStrings, split at silences over TRIP_MAX_GAP_S and at invalid fixes, thinned on the server to max_points (default 2000); default range: the last 24 h",
      tag: 'trips',
      access: { role: 'viewer', vehicle: 'params.id' },
      params: deviceIdParams,
      query: trackQuery,
      responses: {
        200: { description: 'a FeatureCollection', schema: trackBody },
        ...errorResponses(400, 404, 429, 503),
      },
    },
    async ({ params, query }, _req, res) => {
      const geo = geoOf(deps);
      await knownVehicle(deps, params.id);
      const range = timeRange(query, deps.now(), 86_400_000);
      const maxPoints = query.max_points === undefined ? 2000 : Number(query.max_points);
      const maxGapMs = geo.config.tripMaxGapS * 1000;
      const store = deps.store.get();
      const o = { maxPoints, maxGapMs };
      res.json(await vehicleTrack(store, geo.link.get(), params.id, range, o));
    },
  );
  for (const kind of ['trips', 'stops'] as const) {
    api.route(
      {
        method: 'get',
        path: `/api/devices/:id/${kind}`,
        summary:
          kind === 'trips'
            ? 'Trips overlapping from..to (default: the last 7 days), oldest first, computed at ingest; format=csv for a file'
            : 'Stops between trips overlapping from..to (default: the last 7 days), oldest first; format=csv for a file',
        tag: 'trips',
        access: { role: 'viewer', vehicle: 'params.id' },
        params: deviceIdParams,
        query: rangeQuery,
        responses: {
          200: {
            description: `at most limit (default ${MAX_ROWS}) ${kind}`,
            schema: kind === 'trips' ? tripsBody : stopsBody,
            alsoAs: ['text/csv'],
          },
          ...errorResponses(400, 404, 429, 503),
        },
      },
      async ({ params, query }, _req, res) => {
        const geo = geoOf(deps);
        await knownVehicle(deps, params.id);
        const { from, to } = timeRange(query, deps.now());
        const q = { deviceId: params.id, from, to, limit: Number(query.limit ?? MAX_ROWS) };
        const store = geo.link.get();
        if (kind === 'trips') {
          const rows = tripRows(await store.trips(q));
          if (query.format !== 'csv') return void res.json(rows);
          sendCsv(
            res,
            `${params.id}-trips`,
            TRIP_CSV_COLUMNS,
            rows.map((t) => ({
              ...t,
              start_lon: t.start_position[0],
              start_lat: t.start_position[1],
              end_lon: t.end_position[0],
              end_lat: t.end_position[1],
            })),
          );
          return;
        }
        const rows = stopRows(await store.stops(q));
        if (query.format !== 'csv') return void res.json(rows);
        sendCsv(
          res,
          `${params.id}-stops`,
          STOP_CSV_COLUMNS,
          rows.map((s) => ({ ...s, lon: s.position[0], lat: s.position[1] })),
        );
      },
    );
  }
}
