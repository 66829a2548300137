// Route parameter schemas (zod): device ids, no-query routes, the history query; the history range resolver.
import { z } from 'zod';
import { DEVICE_ID_PATTERN } from '../core/contract.js';
import {
  DEFAULT_DURATION,
  DEFAULT_POINTS,
  MAX_POINTS,
  MAX_SPAN_MS,
  MIN_POINTS,
} from '../core/dashboard-contract.js';
import { DURATION_PATTERN as DURATION, durationMs } from '../core/duration.js';
import { InvalidParameterError, nameForMessage } from './errors.js';

/** Names are the client's text: shown inert, at most five. */
function unknownParameters(keys: readonly string[]): string {
  const more = keys.length > 5 ? ', …' : '';
  return `unknown parameter: ${keys.slice(0, 5).map(nameForMessage).join(', ')}${more}`;
}

/** Rejects unknown keys with the message every route uses. */
export const strictQuery = <T extends z.ZodRawShape>(shape: T) =>
  z.strictObject(shape, {
    error: (i) => (i.code === 'unrecognized_keys' ? unknownParameters(i.keys) : undefined),
  });

/** Routes without parameters take none: an unknown one is a 400, as on the history route. */
export const noQuery = strictQuery({});

/**
 * One query value (Express 5's simple parser gives a string; a repeated key gives an array,
 * rejected with `what`).
 */
export const one = (what: string) =>
  z.string({ error: (i) => (i.input === undefined ? undefined : `${what}; given more than once`) });

/** Device ids in paths follow the wire contract; the bad value is not echoed back. */
export const deviceIdParams = z.object({
  id: z.string().regex(DEVICE_ID_PATTERN, 'device id must match ^[A-Za-z0-9_-]{1,64}$'),
});

const POINTS_RULE = `points must be an integer from ${MIN_POINTS} to ${MAX_POINTS}`;
export const isoDateTime = (what: string) =>
  z.iso.datetime({
    offset: true,
    error: `${what} must be an ISO 8601 date-time with Z or an offset`,
  });

/**
 * Query values are strings (Express 5's simple parser); a repeated key becomes an array: rejected.
 * Each field carries all its rules, so one answer lists every bad parameter.
 */
export const historyQuerySchema = strictQuery({
  duration: one('duration must appear once')
    .regex(DURATION, 'duration must look like 30s, 5m, 1h or 7d')
    .refine((d) => durationMs(d) !== 0, 'duration must be greater than 0')
    .refine((d) => (durationMs(d) ?? 0) <= MAX_SPAN_MS, 'duration must be at most 400d')
    .optional(),
  from: one('from must appear once').pipe(isoDateTime('from')).optional(),
  to: one('to must appear once').pipe(isoDateTime('to')).optional(),
  points: one('points must appear once')
    .regex(/^\d+$/, POINTS_RULE)
    .refine(
      (p) => !/^\d+$/.test(p) || (Number(p) >= MIN_POINTS && Number(p) <= MAX_POINTS),
      POINTS_RULE,
    )
    .optional(),
});

export interface HistoryRange {
  from: number;
  to: number;
  points: number;
}

/**
 * Resolves the history window. `duration` is the window length and from/to anchor it: none → the
 * last 5 minutes; duration alone → ending now; from or to with duration → starting or ending there;
 * from and to → exactly that; from alone → until now; to alone → the 5 minutes before it. All
 * three at once is ambiguous and rejected.
 */
export function historyRange(q: z.infer<typeof historyQuerySchema>, now: number): HistoryRange {
  if (q.duration !== undefined && q.from !== undefined && q.to !== undefined) {
    throw new InvalidParameterError('give at most two of from, to and duration');
  }
  const length = durationMs(q.duration ?? DEFAULT_DURATION) ?? 0;
  const points = q.points === undefined ? DEFAULT_POINTS : Number(q.points);

  const fromMs = q.from === undefined ? undefined : Date.parse(q.from);
  const toMs = q.to === undefined ? undefined : Date.parse(q.to);
  let from: number;
  let to: number;
  if (fromMs !== undefined && toMs !== undefined) [from, to] = [fromMs, toMs];
  else if (fromMs !== undefined) [from, to] = [fromMs, q.duration ? fromMs + length : now];
  else if (toMs !== undefined) [from, to] = [toMs - length, toMs];
  else [from, to] = [now - length, now];
  if (from > to) throw new InvalidParameterError('from must not be after to');
  if (to - from > MAX_SPAN_MS) throw new InvalidParameterError('from..to must span at most 400d');
  return { from, to, points };
}
