// POST /api/readings (bearer): HTTP ingest of speed and telemetry payloads, the same checks and dedupe as MQTT, answered once the readings are durable.
import { z } from 'zod';
import type { Reading } from '../../core/contract.js';
import { INGEST_MAX_ITEMS, type IngestBody } from '../../core/dashboard-contract.js';
import type { SignalCatalog, SignalValue } from '../../core/signals/catalog.js';
import type { TimedValue } from '../../core/store/types.js';
import { validateReadingValue } from '../../core/validate.js';
import type { ApiRouter } from '../api/api-router.js';
import { errorResponses, ingestBody } from '../api/schemas.js';
import { telemetryPayload } from '../api/signal-schemas.js';
import { StoreUnavailableError } from '../errors.js';
import { noQuery } from '../params.js';
import type { RouteDeps } from './deps.js';

/** 10,000 full telemetry readings of ~300 bytes each, with room for whitespace. */
export const INGEST_BODY_LIMIT = '4mb';

/**
 * The array is the only shape checked here: each element is checked on its own below, as MQTT
 * checks a message, so one bad reading is listed in `rejected` instead of refusing the request.
 * The document shows the element as the telemetry payload of the catalog in force.
 */
const body = (catalog: SignalCatalog) =>
  z
    .array(z.unknown().meta(telemetryPayload(catalog)), {
      error: 'the body must be a JSON array of readings',
    })
    .max(INGEST_MAX_ITEMS, `at most ${INGEST_MAX_ITEMS} readings per request`);

export function ingestRoutes(api: ApiRouter, deps: RouteDeps): void {
  api.route(
    {
      method: 'post',
      path: '/api/readings',
      summary:
        'HTTP ingest: speed and telemetry payloads checked as MQTT checks them (same reject reasons; a bad signal drops that signal only, counted by name), deduplicated by (device_id, seq), answered once stored durably',
      tag: 'readings',
      access: { role: 'admin', vehicle: 'none' },
      query: noQuery,
      body: body(deps.catalog),
      bodyLimit: INGEST_BODY_LIMIT,
      responses: {
        200: {
          description: 'every valid reading stored (or already stored); each refused one listed',
          schema: ingestBody,
        },
        ...errorResponses(400, 401, 403, 413, 429, 503),
      },
    },
    async ({ body: items, audit }, _req, res) => {
      const store = deps.ingestStore?.get();
      if (!store) throw new StoreUnavailableError();
      const now = deps.now();
      const registered = deps.allowlist
        ? new Set((await deps.registry.list()).map((e) => e.device_id))
        : undefined;
      const valid: Reading[] = [];
      const rejected: IngestBody['rejected'] = [];
      const invalid: Record<string, number> = {};
      let unknown = 0;
      items.forEach((item, index) => {
        const verdict = validateReadingValue(item, now, deps.catalog);
        if (!verdict.ok) rejected.push({ index, reason: verdict.reason });
        else if (registered && !registered.has(verdict.reading.device_id)) {
          rejected.push({ index, reason: 'unknown_device' });
        } else {
          valid.push(verdict.reading);
          for (const n of verdict.notes) {
            if (n.reason === 'unknown_signal') unknown += 1;
            else invalid[n.signal] = (invalid[n.signal] ?? 0) + 1;
          }
        }
      });
      let stored = 0;
      let duplicates = 0;
      if (valid.length > 0) {
        try {
          // Resolves once durable: SQLite committed (fsynced), InfluxDB answered 2xx.
          const result = await store.write(valid);
          stored = result.stored;
          duplicates = result.duplicates;
        } catch (err) {
          deps.log.warn({ err: (err as Error).message }, 'HTTP ingest: store write failed');
          throw new StoreUnavailableError();
        }
        seedBoard(deps, valid, now);
      }
      audit(
        'readings_ingest',
        `${stored} stored, ${duplicates} duplicates, ${rejected.length} rejected`,
      );
      const answer: IngestBody = {
        stored,
        duplicates,
        rejected,
        invalid_signals: invalid,
        unknown_signals: unknown,
      };
      res.json(answer);
    },
  );
}

/** The live board learns of the stored readings as it would from the store at start-up. */
function seedBoard(deps: RouteDeps, readings: readonly Reading[], now: number): void {
  const newest = new Map<string, Reading>();
  for (const r of readings) {
    const cur = newest.get(r.device_id);
    if (!cur || Date.parse(r.timestamp) >= Date.parse(cur.timestamp)) newest.set(r.device_id, r);
  }
  for (const [deviceId, r] of newest) {
    const at = Date.parse(r.timestamp);
    const signals: Record<string, TimedValue> = {};
    for (const key in r.values) signals[key] = { value: r.values[key] as SignalValue, time: at };
    deps.board.seed(deviceId, at, { deviceId, seq: r.seq, timestamp: at, signals }, now);
  }
}
