// InfluxDB line protocol for our points (the 1.x /write path); escaping comes from the official client.
import { escape as lp } from '@influxdata/influxdb-client';
import { FLAG_FIELD, type InfluxPoint, pointTimeNs } from './influx-points.js';
import { DEVICE_TAG, MEASUREMENT } from './influxql.js';

const PREFIX = `${lp.measurement(MEASUREMENT)},${lp.tag(DEVICE_TAG)}=`;

/**
 * The fields after seq: every signal the reading has (`<key>=<float>` or `<key>=true|false`; keys
 * are catalog keys, `^[a-z][a-z0-9_]*$`, so they need no escaping) and `pos_flag=<code>i` for a
 * reading with a position.
 */
function fieldsOf(p: InfluxPoint): string {
  let out = '';
  for (const key in p.values) {
    const v = p.values[key];
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new RangeError(`${key} must be finite, got ${v}`);
      out += `,${key}=${v}`;
    } else if (typeof v === 'boolean') out += `,${key}=${v}`;
  }
  if (p.flag !== null) out += `,${FLAG_FIELD}=${p.flag}i`;
  return out;
}

/** `vehicle_speed,device_id=<id> seq=<int>i,speed=<float>,… <ns>` */
export function pointLine(p: InfluxPoint): string {
  if (!Number.isSafeInteger(p.seq) || p.seq < 0) throw new RangeError(`invalid seq ${p.seq}`);
  if (!/^-?\d+$/.test(p.timeNs)) throw new RangeError(`invalid time ${p.timeNs}`);
  return `${PREFIX}${lp.tag(p.deviceId)} seq=${p.seq}i${fieldsOf(p)} ${p.timeNs}`;
}

/** Where pointLines writes its lines: grown as needed, reused by every call (the copy is returned). */
let scratch = Buffer.allocUnsafe(1 << 18);

/** Room for `bytes` more at `off` (the written part kept). */
function room(off: number, bytes: number): void {
  if (scratch.length - off >= bytes) return;
  const grown = Buffer.allocUnsafe(Math.max(scratch.length * 2, off + bytes));
  scratch.copy(grown, 0, 0, off);
  scratch = grown;
}

/** An ASCII string (catalog keys, numbers, digits) into scratch at `off`; returns the new end. */
function ascii(s: string, off: number): number {
  const n = s.length;
  room(off, n);
  for (let i = 0; i < n; i++) scratch[off + i] = s.charCodeAt(i);
  return off + n;
}

/** `,<key>=` per catalog key, built once. */
const fieldHeads = new Map<string, string>();
const headOf = (key: string): string => {
  let head = fieldHeads.get(key);
  if (head === undefined) {
    head = `,${key}=`;
    fieldHeads.set(key, head);
  }
  return head;
};

/**
 * Many points as one /write body (UTF-8, lines joined by '\n'): pointLine's checks and bytes, with
 * each device's escaped tag encoded once per body (the collector's hot path). Every piece goes
 * into a reused buffer as it is made: catalog keys, numbers and times are ASCII, written byte by
 * byte; only the tag prefix (a device id may be any UTF-8) goes through the encoder. Why: holding
 * a batch's lines as strings kept ~2 KB of string pieces per reading alive across scavenges; then
 * building each line as one string still made ~2.3 KB of garbage per reading (a cons string per
 * field and its flattened copy: 30 % of everything the InfluxDB collector allocated, V8 heap
 * sampling, with the garbage collector at 22 % of its CPU profile).
 */
export function pointLines(points: readonly InfluxPoint[]): Uint8Array<ArrayBuffer> {
  const prefixes = new Map<string, Buffer>();
  let off = 0;
  for (let i = 0; i < points.length; i++) {
    const p = points[i] as InfluxPoint;
    if (!Number.isSafeInteger(p.seq) || p.seq < 0) throw new RangeError(`invalid seq ${p.seq}`);
    let prefix = prefixes.get(p.deviceId);
    if (prefix === undefined) {
      prefix = Buffer.from(`${PREFIX}${lp.tag(p.deviceId)} seq=`, 'utf8');
      prefixes.set(p.deviceId, prefix);
    }
    room(off, prefix.length + 1);
    if (i > 0) scratch[off++] = 10; // \n
    scratch.set(prefix, off);
    off = ascii(String(p.seq), off + prefix.length);
    off = ascii('i', off);
    const values = p.values;
    for (const key in values) {
      const v = values[key];
      if (typeof v === 'number') {
        if (!Number.isFinite(v)) throw new RangeError(`${key} must be finite, got ${v}`);
      } else if (typeof v !== 'boolean') continue;
      off = ascii(headOf(key), off);
      off = ascii(String(v), off);
    }
    if (p.flag !== null) {
      off = ascii(headOf(FLAG_FIELD), off);
      off = ascii(String(p.flag), off);
      off = ascii('i', off);
    }
    off = ascii(' ', off);
    off = ascii(p.timeNs, off);
  }
  const body = new Uint8Array(off);
  body.set(scratch.subarray(0, off));
  return body;
}

/**
 * A stored reading's new position flag: `vehicle_speed,device_id=<id> pos_flag=<code>i <ns>`. A
 * point with the same series and time merges its fields into the stored one (InfluxDB 1.x), so
 * only the flag changes.
 */
export function flagLine(deviceId: string, timeMs: number, seq: number, code: number): string {
  return `${PREFIX}${lp.tag(deviceId)} ${FLAG_FIELD}=${code}i ${pointTimeNs(timeMs, seq)}`;
}
