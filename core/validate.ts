// Validation of inbound MQTT messages (and of readings from files or HTTP) against the wire contract; every failure has a stable reason.
import { z } from 'zod';
import {
  type AckMessage,
  DEVICE_ID_PATTERN,
  type DroppedNotice,
  type HealthMessage,
  isDeviceId,
  MAX_FUTURE_SKEW_MS,
  MAX_PAYLOAD_BYTES,
  MAX_SPEED_KMH,
  parseTopic,
  type Reading,
  type SpeedReading,
  type StatusMessage,
} from './contract.js';
import { parseIsoUtc, timestampMs } from './iso-time.js';
import { type SignalCatalog, BUILTIN_CATALOG as STATUS_ONLY } from './signals/catalog.js';
import { checkSignals, type SignalNote } from './signals/telemetry-check.js';

export const REJECT_REASONS = [
  'too_large',
  'unknown_topic',
  'invalid_device_id',
  'invalid_json',
  'invalid_fields',
  'non_finite',
  'out_of_range',
  'device_mismatch',
  'future_timestamp',
  /** A telemetry payload none of whose signals was valid (each bad one is noted by name). */
  'no_signals',
  /**
   * DEVICE_ALLOWLIST=true and the device is not in the registry: decided by the receiver (collector,
   * HTTP ingest), never by the validation functions here, which know no registry.
   */
  'unknown_device',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** An accepted reading (speed or telemetry topic), with the signals it had to leave out. */
export interface AcceptedReading {
  ok: true;
  kind: 'reading';
  reading: Reading;
  /**
   * Its timestamp as epoch ms (timestampMs's answer), parsed here once: the collector hands it to
   * the store with the reading instead of the store parsing the string again.
   */
  time: number;
  /** Signals dropped from it (invalid_signal) or ignored (unknown_signal); usually empty. */
  notes: readonly SignalNote[];
}

const NO_NOTES: readonly SignalNote[] = Object.freeze([]);

/** A telemetry message: what the dashboard and any other reader of `vehicles/+/...` consume. */
export type Validated =
  | AcceptedReading
  | { ok: true; kind: 'status'; status: StatusMessage }
  | { ok: true; kind: 'health'; health: HealthMessage }
  | { ok: false; reason: RejectReason; detail: string };

/**
 * What the collector consumes: telemetry, devices' dropped notices, and acks (its own, echoed by
 * its `vehicles/#` subscription: nothing to do with them).
 */
export type Inbound =
  | Validated
  | { ok: true; kind: 'dropped'; notice: DroppedNotice }
  | { ok: true; kind: 'ack' }
  /** Commands and their results: between the dashboard and a vehicle, validated by them. */
  | { ok: true; kind: 'command' };

const isoUtc = z.iso.datetime({ precision: undefined, offset: false });
const deviceIdField = z.string().regex(DEVICE_ID_PATTERN);

const speedSchema = z.object({
  device_id: deviceIdField,
  seq: z.int().min(0),
  timestamp: isoUtc,
  speed: z.number(),
});

/** What every reading has besides its signals (the telemetry topic's required keys). */
const readingKeysSchema = z.object({
  device_id: deviceIdField,
  seq: z.int().min(0),
  timestamp: isoUtc,
});

const statusSchema = z.object({
  device_id: deviceIdField,
  status: z.enum(['online', 'offline']),
  timestamp: isoUtc,
});

const count = z.int().min(0);
const healthSchema = z.object({
  device_id: deviceIdField,
  timestamp: isoUtc,
  uptime_s: z.number().min(0),
  queue_depth: count,
  dropped_total: count,
  reconnects: count,
  firmware: z.string().max(64),
});

const droppedSchema = z
  .object({
    device_id: deviceIdField,
    from: z.int().min(0),
    to: z.int().min(0),
    timestamp: isoUtc,
  })
  .refine((d) => d.from <= d.to, { message: 'from must be <= to', path: ['from'] });

const ackSchema = z.object({
  device_id: deviceIdField,
  seq: z.int().min(-1),
  timestamp: isoUtc,
});

const reject = (reason: RejectReason, detail: string) => ({ ok: false as const, reason, detail });

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid payload';
  return `${issue.path.join('.') || 'payload'}: ${issue.message}`;
}

