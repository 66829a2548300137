// OsmAnd protocol (Traccar Client and many trackers): query or form parameters, or the JSON body of Traccar Client 9+, decoded into fixes; a precise reason otherwise.
import type { SignalValue } from '../core/signals/catalog.js';
import { type Fix, KMH_PER_KNOT, round } from './fix.js';

export interface OsmandRequest {
  /** Query and form parameters together (form after query), each name with every value given. */
  params: ReadonlyMap<string, readonly string[]>;
  /** The parsed JSON body, when the request had one. */
  json?: unknown;
  /** Server time, ms: the fix time of a request that carries none. */
  now: number;
}

export type OsmandResult =
  | { ok: true; deviceId: string; fixes: Fix[] }
  | { ok: false; reason: string };

/** Strict decimal numbers only: `12`, `-3.5`, `1e3`; never `0x10`, `''`, `NaN`, `1,5`. */
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const ISO = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?$/;
/** Epoch values above this are milliseconds (Traccar's rule: seconds stay below 2^31 until 2038). */
const SECONDS_MAX = 2 ** 31;

class Refused extends Error {}

function one(params: OsmandRequest['params'], ...names: string[]): string | undefined {
  for (const name of names) {
    const values = params.get(name);
    if (!values || values.length === 0) continue;
    if (values.length > 1) throw new Refused(`${name} given ${values.length} times`);
    const v = (values[0] ?? '').trim();
    if (v !== '') return v;
  }
  return undefined;
}

function num(params: OsmandRequest['params'], ...names: string[]): number | undefined {
  const text = one(params, ...names);
  if (text === undefined) return undefined;
  if (!NUMBER.test(text)) throw new Refused(`${names[0]}: not a number`);
  const v = Number(text);
  if (!Number.isFinite(v)) throw new Refused(`${names[0]}: not a finite number`);
  return v;
}

function bool(params: OsmandRequest['params'], name: string): boolean | undefined {
  const text = one(params, name);
  if (text === undefined) return undefined;
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw new Refused(`${name}: not true/false`);
}

/** Epoch seconds, epoch milliseconds (above 2^31) or ISO 8601 (UTC unless it names a zone). */
export function parseTimestamp(text: string): number {
  if (NUMBER.test(text)) {
    const n = Number(text);
    if (!Number.isFinite(n) || n < 0) throw new Refused('timestamp: out of range');
    return Math.round(n > SECONDS_MAX ? n : n * 1000);
  }
  if (ISO.test(text)) {
    const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/.test(text) ? text : `${text}Z`;
    const ms = Date.parse(zoned.replace(' ', 'T'));
    if (Number.isFinite(ms)) return ms;
  }
  throw new Refused('timestamp: not epoch seconds, milliseconds or ISO 8601');
}

/**
 * Parameters a request may carry besides the documented ones, by catalog key: `ignition`,
 * `fuel_pct`, `odometer_km`, custom signals. (Traccar stores any other parameter as an attribute;
 * here a parameter that names a signal becomes that signal, anything else is ignored.)
 */
const EXTRA_NUMBERS = ['odometer_km', 'fuel_pct', 'battery_v', 'coolant_c', 'rpm'];

function fromParams(req: OsmandRequest, customKeys: readonly string[]): OsmandResult {
  const { params } = req;
  const deviceId = one(params, 'id', 'deviceid');
  if (deviceId === undefined) return { ok: false, reason: 'id: missing' };
  const ts = one(params, 'timestamp');
  const fixMs = ts === undefined ? req.now : parseTimestamp(ts);
  let lat = num(params, 'lat');
  let lon = num(params, 'lon');
  const location = one(params, 'location');
  if (location !== undefined && lat === undefined && lon === undefined) {
    const [a, b, ...rest] = location.split(',');
    if (
      a === undefined ||
      b === undefined ||
      rest.length > 0 ||
      !NUMBER.test(a) ||
      !NUMBER.test(b)
    ) {
      return { ok: false, reason: 'location: not "lat,lon"' };
    }
    lat = Number(a);
    lon = Number(b);
  }
  const knots = num(params, 'speed');
  const values: Record<string, SignalValue | undefined> = {
    lat,
    lon,
    speed: knots === undefined ? undefined : round(knots * KMH_PER_KNOT, 3),
    heading: num(params, 'bearing', 'heading', 'course'),
    alt: num(params, 'altitude'),
    acc: num(params, 'accuracy'),
    battery_pct: num(params, 'batt'),
    ignition: bool(params, 'ignition'),
  };
  for (const key of [...EXTRA_NUMBERS, ...customKeys]) {
    if (params.has(key)) values[key] = num(params, key);
  }
  return { ok: true, deviceId, fixes: [{ fixMs, values: defined(values) }] };
}

