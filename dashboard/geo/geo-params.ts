// Query schemas of the geo routes (zod) and their resolution: time ranges, report days, limits, formats.
import { z } from 'zod';
import { DEVICE_ID_PATTERN } from '../../core/contract.js';
import { GEO_EVENT_TYPES } from '../../core/geo-wire.js';
import { dayOfMs, dayStartMs } from '../../core/store/geo-store.js';
import { InvalidParameterError } from '../errors.js';
import { isoDateTime, one, strictQuery } from '../params.js';

const DAY_MS = 86_400_000;
/** The longest range any geo route answers (as /history). */
export const MAX_GEO_SPAN_MS = 400 * DAY_MS;
export const DEFAULT_GEO_SPAN_MS = 7 * DAY_MS;
export const MAX_ROWS = 10_000;
export const DEFAULT_TRACK_POINTS = 2000;
export const MAX_TRACK_POINTS = 20_000;

const time = (what: string) => one(`${what} must appear once`).pipe(isoDateTime(what)).optional();
/** A day (YYYY-MM-DD, UTC) or a date-time (its UTC day counts). */
const dayOrTime = (what: string) =>
  one(`${what} must appear once`)
    .refine(
      (v) =>
        /^\d{4}-\d{2}-\d{2}$/.test(v)
          ? Number.isFinite(dayStartMs(v))
          : Number.isFinite(Date.parse(v)) && /T/.test(v),
      `${what} must be a day (YYYY-MM-DD) or an ISO 8601 date-time`,
    )
    .optional();
const format = one('format must appear once')
  .pipe(z.enum(['json', 'csv'], { error: 'format must be json or csv' }))
  .optional();
const limit = one('limit must appear once')
  .regex(/^\d+$/, `limit must be an integer from 1 to ${MAX_ROWS}`)
  .refine((v) => Number(v) >= 1 && Number(v) <= MAX_ROWS, `limit must be from 1 to ${MAX_ROWS}`)
  .optional();

export const rangeQuery = strictQuery({ from: time('from'), to: time('to'), format, limit });

export const trackQuery = strictQuery({
  from: time('from'),
  to: time('to'),
  max_points: one('max_points must appear once')
    .regex(/^\d+$/, `max_points must be an integer from 2 to ${MAX_TRACK_POINTS}`)
    .refine(
      (v) => Number(v) >= 2 && Number(v) <= MAX_TRACK_POINTS,
      `max_points must be from 2 to ${MAX_TRACK_POINTS}`,
    )
    .optional(),
});

const deviceList = one('device_id must appear once (several: comma-separated)')
  .refine(
    (v) => v.split(',').every((id) => DEVICE_ID_PATTERN.test(id)),
    'device_id must be device ids (^[A-Za-z0-9_-]{1,64}$), comma-separated',
  )
  .optional();

export const summaryQuery = strictQuery({
  from: dayOrTime('from'),
  to: dayOrTime('to'),
  group_by: one('group_by must appear once')
    .pipe(z.enum(['day', 'none'], { error: 'group_by must be day or none' }))
    .optional(),
  device_id: deviceList,
  format,
});

export const eventsQuery = strictQuery({
  device_id: deviceList,
  type: one('type must appear once (several: comma-separated)')
    .refine(
      (v) => v.split(',').every((t) => (GEO_EVENT_TYPES as readonly string[]).includes(t)),
      `type must be one or more of ${GEO_EVENT_TYPES.join(', ')}, comma-separated`,
    )
    .optional(),
  from: time('from'),
  to: time('to'),
  format,
  limit,
});

/** from/to given or defaulted (to: now; from: `span` before to); checked for order and length. */
export function timeRange(
  q: { from?: string | undefined; to?: string | undefined },
  now: number,
  span = DEFAULT_GEO_SPAN_MS,
): { from: number; to: number } {
  const to = q.to === undefined ? now : Date.parse(q.to);
  const from = q.from === undefined ? to - span : Date.parse(q.from);
  if (from > to) throw new InvalidParameterError('from must not be after to');
  if (to - from > MAX_GEO_SPAN_MS)
    throw new InvalidParameterError('from..to must span at most 400d');
  return { from, to };
}

/** Report days: each bound's UTC day (default: the 7 days up to today). */
export function dayRange(
  q: { from?: string | undefined; to?: string | undefined },
  now: number,
): { fromDay: string; toDay: string } {
  const day = (v: string) => (/^\d{4}-\d{2}-\d{2}$/.test(v) ? v : dayOfMs(Date.parse(v)));
  const toDay = q.to === undefined ? dayOfMs(now) : day(q.to);
  const fromDay = q.from === undefined ? dayOfMs(dayStartMs(toDay) - 6 * DAY_MS) : day(q.from);
  if (fromDay > toDay) throw new InvalidParameterError('from must not be after to');
  if (dayStartMs(toDay) - dayStartMs(fromDay) > MAX_GEO_SPAN_MS) {
    throw new InvalidParameterError('from..to must span at most 400 days');
  }
  return { fromDay, toDay };
}

export const listOf = (v: string | undefined): string[] | undefined =>
  v === undefined ? undefined : [...new Set(v.split(','))];