/** JSON has no NaN/Infinity literals, but 1e999 parses to Infinity: name that case precisely. */
function nonFiniteField(value: Record<string, unknown>): string | undefined {
  for (const key of ['seq', 'speed']) {
    const v = value[key];
    if (typeof v === 'number' && !Number.isFinite(v)) return key;
  }
  return undefined;
}

/**
 * Validates one telemetry message (speed or status). `now` is the receiver's clock in ms; a
 * timestamp more than MAX_FUTURE_SKEW_MS ahead of it is rejected.
 */
export function validateMessage(
  topic: string,
  payload: Uint8Array,
  now: number,
  catalog: SignalCatalog,
): Validated {
  const result = validateInbound(topic, payload, now, catalog);
  if (
    !result.ok ||
    result.kind === 'reading' ||
    result.kind === 'status' ||
    result.kind === 'health'
  ) {
    return result;
  }
  return reject('unknown_topic', 'not a telemetry topic');
}

/** A status message only (the command dispatcher's view: no catalog needed). */
export function validateStatus(
  topic: string,
  payload: Uint8Array,
  now: number,
): { ok: true; kind: 'status'; status: StatusMessage } | { ok: false } {
  if (parseTopic(topic)?.kind !== 'status') return { ok: false };
  const result = validateInbound(topic, payload, now, STATUS_ONLY);
  return result.ok && result.kind === 'status' ? result : { ok: false };
}

