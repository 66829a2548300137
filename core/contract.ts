// The wire contract: MQTT topics, payload types and limits shared by every part (see INTERFACE.md).
import { POSITION_KEYS, type PositionFlag, type SignalValue } from './signals/catalog.js';

export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Payloads larger than this are rejected before parsing. */
export const MAX_PAYLOAD_BYTES = 4096;
export const MAX_SPEED_KMH = 300;
/** A device clock may run ahead of ours by at most this much. */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;
/** seq must be a JSON integer that survives a float64 round trip. */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER;

/** One speed reading: `vehicles/{device_id}/speed`, QoS 1, not retained. */
export interface SpeedReading {
  device_id: string;
  seq: number;
  /** ISO 8601 UTC, device clock, time of measurement. */
  timestamp: string;
  /** km/h */
  speed: number;
}

/** `position` of a telemetry payload: lat and lon together, the rest optional. */
export interface PositionPayload {
  lat: number;
  lon: number;
  alt?: number;
  acc?: number;
  heading?: number;
}

/**
 * One telemetry reading: `vehicles/{device_id}/telemetry`, QoS 1, not retained. Every signal is
 * optional; custom signals (SIGNALS_FILE) are further top-level keys. One seq sequence per device
 * across `speed` and `telemetry`.
 */
export interface TelemetryPayload {
  device_id: string;
  seq: number;
  timestamp: string;
  speed?: number;
  position?: PositionPayload;
  ignition?: boolean;
  odometer_km?: number;
  fuel_pct?: number;
  battery_v?: number;
  battery_pct?: number;
  coolant_c?: number;
  rpm?: number;
  /** Set by the collector (live feed, API), never by a device: the position is not usable. */
  position_flag?: PositionFlag;
  [custom: string]: unknown;
}

/**
 * A validated reading as every part holds it (speed or telemetry topic, import, HTTP ingest):
 * the valid signals by their flat catalog key (`speed`, `lat`, `lon`, …, custom names).
 */
export interface Reading {
  device_id: string;
  seq: number;
  /** ISO 8601 UTC, device clock, time of measurement. */
  timestamp: string;
  values: Record<string, SignalValue>;
  /**
   * Why its position is not used for maps, tracks, distance or trips (zero_fix from the payload
   * alone; jump decided by the store against the previous valid fix); absent: usable, or none.
   */
  position_flag?: PositionFlag;
}

/** A speed-topic payload as a reading. */
export function readingOfSpeed(r: SpeedReading): Reading {
  return { device_id: r.device_id, seq: r.seq, timestamp: r.timestamp, values: { speed: r.speed } };
}

/** Does the reading carry a position (lat and lon)? */
export function hasPosition(r: Reading): boolean {
  return typeof r.values.lat === 'number' && typeof r.values.lon === 'number';
}

/** The reading as a payload: position keys nested under `position`, the flag when set. */
export function toPayload(r: Reading): TelemetryPayload {
  const out: TelemetryPayload = { device_id: r.device_id, seq: r.seq, timestamp: r.timestamp };
  let position: Record<string, SignalValue> | undefined;
  for (const key in r.values) {
    const v = r.values[key] as SignalValue;
    if (POSITION_KEYS.has(key)) {
      position ??= {};
      position[key] = v;
    } else out[key] = v;
  }
  if (position) out.position = position as unknown as PositionPayload;
  if (r.position_flag !== undefined) out.position_flag = r.position_flag;
  return out;
}

/** Encodes a reading for `vehicles/{id}/telemetry` (keys in the order of its values). */
export function encodeTelemetry(r: Reading): string {
  const payload = toPayload(r);
  delete payload.position_flag; // the collector's judgement, never a device's
  return JSON.stringify(payload);
}

export type DeviceStatus = 'online' | 'offline';

/** Availability: `vehicles/{device_id}/status`, QoS 1, retained; `offline` is the last will. */
export interface StatusMessage {
  device_id: string;
  status: DeviceStatus;
  timestamp: string;
}

/**
 * End-to-end acknowledgement: `vehicles/{device_id}/ack`, QoS 0, retained, collector -> device.
 * `seq` is the highest seq up to which every reading of the device is durably stored (or was
 * declared dropped by the device); -1 when nothing is yet. A device deletes its queued readings
 * up to it.
 */
export interface AckMessage {
  device_id: string;
  seq: number;
  timestamp: string;
}

/**
 * `vehicles/{device_id}/dropped`, QoS 1, device -> collector: "I no longer hold seq from..to"
 * (evicted from a full queue). Sent when an ack shows the collector waiting for such seqs, so its
 * watermark can move on; the collector counts them as dropped at the device.
 */
