// GET /api/reports/summary (per vehicle and day, or per vehicle over the range) and GET /api/events: JSON or CSV.
import { eventBody } from '../../core/geo-wire.js';
import { emptyAcc, SUMMARY_COLUMNS, type Summary, summaryRow } from '../../geo/report.js';
import type { ApiRouter } from '../api/api-router.js';
import { eventsBody, summaryBody } from '../api/geo-schemas.js';
import { errorResponses } from '../api/schemas.js';
import { sendCsv } from '../geo/csv.js';
import {
  dayRange,
  eventsQuery,
  listOf,
  MAX_ROWS,
  summaryQuery,
  timeRange,
} from '../geo/geo-params.js';
import type { RouteDeps } from './deps.js';
import { geoOf } from './geo-vehicle.js';

export const EVENT_CSV_COLUMNS = ['id', 'device_id', 'type', 'time', 'geofence_id', 'details'];

export function geoReportRoutes(api: ApiRouter, deps: RouteDeps): void {
  api.route(
    {
      method: 'get',
      path: '/api/reports/summary',
      summary:
        'Per vehicle and UTC day (group_by=day, the default) or per vehicle over the days (none): distance, driving, idle, stopped, speeds, overspeed, fuel, trips, harsh events, score; from/to are days or date-times (default: the last 7 days); device_id: one or more, comma-separated',
      tag: 'reports',
      access: { role: 'viewer', vehicle: 'filtered' },
      query: summaryQuery,
      responses: {
        200: {
          description:
            'by device_id, then day; figures summed from the trips and stops of each day',
          schema: summaryBody,
          alsoAs: ['text/csv'],
        },
        ...errorResponses(400, 429, 503),
      },
    },
    async ({ query }, _req, res) => {
      const geo = geoOf(deps);
      const { fromDay, toDay } = dayRange(query, deps.now());
      const days = await geo.link
        .get()
        .days({ fromDay, toDay, deviceIds: listOf(query.device_id) });
      const score = geo.config.score;
      let rows: Summary[];
      if (query.group_by === 'none') {
        rows = [];
        let acc = emptyAcc();
        days.forEach((d, i) => {
          acc.distance_km += d.distance_km;
          acc.driving_s += d.driving_s;
          acc.idle_s += d.idle_s;
          acc.stopped_s += d.stopped_s;
          acc.max_speed_kmh = Math.max(acc.max_speed_kmh, d.max_speed_kmh);
          acc.overspeed_s += d.overspeed_s;
          acc.fuel_used_pct += d.fuel_used_pct;
          acc.trips += d.trips;
          acc.harsh_events += d.harsh_events;
          if (days[i + 1]?.deviceId !== d.deviceId) {
            rows.push(summaryRow(d.deviceId, undefined, acc, score));
            acc = emptyAcc();
          }
        });
      } else rows = days.map((d) => summaryRow(d.deviceId, d.day, d, score));
      if (query.format === 'csv')
        sendCsv(res, `summary-${fromDay}-${toDay}`, SUMMARY_COLUMNS, rows);
      else res.json(rows);
    },
  );
  api.route(
    {
      method: 'get',
      path: '/api/events',
      summary: `Trip, harsh-driving and geofence events in time order (default: the last 24 h); device_id and type: one or more, comma-separated; at most limit (default ${MAX_ROWS})`,
      tag: 'reports',
      access: { role: 'viewer', vehicle: 'filtered' },
      query: eventsQuery,
      responses: {
        200: { description: 'oldest first', schema: eventsBody, alsoAs: ['text/csv'] },
        ...errorResponses(400, 429, 503),
      },
    },
    async ({ query, access }, _req, res) => {
      const geo = geoOf(deps);
      const { from, to } = timeRange(query, deps.now(), 86_400_000);
      const limit = Number(query.limit ?? MAX_ROWS);
      const named = listOf(query.device_id);
      // Visible vehicles only: named ones the caller may not see are left out, and without a
      // device_id a non-admin gets their groups' vehicles (one query each).
      const ids = named
        ? named.filter((id) => access.canSee(id))
        : access.all
          ? undefined
          : [...(access.devices ?? [])].sort();
      const types = listOf(query.type);
      const store = geo.link.get();
      const rows = [];
      for (const deviceId of ids ?? [undefined]) {
        rows.push(...(await store.events({ deviceId, types, from, to, limit })));
      }
      rows.sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : 1));
      const body = rows.slice(0, limit).map(eventBody);
      if (query.format === 'csv') sendCsv(res, 'events', EVENT_CSV_COLUMNS, body);
      else res.json(body);
    },
  );
}