/** validateMessage plus devices' dropped notices and acks: the collector's view. */
export function validateInbound(
  topic: string,
  payload: Uint8Array,
  now: number,
  catalog: SignalCatalog,
): Inbound {
  if (payload.byteLength > MAX_PAYLOAD_BYTES) {
    return reject('too_large', `${payload.byteLength} bytes > ${MAX_PAYLOAD_BYTES}`);
  }
  const parsedTopic = parseTopic(topic);
  if (!parsedTopic) {
    return reject(
      'unknown_topic',
      'not vehicles/{device_id}/speed|telemetry|status|health|dropped',
    );
  }
  if (parsedTopic.kind === 'ack') return { ok: true, kind: 'ack' };
  if (parsedTopic.kind === 'command' || parsedTopic.kind === 'command/result') {
    return { ok: true, kind: 'command' };
  }
  if (!isDeviceId(parsedTopic.deviceId)) {
    return reject('invalid_device_id', 'topic device_id does not match ^[A-Za-z0-9_-]{1,64}$');
  }
  let value: unknown;
  try {
    value = JSON.parse(
      Buffer.isBuffer(payload) ? payload.toString('utf8') : Buffer.from(payload).toString('utf8'),
    );
  } catch {
    return reject('invalid_json', 'payload is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return reject('invalid_fields', 'payload is not a JSON object');
  }
  if (parsedTopic.kind === 'speed') {
    const fast = acceptSpeed(value as Record<string, unknown>, parsedTopic.deviceId, now);
    if (fast) return fast;
  }
  if (parsedTopic.kind === 'telemetry') {
    return checkTelemetry(value as Record<string, unknown>, parsedTopic.deviceId, now, catalog);
  }
  const nonFinite = nonFiniteField(value as Record<string, unknown>);
  if (nonFinite) return reject('non_finite', `${nonFinite} is not a finite number`);

  if (parsedTopic.kind === 'dropped') {
    const result = droppedSchema.safeParse(value);
    if (!result.success) return reject('invalid_fields', firstIssue(result.error));
    if (result.data.device_id !== parsedTopic.deviceId) {
      return reject('device_mismatch', 'device_id differs from topic');
    }
    return { ok: true, kind: 'dropped', notice: result.data };
  }

  if (parsedTopic.kind === 'health') {
    const result = healthSchema.safeParse(value);
    if (!result.success) return reject('invalid_fields', firstIssue(result.error));
    if (result.data.device_id !== parsedTopic.deviceId) {
      return reject('device_mismatch', 'device_id differs from topic');
    }
    return { ok: true, kind: 'health', health: result.data };
  }

  if (parsedTopic.kind === 'status') {
    const result = statusSchema.safeParse(value);
    if (!result.success) return reject('invalid_fields', firstIssue(result.error));
    if (result.data.device_id !== parsedTopic.deviceId) {
      return reject('device_mismatch', 'device_id differs from topic');
    }
    return { ok: true, kind: 'status', status: result.data };
  }

  const result = speedSchema.safeParse(value);
  if (!result.success) return reject('invalid_fields', firstIssue(result.error));
  const reading = result.data;
  if (reading.device_id !== parsedTopic.deviceId) {
    return reject('device_mismatch', 'device_id differs from topic');
  }
  return rangeAndClock(reading, now) ?? accepted(reading);
}

function accepted(r: SpeedReading, time = timestampMs(r.timestamp)): AcceptedReading {
  return {
    ok: true,
    kind: 'reading',
    reading: {
      device_id: r.device_id,
      seq: r.seq,
      timestamp: r.timestamp,
      values: { speed: r.speed },
    },
    time,
    notes: NO_NOTES,
  };
}

/**
 * A telemetry payload: device_id, seq and timestamp as strictly as a speed reading's (a bad one
 * rejects the reading with the same reasons); then each signal on its own (checkSignals). With no
 * valid signal left it is rejected as `no_signals`.
 */
function checkTelemetry(
  v: Record<string, unknown>,
  topicDeviceId: string | undefined,
  now: number,
  catalog: SignalCatalog,
): AcceptedReading | Rejection {
  const keys = readingKeys(v, topicDeviceId, now);
  if ('reason' in keys) return keys;
  const { reading, time } = keys;
  const checked = checkSignals(catalog, v, reading.values);
  let any = false;
  for (const _ in reading.values) {
    any = true;
    break;
  }
  if (!any) {
    const bad = checked.notes.filter((n) => n.reason === 'invalid_signal').map((n) => n.signal);
    return reject(
      'no_signals',
      bad.length > 0 ? `no valid signal (invalid: ${bad.join(', ')})` : 'no signal in the payload',
    );
  }
  if (checked.flag) reading.position_flag = checked.flag;
  return { ok: true, kind: 'reading', reading, time, notes: checked.notes };
}

type Rejection = { ok: false; reason: RejectReason; detail: string };

/**
 * device_id (equal to the topic's when there is one), seq and timestamp as a Reading without
 * values yet (with the timestamp's epoch ms), or the reject reason.
 */
function readingKeys(
  v: Record<string, unknown>,
  topicDeviceId: string | undefined,
  now: number,
): { reading: Reading; time: number } | Rejection {
  const { device_id, seq, timestamp } = v;
  if (
    typeof device_id === 'string' &&
    (topicDeviceId === undefined ? isDeviceId(device_id) : device_id === topicDeviceId) &&
    typeof seq === 'number' &&
    Number.isSafeInteger(seq) &&
    seq >= 0 &&
    typeof timestamp === 'string'
  ) {
    const ms = parseIsoUtc(timestamp);
    if (ms !== undefined) {
      if (!(ms <= now + MAX_FUTURE_SKEW_MS)) {
        return reject('future_timestamp', 'timestamp more than 5 minutes ahead');
      }
      return { reading: { device_id, seq, timestamp, values: {} }, time: ms };
    }
  }
  if (typeof seq === 'number' && !Number.isFinite(seq)) {
    return reject('non_finite', 'seq is not a finite number');
  }
  const result = readingKeysSchema.safeParse(v);
  if (!result.success) return reject('invalid_fields', firstIssue(result.error));
  if (topicDeviceId !== undefined && result.data.device_id !== topicDeviceId) {
    return reject('device_mismatch', 'device_id differs from topic');
  }
  const time = timestampMs(result.data.timestamp);
  if (time > now + MAX_FUTURE_SKEW_MS) {
    return reject('future_timestamp', 'timestamp more than 5 minutes ahead');
  }
  return { reading: { ...result.data, values: {} }, time };
}

/** The checks a well-typed reading can still fail: speed range, and a clock too far ahead. */
function rangeAndClock(reading: SpeedReading, now: number) {
  if (reading.speed < 0 || reading.speed > MAX_SPEED_KMH) {
    return reject('out_of_range', `speed ${reading.speed} outside 0..${MAX_SPEED_KMH}`);
  }
  if (Date.parse(reading.timestamp) > now + MAX_FUTURE_SKEW_MS) {
    return reject('future_timestamp', 'timestamp more than 5 minutes ahead');
  }
  return undefined;
}

/** One reading outside MQTT (import, HTTP ingest): the reading, or the reject reason MQTT would give. */
export type ReadingVerdict =
  | { ok: true; reading: Reading; notes: readonly SignalNote[] }
  | { ok: false; reason: RejectReason; detail: string };

/** Keys of a speed payload: an object with no others is judged as one (speed required, in range). */
const SPEED_PAYLOAD_KEYS: ReadonlySet<string> = new Set(['device_id', 'seq', 'timestamp', 'speed']);

/** Only the speed payload's keys, speed among them (without it the reading has no signal at all). */
function isSpeedPayload(v: Record<string, unknown>): boolean {
  if (v.speed === undefined) return false;
  for (const key in v) if (!SPEED_PAYLOAD_KEYS.has(key)) return false;
  return true;
}

/**
 * Validates a speed payload that arrived without a topic (a file row, an HTTP body element) with
 * the MQTT path's rules and reasons. With no topic to check, a device_id that is a string but not
 * `^[A-Za-z0-9_-]{1,64}$` is `invalid_device_id` (MQTT names it from the topic); anything else
 * wrong is `invalid_fields`, `non_finite`, `out_of_range` or `future_timestamp` as over MQTT.
 */
export function validateReadingValue(
  value: unknown,
  now: number,
  catalog: SignalCatalog,
): ReadingVerdict {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return reject('invalid_fields', 'payload is not a JSON object');
  }
  const v = value as Record<string, unknown>;
  const id = v.device_id;
  const validId = typeof id === 'string' && isDeviceId(id);
  if (typeof id === 'string' && !validId) {
    return reject('invalid_device_id', 'device_id does not match ^[A-Za-z0-9_-]{1,64}$');
  }
  if (!isSpeedPayload(v)) {
    const t = checkTelemetry(v, undefined, now, catalog);
    return t.ok ? { ok: true, reading: t.reading, notes: t.notes } : t;
  }
  if (validId) {
    const fast = acceptSpeed(v, id, now);
    if (fast) return { ok: true, reading: fast.reading, notes: NO_NOTES };
  }
  const nonFinite = nonFiniteField(v);
  if (nonFinite) return reject('non_finite', `${nonFinite} is not a finite number`);
  const result = speedSchema.safeParse(v);
  if (!result.success) return reject('invalid_fields', firstIssue(result.error));
  return (
    rangeAndClock(result.data, now) ?? {
      ok: true,
      reading: accepted(result.data).reading,
      notes: NO_NOTES,
    }
  );
}

