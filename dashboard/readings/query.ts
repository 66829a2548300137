// The raw readings route's parameters (zod) and what they resolve to: a range, a position, a page size or an export format.
import { z } from 'zod';
import { MAX_SPEED_KMH } from '../../core/contract.js';
import { READINGS_DEFAULT_LIMIT, READINGS_MAX_LIMIT } from '../../core/dashboard-contract.js';
import type { SignalCatalog } from '../../core/signals/catalog.js';
import {
  EARLIEST_MS,
  LATEST_MS,
  type ReadingPosition,
  type ReadingsRange,
} from '../../core/store/types.js';
import { InvalidParameterError } from '../errors.js';
import { isoDateTime, one, strictQuery } from '../params.js';
import { decodeCursor, MAX_CURSOR_LENGTH } from './cursor.js';
import {
  MAX_SIGNALS_PARAM,
  parseSignals,
  type SignalSelection,
  selectAll,
  selectionOf,
} from './selection.js';

const LIMIT_RULE = `limit must be an integer from 1 to ${READINGS_MAX_LIMIT}`;
const inLimit = (p: string) =>
  !/^\d+$/.test(p) || (Number(p) >= 1 && Number(p) <= READINGS_MAX_LIMIT);

/** A plain decimal (no sign, exponent or hex), at most 6 decimals, 0..300 km/h. */
const speedParam = (name: string) => {
  const rule = `${name} must be a number from 0 to ${MAX_SPEED_KMH} (up to 6 decimals)`;
  return one(`${name} must appear once`)
    .regex(/^\d{1,3}(\.\d{1,6})?$/, rule)
    .refine((v) => !/^\d{1,3}(\.\d{1,6})?$/.test(v) || Number(v) <= MAX_SPEED_KMH, rule)
    .optional();
};

/** The `signals` parameter, documented with the catalog's names (its check is parseSignals'). */
export function signalsParam(catalog: SignalCatalog) {
  const names = ['position', ...catalog.signals.map((s) => s.name)];
  return one('signals must appear once')
    .max(MAX_SIGNALS_PARAM, `signals must be at most ${MAX_SIGNALS_PARAM} characters`)
    .optional()
    .describe(
      `comma-separated signals the rows carry (default: all): ${names.join(', ')} (or their keys, see GET /api/signals); position: lat, lon, alt, acc, heading, position_valid, position_flag`,
    );
}

/** The route's query, with the catalog's signal names documented. */
export const readingsQuerySchema = (catalog: SignalCatalog) =>
  readingsQueryShape.extend({ signals: signalsParam(catalog) });

const readingsQueryShape = strictQuery({
  from: one('from must appear once').pipe(isoDateTime('from')).optional(),
  to: one('to must appear once').pipe(isoDateTime('to')).optional(),
  limit: one('limit must appear once')
    .regex(/^\d+$/, LIMIT_RULE)
    .refine(inLimit, LIMIT_RULE)
    .optional()
    .describe(`page size, default ${READINGS_DEFAULT_LIMIT}`),
  order: one('order must appear once')
    .pipe(z.enum(['asc', 'desc'], { error: 'order must be asc or desc' }))
    .optional()
    .describe('asc (default): oldest first; desc: newest first ("last 10": order=desc&limit=10)'),
  cursor: one('cursor must appear once')
    .max(MAX_CURSOR_LENGTH, 'cursor is not one this server gave out (pass next_cursor as it came)')
    .optional()
    .describe('next_cursor of the previous page: the next page of the same query'),
  min_speed: speedParam('min_speed'),
  max_speed: speedParam('max_speed'),
  format: one('format must appear once')
    .pipe(z.enum(['csv', 'ndjson'], { error: 'format must be csv or ndjson' }))
    .optional()
    .describe('stream the whole range instead of one JSON page'),
});

export type ReadingsQueryParams = z.infer<ReturnType<typeof readingsQuerySchema>>;

export interface ReadingsRequest {
  /** `signals`: the selection's keys, undefined for every signal (what a cursor repeats). */
  range: ReadingsRange;
  selection: SignalSelection;
  after: ReadingPosition | undefined;
  limit: number;
  format: 'csv' | 'ndjson' | undefined;
}

const sameKeys = (a: readonly string[] | undefined, b: readonly string[] | undefined) =>
  (a ?? []).join(',') === (b ?? []).join(',') && (a === undefined) === (b === undefined);

const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
const time = (v: string | undefined) => (v === undefined ? undefined : Date.parse(v));

/**
 * Without a cursor: the range asked (no from: from the first reading; no to: up to the newest,
 * whenever a page is read). With one: the cursor's range, which fixes every page of one query;
 * parameters given beside it must repeat it.
 */
export function readingsRequest(
  deviceId: string,
  q: ReadingsQueryParams,
  catalog: SignalCatalog,
): ReadingsRequest {
  if (q.format !== undefined && (q.cursor !== undefined || q.limit !== undefined)) {
    throw new InvalidParameterError(
      'format streams the whole range: cursor and limit are for JSON pages',
    );
  }
  const limit = num(q.limit) ?? READINGS_DEFAULT_LIMIT;
  const signals = q.signals === undefined ? undefined : parseSignals(q.signals, catalog).keys;
  const asked = {
    from: time(q.from),
    to: time(q.to),
    order: q.order,
    minSpeed: num(q.min_speed),
    maxSpeed: num(q.max_speed),
  };
  if (q.cursor !== undefined) {
    const { range, after } = decodeCursor(q.cursor, catalog);
    if (range.deviceId !== deviceId) {
      throw new InvalidParameterError('cursor belongs to another device');
    }
    const differs =
      (Object.keys(asked) as Array<keyof typeof asked>).some(
        (k) => asked[k] !== undefined && asked[k] !== range[k],
      ) ||
      (signals !== undefined && !sameKeys(signals, range.signals));
    if (differs) {
      throw new InvalidParameterError(
        'cursor belongs to another query: leave out from, to, order, signals, min_speed and max_speed, or repeat them',
      );
    }
    const selection = range.signals ? selectionOf(catalog, range.signals) : selectAll(catalog);
    return { range, selection, after, limit, format: undefined };
  }
  const range: ReadingsRange = {
    deviceId,
    from: asked.from ?? EARLIEST_MS,
    to: asked.to ?? LATEST_MS,
    order: asked.order ?? 'asc',
    ...(asked.minSpeed === undefined ? {} : { minSpeed: asked.minSpeed }),
    ...(asked.maxSpeed === undefined ? {} : { maxSpeed: asked.maxSpeed }),
    ...(signals === undefined ? {} : { signals }),
  };
  if (range.from > range.to) throw new InvalidParameterError('from must not be after to');
  if ((range.minSpeed ?? 0) > (range.maxSpeed ?? MAX_SPEED_KMH)) {
    throw new InvalidParameterError('min_speed must not be above max_speed');
  }
  const selection = signals ? selectionOf(catalog, signals) : selectAll(catalog);
  return { range, selection, after: undefined, limit, format: q.format };
}
