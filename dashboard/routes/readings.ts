// GET /api/devices/:id/readings: raw readings with the signals asked for, by keyset pages (opaque cursor), or the whole range streamed as CSV / NDJSON.
import type { RawReadingItem, ReadingsBody } from '../../core/dashboard-contract.js';
import { POSITION_KEYS } from '../../core/signals/catalog.js';
import { positionAfter } from '../../core/store/reading-chunks.js';
import type { RawReading, TelemetryStore } from '../../core/store/types.js';
import type { ApiRouter } from '../api/api-router.js';
import { errorResponses } from '../api/schemas.js';
import { readingsBody } from '../api/signal-schemas.js';
import { NotFoundError } from '../errors.js';
import { deviceIdParams } from '../params.js';
import { encodeCursor } from '../readings/cursor.js';
import { EXPORT_CHUNK_ROWS, EXPORT_TYPES, streamExport } from '../readings/export.js';
import { readingsQuerySchema, readingsRequest } from '../readings/query.js';
import {
  exportColumns,
  exportHeader,
  type SignalSelection,
  storeKeys,
} from '../readings/selection.js';
import type { RouteDeps } from './deps.js';

/** Known: seen live, registered, or with stored readings; anything else is a 404, as on /history. */
async function known(deps: RouteDeps, store: TelemetryStore, deviceId: string): Promise<boolean> {
  if (deps.board.has(deviceId)) return true;
  if ((await deps.registry.get(deviceId)) !== undefined) return true;
  return (await store.latest(deviceId)) !== undefined;
}

/** A page's row: the selected signals the reading has, in catalog order, flags after the position. */
function rowOf(r: RawReading, selection: SignalSelection): RawReadingItem {
  const row: RawReadingItem = { seq: r.seq, timestamp: new Date(r.timestamp).toISOString() };
  let flagsDue = selection.position;
  let afterPosition = false;
  for (const key of selection.keys) {
    if (POSITION_KEYS.has(key)) afterPosition = true;
    else if (afterPosition && flagsDue) {
      flags(row, r);
      flagsDue = false;
    }
    const v = r.values[key];
    if (v !== undefined) row[key] = v;
  }
  if (flagsDue) flags(row, r);
  return row;
}

function flags(row: RawReadingItem, r: RawReading): void {
  if (r.values.lat === undefined && r.position_flag === undefined) return;
  row.position_valid = r.position_flag === undefined;
  row.position_flag = r.position_flag ?? null;
}

export function readingsRoutes(api: ApiRouter, deps: RouteDeps): void {
  const catalog = deps.catalog;
  api.route(
    {
      method: 'get',
      path: '/api/devices/:id/readings',
      summary:
        'Raw readings in time order (ties by seq), a page at a time with an opaque cursor that neither skips nor repeats a reading while ingest runs; format=csv|ndjson streams the whole range',
      tag: 'readings',
      access: { role: 'viewer', vehicle: 'params.id' },
      params: deviceIdParams,
      query: readingsQuerySchema(catalog),
      responses: {
        200: {
          description: `one page (JSON), each row with the selected signals it has; with format=csv the whole range as CSV (header: ${catalog.csvColumns().join(',')}, or the columns of signals=; as npm run import reads it), with format=ndjson one telemetry payload per line`,
          schema: readingsBody(catalog),
          alsoAs: ['text/csv', 'application/x-ndjson'],
        },
        ...errorResponses(400, 404, 429, 503),
      },
    },
    async ({ params, query, audit }, req, res) => {
      const deviceId = params.id;
      const request = readingsRequest(deviceId, query, catalog);
      const store = deps.store.get();
      if (!(await known(deps, store, deviceId))) {
        throw new NotFoundError(`unknown device ${deviceId}`);
      }
      const { range, selection, limit, format } = request;
      const asked = { ...range, signals: storeKeys(selection) };
      if (format === undefined) {
        // One more than asked: whether another page exists, without an empty last request.
        const page = await store.readings({ ...asked, limit: limit + 1, after: request.after });
        const rows = page.slice(0, limit);
        const after = page.length > limit ? positionAfter(rows) : undefined;
        const body: ReadingsBody = {
          device_id: deviceId,
          readings: rows.map((r) => rowOf(r, selection)),
          next_cursor: after ? encodeCursor({ range, after }) : null,
        };
        res.json(body);
        return;
      }
      if (req.method !== 'HEAD') audit('export', `${deviceId} readings ${format}`);
      const chunks = store.readingChunks(asked, EXPORT_CHUNK_ROWS)[Symbol.asyncIterator]();
      // The first chunk before the headers: a store that is down still answers a JSON 503.
      const first = await chunks.next();
      res.status(200).set({
        'Content-Type': EXPORT_TYPES[format],
        'Content-Disposition': `attachment; filename="${deviceId}-readings.${format}"`,
        'Cache-Control': 'no-store',
      });
      if (req.method === 'HEAD') {
        await chunks.return?.();
        res.end();
        return;
      }
      try {
        const layout = {
          format,
          deviceId,
          header: exportHeader(catalog, selection),
          columns: exportColumns(catalog, selection),
        };
        const done = await streamExport(res, layout, first, chunks);
        if (!done.complete)
          deps.log.info({ deviceId, rows: done.rows }, 'export ended by the client');
      } catch (err) {
        deps.log.warn({ deviceId, err: (err as Error).message }, 'export failed midway');
        res.destroy();
      }
    },
  );
}
