// The raw readings route's opaque cursor: the query's fixed range and the last position served, base64url JSON.
import { z } from 'zod';
import { DEVICE_ID_PATTERN, MAX_SPEED_KMH } from '../../core/contract.js';
import type { SignalCatalog } from '../../core/signals/catalog.js';
import {
  EARLIEST_MS,
  LATEST_MS,
  type ReadingPosition,
  type ReadingsRange,
} from '../../core/store/types.js';
import { InvalidParameterError } from '../errors.js';

/** What a cursor pins down: the range (so later pages answer the same query) and the position. */
export interface CursorState {
  range: ReadingsRange;
  after: ReadingPosition;
}

/** Times a Date can hold (what every range and position is made of); speeds as the route takes them. */
const time = z.int().min(EARLIEST_MS).max(LATEST_MS);
const speed = z.number().min(0).max(MAX_SPEED_KMH);
const cursorSchema = z.strictObject({
  v: z.literal(1),
  d: z.string().regex(DEVICE_ID_PATTERN),
  o: z.enum(['asc', 'desc']),
  f: time,
  t: time,
  lo: speed.nullable(),
  hi: speed.nullable(),
  ts: time,
  sq: z.int().min(0),
  /** The signals asked for (catalog keys); absent: every signal. */
  s: z.array(z.string().max(64)).max(200).optional(),
});

/**
 * Longer than any cursor this encodes (a 64-character device id, every field at its widest, and
 * every signal of a catalog with 64 custom ones named).
 */
export const MAX_CURSOR_LENGTH = 4096;

/**
 * Opaque to clients, but not secret: it only repeats what the client asked and where the page
 * ended, so a tampered cursor can ask for nothing a plain query could not (it is validated as
 * strictly as the parameters are).
 */
export function encodeCursor(state: CursorState): string {
  const { range, after } = state;
  const json = JSON.stringify({
    v: 1,
    d: range.deviceId,
    o: range.order,
    f: range.from,
    t: range.to,
    lo: range.minSpeed ?? null,
    hi: range.maxSpeed ?? null,
    ts: after.ts,
    sq: after.seq,
    ...(range.signals ? { s: range.signals } : {}),
  });
  return Buffer.from(json, 'utf8').toString('base64url');
}

const INVALID = 'cursor is not one this server gave out (pass next_cursor as it came)';

/** The cursor's state; its signals must be in the catalog (SIGNALS_FILE may have changed since). */
export function decodeCursor(text: string, catalog: SignalCatalog): CursorState {
  if (text.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text)) {
    throw new InvalidParameterError(INVALID);
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidParameterError(INVALID);
  }
  const parsed = cursorSchema.safeParse(value);
  if (!parsed.success) throw new InvalidParameterError(INVALID);
  const c = parsed.data;
  if (c.s?.some((key) => catalog.find(key)?.key !== key)) throw new InvalidParameterError(INVALID);
  return {
    range: {
      deviceId: c.d,
      order: c.o,
      from: c.f,
      to: c.t,
      ...(c.lo === null ? {} : { minSpeed: c.lo }),
      ...(c.hi === null ? {} : { maxSpeed: c.hi }),
      ...(c.s === undefined ? {} : { signals: c.s }),
    },
    after: { ts: c.ts, seq: c.sq },
  };
}
