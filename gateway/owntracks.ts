// OwnTracks (MQTT JSON from a phone): `owntracks/{user}/{device}` messages of `_type: location` decoded into a fix; other types counted and ignored.
import { isDeviceId } from '../core/contract.js';
import type { SignalValue } from '../core/signals/catalog.js';
import type { Fix } from './fix.js';

export const OWNTRACKS_SUBSCRIPTION = 'owntracks/+/+';
/** OwnTracks messages are a few hundred bytes; a larger one is refused before it is parsed. */
export const MAX_OWNTRACKS_BYTES = 16 * 1024;

export type OwnTracksResult =
  | { kind: 'location'; deviceId: string; fix: Fix }
  /** Another `_type` (transition, waypoint, lwt, card, encrypted…): counted by type. */
  | { kind: 'ignored'; type: string }
  | { kind: 'invalid'; reason: string };

/** `{user}_{device}`: the device id of `owntracks/{user}/{device}`, or undefined. */
export function ownTracksDeviceId(topic: string): string | undefined {
  const parts = topic.split('/');
  if (parts.length !== 3 || parts[0] !== 'owntracks') return undefined;
  const id = `${parts[1]}_${parts[2]}`;
  return isDeviceId(id) ? id : undefined;
}

const KNOWN_TYPES = new Set([
  'beacon',
  'card',
  'cmd',
  'configuration',
  'encrypted',
  'lwt',
  'steps',
  'transition',
  'waypoint',
  'waypoints',
  'status',
]);

function number(obj: Record<string, unknown>, name: string): number | undefined {
  const v = obj[name];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function decodeOwnTracks(topic: string, payload: Uint8Array): OwnTracksResult {
  const deviceId = ownTracksDeviceId(topic);
  if (!deviceId) {
    return { kind: 'invalid', reason: 'topic: not owntracks/{user}/{device} with [A-Za-z0-9_-]' };
  }
  if (payload.byteLength === 0) return { kind: 'ignored', type: 'empty' }; // a cleared retained message
  if (payload.byteLength > MAX_OWNTRACKS_BYTES) {
    return { kind: 'invalid', reason: `payload over ${MAX_OWNTRACKS_BYTES} bytes` };
  }
  let msg: unknown;
  try {
    msg = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    return { kind: 'invalid', reason: 'not JSON' };
  }
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
    return { kind: 'invalid', reason: 'not a JSON object' };
  }
  const m = msg as Record<string, unknown>;
  const type = m._type;
  if (type !== 'location') {
    const name = typeof type === 'string' && KNOWN_TYPES.has(type) ? type : 'other';
    return { kind: 'ignored', type: name };
  }
  const lat = number(m, 'lat');
  const lon = number(m, 'lon');
  const tst = number(m, 'tst');
  if (lat === undefined || lon === undefined)
    return { kind: 'invalid', reason: 'lat/lon: missing' };
  if (tst === undefined || !Number.isInteger(tst) || tst < 0) {
    return { kind: 'invalid', reason: 'tst: not epoch seconds' };
  }
  const values: Record<string, SignalValue> = { lat, lon };
  // OwnTracks omits zero acc, alt, cog and vel; what it sends is in the catalog's units already.
  const vel = number(m, 'vel');
  if (vel !== undefined) values.speed = vel;
  const cog = number(m, 'cog');
  if (cog !== undefined) values.heading = cog;
  const alt = number(m, 'alt');
  if (alt !== undefined) values.alt = alt;
  const acc = number(m, 'acc');
  if (acc !== undefined) values.acc = acc;
  const batt = number(m, 'batt');
  if (batt !== undefined) values.battery_pct = batt;
  return { kind: 'location', deviceId, fix: { fixMs: tst * 1000, values } };
}
