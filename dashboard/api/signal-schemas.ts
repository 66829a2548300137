// Schemas derived from the signal catalog (zod): readings rows, latest, history of one signal, the catalog itself, telemetry payloads; a SIGNALS_FILE signal appears in each without an edit here.
import { z } from 'zod';
import { DEVICE_ID_PATTERN } from '../../core/contract.js';
import type {
  LatestBody,
  ReadingsBody,
  SignalHistoryBody,
  SignalInfo,
} from '../../core/dashboard-contract.js';
import {
  POSITION_FLAGS,
  type SignalCatalog,
  type SignalDef,
  type SignalValue,
} from '../../core/signals/catalog.js';

const isoTime = z.iso.datetime({ offset: true });

/** A valid value of the signal: its type and range, described with its unit. */
export function signalValue(def: SignalDef): z.ZodType<SignalValue> {
  const about = `${def.description}${def.unit ? ` (${def.unit})` : ''}`;
  if (def.type === 'boolean') return z.boolean().describe(about);
  let n = z.number();
  if (def.min !== null) n = n.min(def.min);
  if (def.max !== null) n = def.maxExclusive ? n.lt(def.max) : n.max(def.max);
  return n.describe(about);
}

const names = (catalog: SignalCatalog) =>
  catalog.signals.map((s) => s.name) as [string, ...string[]];

/** `GET /api/signals`. */
export function signalsBody(catalog: SignalCatalog): z.ZodType<SignalInfo[]> {
  return z.array(
    z.strictObject({
      name: z.enum(names(catalog)),
      key: z.enum(catalog.keys as [string, ...string[]]),
      type: z.enum(['number', 'boolean']),
      unit: z.string(),
      min: z.number().nullable(),
      max: z.number().nullable(),
      max_exclusive: z.boolean(),
      builtin: z.boolean(),
      description: z.string(),
    }),
  );
}

export function signalInfo(def: SignalDef): SignalInfo {
  return {
    name: def.name,
    key: def.key,
    type: def.type,
    unit: def.unit,
    min: def.min,
    max: def.max,
    max_exclusive: def.maxExclusive,
    builtin: def.builtin,
    description: def.description,
  };
}

/** One row of the readings route: every catalog key optional, the position's flags with them. */
export function readingsBody(catalog: SignalCatalog): z.ZodType<ReadingsBody> {
  const shape: Record<string, z.ZodType> = {
    seq: z.int().min(0),
    timestamp: isoTime,
  };
  for (const def of catalog.signals) shape[def.key] = signalValue(def).optional();
  shape.position_valid = z
    .boolean()
    .optional()
    .describe('with a position: false when it is not used (see position_flag)');
  shape.position_flag = z
    .enum(POSITION_FLAGS)
    .nullable()
    .optional()
    .describe('why the position is not used; null: it is valid');
  return z.strictObject({
    device_id: z.string(),
    readings: z.array(z.strictObject(shape)),
    next_cursor: z.string().nullable(),
  }) as unknown as z.ZodType<ReadingsBody>;
}

/** `GET /api/devices/:id/latest`: today's keys, every signal with its time, the newest valid fix. */
export function latestBody(catalog: SignalCatalog): z.ZodType<LatestBody> {
  const signals: Record<string, z.ZodType> = {};
  for (const def of catalog.topLevel) {
    signals[def.key] = z
      .strictObject({ value: signalValue(def), timestamp: isoTime })
      .optional()
      .describe(`${def.name}: its newest value and the device time of the reading that had it`);
  }
  const position: Record<string, z.ZodType> = {};
  for (const def of catalog.position) {
    const v = signalValue(def);
    position[def.key] = def.key === 'lat' || def.key === 'lon' ? v : v.optional();
  }
  position.timestamp = isoTime;
  return z.strictObject({
    device_id: z.string(),
    speed: z.number().nullable().describe('the newest speed; null: the vehicle never sent one'),
    timestamp: isoTime.describe('device time of the newest reading'),
    seq: z.int().min(0),
    signals: z.strictObject(signals),
    position: z
      .strictObject(position)
      .nullable()
      .describe('the newest valid fix (never a flagged one); null: none stored'),
  }) as unknown as z.ZodType<LatestBody>;
}

/** `GET /api/devices/:id/history?signal=NAME`. */
export function signalHistoryBody(catalog: SignalCatalog): z.ZodType<SignalHistoryBody> {
  return z.strictObject({
    device_id: z.string(),
    signal: z.enum(names(catalog)),
    unit: z.string(),
    from: isoTime,
    to: isoTime,
    window_ms: z.int().min(1),
    data_points: z.array(
      z.strictObject({
        timestamp: isoTime,
        mean: z.number().describe('a boolean signal: the fraction of readings where it was true'),
        min: z.number(),
        max: z.number(),
        count: z.int().min(1),
      }),
    ),
  });
}

/**
 * A telemetry payload as devices publish it on `vehicles/{id}/telemetry` (a speed payload is one
 * with speed alone), for the documentation of HTTP ingest: validation is per item, by
 * core/validate.ts, so that one bad item is listed rather than refusing the request.
 */
export function telemetryPayload(catalog: SignalCatalog): Record<string, unknown> {
  const shape: Record<string, z.ZodType> = {
    device_id: z.string().regex(DEVICE_ID_PATTERN),
    seq: z.int().min(0),
    timestamp: z.iso.datetime({ offset: false }).describe('ISO 8601 UTC (Z), device clock'),
  };
  for (const def of catalog.topLevel) shape[def.wireKey] = signalValue(def).optional();
  const position: Record<string, z.ZodType> = {};
  for (const def of catalog.position) {
    const v = signalValue(def);
    position[def.wireKey] = def.key === 'lat' || def.key === 'lon' ? v : v.optional();
  }
  shape.position = z.object(position).optional();
  const schema = z
    .object(shape)
    .describe(
      'a telemetry payload (a speed payload is one with speed alone); a bad signal is dropped from the reading and counted, an unknown key ignored',
    );
  const { $schema: _drop, ...json } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
  }) as Record<string, unknown>;
  return json;
}
