// GET /api/devices/:id/readings: raw readings by keyset pages (opaque cursor), or the whole range streamed as CSV / NDJSON.
import type { ReadingsBody } from '../../core/dashboard-contract.js';
import { positionAfter } from '../../core/store/reading-chunks.js';
import type { TelemetryStore } from '../../core/store/types.js';
import type { ApiRouter } from '../api/api-router.js';
import { errorResponses, readingsBody } from '../api/schemas.js';
import { NotFoundError } from '../errors.js';
import { deviceIdParams } from '../params.js';
import { encodeCursor } from '../readings/cursor.js';
import { EXPORT_CHUNK_ROWS, EXPORT_TYPES, streamExport } from '../readings/export.js';
import { readingsQuerySchema, readingsRequest } from '../readings/query.js';
import type { RouteDeps } from './deps.js';

/** Known: seen live, registered, or with stored readings; anything else is a 404, as on /history. */
async function known(deps: RouteDeps, store: TelemetryStore, deviceId: string): Promise<boolean> {
  if (deps.board.has(deviceId)) return true;
  if ((await deps.registry.get(deviceId)) !== undefined) return true;
  return (await store.latest(deviceId)) !== undefined;
}

export function readingsRoutes(api: ApiRouter, deps: RouteDeps): void {
  api.route(
    {
      method: 'get',
      path: '/api/devices/:id/readings',
      summary:
        'Raw readings in time order (ties by seq), a page at a time with an opaque cursor that neither skips nor repeats a reading while ingest runs; format=csv|ndjson streams the whole range',
      tag: 'readings',
      access: { role: 'viewer', vehicle: 'params.id' },
      params: deviceIdParams,
      query: readingsQuerySchema,
      responses: {
        200: {
          description:
            'one page (JSON); with format=csv the whole range as CSV (header device_id,seq,timestamp,speed, as npm run import reads it), with format=ndjson one reading per line',
          schema: readingsBody,
          alsoAs: ['text/csv', 'application/x-ndjson'],
        },
        ...errorResponses(400, 404, 429, 503),
      },
    },
    async ({ params, query, audit }, req, res) => {
      const deviceId = params.id;
      const request = readingsRequest(deviceId, query);
      const store = deps.store.get();
      if (!(await known(deps, store, deviceId))) {
        throw new NotFoundError(`unknown device ${deviceId}`);
      }
      const { range, limit, format } = request;
      if (format === undefined) {
        // One more than asked: whether another page exists, without an empty last request.
        const page = await store.readings({ ...range, limit: limit + 1, after: request.after });
        const rows = page.slice(0, limit);
        const after = page.length > limit ? positionAfter(rows) : undefined;
        const body: ReadingsBody = {
          device_id: deviceId,
          readings: rows.map((r) => ({
            seq: r.seq,
            timestamp: new Date(r.timestamp).toISOString(),
            speed: r.values.speed as number,
          })),
          next_cursor: after ? encodeCursor({ range, after }) : null,
        };
        res.json(body);
        return;
      }
      if (req.method !== 'HEAD') audit('export', `${deviceId} readings ${format}`);
      const chunks = store.readingChunks(range, EXPORT_CHUNK_ROWS)[Symbol.asyncIterator]();
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
        const done = await streamExport(res, format, deviceId, first, chunks);
        if (!done.complete)
          deps.log.info({ deviceId, rows: done.rows }, 'export ended by the client');
      } catch (err) {
        deps.log.warn({ deviceId, err: (err as Error).message }, 'export failed midway');
        res.destroy();
      }
    },
  );
}