function defined(values: Record<string, SignalValue | undefined>): Record<string, SignalValue> {
  const out: Record<string, SignalValue> = {};
  for (const [k, v] of Object.entries(values)) if (v !== undefined) out[k] = v;
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A number field of the JSON body; negative means "unknown" where the client says so (-1). */
function field(obj: Record<string, unknown>, name: string, where: string): number | undefined {
  const v = obj[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new Refused(`${where}.${name}: not a number`);
  return v;
}

const nonNegative = (v: number | undefined) => (v === undefined || v < 0 ? undefined : v);

/** One element of `location` (Traccar Client 9+, the transistorsoft background-geolocation shape). */
function fixOfLocation(loc: unknown, i: number, now: number): Fix {
  const where = `location${i < 0 ? '' : `[${i}]`}`;
  if (!isObject(loc)) throw new Refused(`${where}: not an object`);
  const coords = loc.coords;
  if (!isObject(coords)) throw new Refused(`${where}.coords: missing`);
  const ts = loc.timestamp;
  let fixMs = now;
  if (ts !== undefined) {
    if (typeof ts !== 'string' && typeof ts !== 'number') {
      throw new Refused(`${where}.timestamp: not a string or number`);
    }
    fixMs = parseTimestamp(String(ts));
  }
  const c = `${where}.coords`;
  const speedMps = nonNegative(field(coords, 'speed', c));
  const battery = loc.battery;
  let level: number | undefined;
  if (battery !== undefined) {
    if (!isObject(battery)) throw new Refused(`${where}.battery: not an object`);
    level = nonNegative(field(battery, 'level', `${where}.battery`));
  }
  const values: Record<string, SignalValue | undefined> = {
    lat: field(coords, 'latitude', c),
    lon: field(coords, 'longitude', c),
    speed: speedMps === undefined ? undefined : round(speedMps * 3.6, 3),
    heading: nonNegative(field(coords, 'heading', c)),
    alt: field(coords, 'altitude', c),
    acc: nonNegative(field(coords, 'accuracy', c)),
    battery_pct: level === undefined ? undefined : round(level * 100, 1),
  };
  return { fixMs, values: defined(values) };
}

/** Most locations one JSON request may carry (a client flushing its buffer sends a batch). */
export const MAX_JSON_LOCATIONS = 1000;

function fromJson(req: OsmandRequest): OsmandResult {
  const body = req.json;
  if (!isObject(body)) return { ok: false, reason: 'body: not a JSON object' };
  const idValue = body.device_id ?? one(req.params, 'id', 'deviceid');
  if (typeof idValue !== 'string' || idValue === '') {
    return { ok: false, reason: 'device_id: missing' };
  }
  const loc = body.location;
  if (loc === undefined) return { ok: false, reason: 'location: missing' };
  let fixes: Fix[];
  if (Array.isArray(loc)) {
    if (loc.length === 0) return { ok: false, reason: 'location: empty' };
    if (loc.length > MAX_JSON_LOCATIONS) {
      return { ok: false, reason: `location: more than ${MAX_JSON_LOCATIONS} entries` };
    }
    fixes = loc.map((l, i) => fixOfLocation(l, i, req.now));
  } else fixes = [fixOfLocation(loc, -1, req.now)];
  return { ok: true, deviceId: idValue, fixes };
}

/**
 * Decodes one request. `customKeys`: the catalog's custom signals a parameter may name.
 * A malformed value refuses the whole request (the client sends it again, or a person reads the
 * 400); a well-formed value out of a signal's range is dropped later, like the collector does.
 */
export function decodeOsmand(req: OsmandRequest, customKeys: readonly string[] = []): OsmandResult {
  try {
    return req.json !== undefined ? fromJson(req) : fromParams(req, customKeys);
  } catch (err) {
    if (err instanceof Refused) return { ok: false, reason: err.message };
    throw err;
  }
}