/** Device side: an end-to-end ack for `deviceId`, or undefined when it is not one. */
export function parseAck(deviceId: string, payload: Uint8Array): AckMessage | undefined {
  if (payload.byteLength > MAX_PAYLOAD_BYTES) return undefined;
  try {
    const result = ackSchema.safeParse(JSON.parse(Buffer.from(payload).toString('utf8')));
    return result.success && result.data.device_id === deviceId ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The hot path (every reading): plain checks that accept only what the schema path accepts too,
 * without its allocations. Anything it does not accept goes through the schema, which alone
 * decides rejects and their reasons. A test holds the two paths to the same verdicts.
 */
export function acceptReading(
  v: Record<string, unknown>,
  topicDeviceId: string,
  now: number,
): SpeedReading | undefined {
  const a = acceptSpeed(v, topicDeviceId, now);
  if (!a) return undefined;
  const { device_id, seq, timestamp, values } = a.reading;
  return { device_id, seq, timestamp, speed: values.speed as number };
}

/** acceptReading as the collector takes it: the reading with its timestamp parsed once. */
function acceptSpeed(
  v: Record<string, unknown>,
  topicDeviceId: string,
  now: number,
): AcceptedReading | undefined {
  const { device_id, seq, timestamp, speed } = v;
  if (device_id !== topicDeviceId) return undefined;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return undefined;
  if (typeof speed !== 'number' || !(speed >= 0 && speed <= MAX_SPEED_KMH)) return undefined;
  if (typeof timestamp !== 'string') return undefined;
  // Calendar check included: 2026-02-30 would parse (as March 2nd); parseIsoUtc refuses it.
  const ms = parseIsoUtc(timestamp);
  if (ms === undefined || !(ms <= now + MAX_FUTURE_SKEW_MS)) return undefined;
  return accepted({ device_id: topicDeviceId, seq, timestamp, speed }, ms);
}