export interface DroppedNotice {
  device_id: string;
  from: number;
  to: number;
  timestamp: string;
}

/**
 * Device health: `vehicles/{device_id}/health`, QoS 1, retained, every HEALTH_INTERVAL_S.
 * `firmware` is free text from the device (shown as text only).
 */
export interface HealthMessage {
  device_id: string;
  timestamp: string;
  uptime_s: number;
  queue_depth: number;
  dropped_total: number;
  reconnects: number;
  firmware: string;
}

/** Names a simulated vehicle executes; anything else is answered `rejected`. */
export const COMMAND_NAMES = ['ping', 'set_interval', 'set_speed_limit'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

/** `vehicles/{device_id}/command`, QoS 1, not retained, dashboard -> device. */
export interface CommandMessage {
  command_id: string;
  /** A known CommandName, or anything else (the vehicle rejects it with a reason). */
  name: string;
  params: Record<string, unknown>;
  /** ISO 8601 UTC; a vehicle does not execute a command past it. */
  expires_at: string;
}

export type CommandResultStatus = 'succeeded' | 'failed' | 'rejected';

/** `vehicles/{device_id}/command/result`, QoS 1, not retained, device -> dashboard. */
export interface CommandResultMessage {
  command_id: string;
  device_id: string;
  status: CommandResultStatus;
  result?: Record<string, unknown>;
  error?: string;
  timestamp: string;
}

/**
 * Server-side topics live under `fleet/` (never a device's): the dashboard publishes the device
 * registry there as one retained snapshot, so a collector on another host follows it.
 */
export const FLEET_ROOT = 'fleet';
export const REGISTRY_TOPIC = `${FLEET_ROOT}/registry`;

/** What a registered device speaks: our own MQTT, or one of the gateway's inputs. */
export const DEVICE_PROTOCOLS = ['mqtt', 'osmand', 'owntracks', 'teltonika'] as const;
export type DeviceProtocol = (typeof DEVICE_PROTOCOLS)[number];

export interface RegistryEntry {
  device_id: string;
  name: string | null;
  plate: string | null;
  speed_limit_kmh: number | null;
  /** A Teltonika tracker's IMEI: the gateway gives its readings this device_id. Absent: none. */
  imei?: string;
  /** Absent: any; set, with DEVICE_ALLOWLIST=true the gateway takes the device on that input only. */
  protocol?: DeviceProtocol;
}

/** `fleet/registry`, QoS 1, retained, dashboard -> collector: every registered device. */
export interface RegistrySnapshot {
  devices: RegistryEntry[];
  timestamp: string;
}

export const ALARM_STATES = ['open', 'acknowledged', 'cleared'] as const;
export type AlarmState = (typeof ALARM_STATES)[number];
export const ALARM_SEVERITIES = ['critical', 'major', 'minor', 'warning', 'info'] as const;
export type AlarmSeverity = (typeof ALARM_SEVERITIES)[number];
/** Rule names appear in topics, labels and URLs: a small safe alphabet. */
export const RULE_NAME_PATTERN = /^[a-z][a-z0-9_]{0,31}$/;

/** One alarm, as GET /api/alarms and the Socket.IO `alarm` event show it (see INTERFACE.md). */
export interface Alarm {
  /** A UUID chosen by the collector when the alarm opens. */
  id: string;
  /** null: a fleet-wide alarm (fleet_silent). */
  device_id: string | null;
  rule: string;
  severity: AlarmSeverity;
  state: AlarmState;
  /** ISO 8601 UTC, the collector's clock. */
  started_at: string;
  updated_at: string;
  cleared_at: string | null;
  acknowledged_at: string | null;
  /** What the rule measured (peak speed, seqs dropped, seconds silent, ...); null when nothing. */
  value: number | null;
  message: string;
}

/**
 * `fleet/alarms/{device_id or ~fleet}/{rule}`, QoS 1, retained, collector -> dashboard: the
 * latest state of the newest alarm of that (device, rule). `version` grows with every change, so a
 * reader keeps the newest whatever order redeliveries arrive in.
 */
export interface AlarmMessage extends Alarm {
  version: number;
}

/** `fleet/alarms/ack`, QoS 1, dashboard -> collector: acknowledge one alarm. */
export interface AlarmAckRequest {
  alarm_id: string;
  timestamp: string;
}

export const ALARM_TOPIC_ROOT = `${FLEET_ROOT}/alarms`;
/** The device segment of a fleet-wide alarm's topic: `~` never occurs in a device id. */
export const FLEET_SCOPE = '~fleet';
export const ALARM_SUBSCRIPTION = `${ALARM_TOPIC_ROOT}/+/+`;
export const ALARM_ACK_TOPIC = `${ALARM_TOPIC_ROOT}/ack`;
export const alarmTopic = (deviceId: string | null, rule: string): string =>
  `${ALARM_TOPIC_ROOT}/${deviceId ?? FLEET_SCOPE}/${rule}`;

export const TOPIC_ROOT = 'vehicles';
export const SPEED_SUBSCRIPTION = `${TOPIC_ROOT}/+/speed`;
export const TELEMETRY_SUBSCRIPTION = `${TOPIC_ROOT}/+/telemetry`;
export const STATUS_SUBSCRIPTION = `${TOPIC_ROOT}/+/status`;
export const HEALTH_SUBSCRIPTION = `${TOPIC_ROOT}/+/health`;
export const DROPPED_SUBSCRIPTION = `${TOPIC_ROOT}/+/dropped`;
/** What the dashboard publishes to (one vehicle's topic at a time) and reads results from. */
export const COMMAND_SUBSCRIPTION = `${TOPIC_ROOT}/+/command`;
export const COMMAND_RESULT_SUBSCRIPTION = `${TOPIC_ROOT}/+/command/result`;
/** The collector's one subscription: everything under vehicles/, so stray topics are counted too. */
export const ALL_VEHICLE_TOPICS = `${TOPIC_ROOT}/#`;

export const speedTopic = (deviceId: string): string => `${TOPIC_ROOT}/${deviceId}/speed`;
export const telemetryTopic = (deviceId: string): string => `${TOPIC_ROOT}/${deviceId}/telemetry`;
export const statusTopic = (deviceId: string): string => `${TOPIC_ROOT}/${deviceId}/status`;
export const ackTopic = (deviceId: string): string => `${TOPIC_ROOT}/${deviceId}/ack`;
export const droppedTopic = (deviceId: string): string => `${TOPIC_ROOT}/${deviceId}/dropped`;
export const healthTopic = (deviceId: string): string => `${TOPIC_ROOT}/${deviceId}/health`;
export const commandTopic = (deviceId: string): string => `${TOPIC_ROOT}/${deviceId}/command`;
export const commandResultTopic = (deviceId: string): string =>
  `${TOPIC_ROOT}/${deviceId}/command/result`;

export type TopicKind =
  | 'speed'
  | 'telemetry'
  | 'status'
  | 'ack'
  | 'dropped'
  | 'health'
  | 'command'
  | 'command/result';
const TOPIC_KINDS: readonly string[] = [
  'speed',
  'telemetry',
  'status',
  'ack',
  'dropped',
  'health',
  'command',
  'command/result',
];

export interface ParsedTopic {
  kind: TopicKind;
  deviceId: string;
}

const TOPIC_KIND_SET: ReadonlySet<string> = new Set(TOPIC_KINDS);
const TOPIC_PREFIX = `${TOPIC_ROOT}/`;

/** Splits `vehicles/{id}/{kind}` (kind may be `command/result`); undefined for anything else. */
export function parseTopic(topic: string): ParsedTopic | undefined {
  // indexOf and two slices, not split/join: every inbound message goes through here.
  if (!topic.startsWith(TOPIC_PREFIX)) return undefined;
  const slash = topic.indexOf('/', TOPIC_PREFIX.length);
  if (slash === -1) return undefined;
  const kind = topic.slice(slash + 1);
  if (!TOPIC_KIND_SET.has(kind)) return undefined;
  return { kind: kind as TopicKind, deviceId: topic.slice(TOPIC_PREFIX.length, slash) };
}

export function isDeviceId(value: string): boolean {
  return DEVICE_ID_PATTERN.test(value);
}

/** Encodes a reading exactly as devices put it on the wire (key order fixed). */
export function encodeReading(r: SpeedReading): string {
  return JSON.stringify({
    device_id: r.device_id,
    seq: r.seq,
    timestamp: r.timestamp,
    speed: r.speed,
  });
}

export function encodeStatus(s: StatusMessage): string {
  return JSON.stringify({ device_id: s.device_id, status: s.status, timestamp: s.timestamp });
}

export function encodeAck(a: AckMessage): string {
  return JSON.stringify({ device_id: a.device_id, seq: a.seq, timestamp: a.timestamp });
}

export function encodeDropped(d: DroppedNotice): string {
  return JSON.stringify({ device_id: d.device_id, from: d.from, to: d.to, timestamp: d.timestamp });
}

export function encodeHealth(h: HealthMessage): string {
  return JSON.stringify({
    device_id: h.device_id,
    timestamp: h.timestamp,
    uptime_s: h.uptime_s,
    queue_depth: h.queue_depth,
    dropped_total: h.dropped_total,
    reconnects: h.reconnects,
    firmware: h.firmware,
  });
}
