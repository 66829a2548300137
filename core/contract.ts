// The wire contract: MQTT topics, payload types and limits shared by every part (see INTERFACE.md).

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

export type DeviceStatus = 'online' | 'offline';

/** Availability: `vehicles/{device_id}/status`, QoS 1, retained; `offline` is the last will. */
export interface StatusMessage {
  device_id: string;
  status: DeviceStatus;
  timestamp: string;
}

export const TOPIC_ROOT = 'vehicles';
export const SPEED_SUBSCRIPTION = `${TOPIC_ROOT}/+/speed`;
export const STATUS_SUBSCRIPTION = `${TOPIC_ROOT}/+/status`;

export const speedTopic = (deviceId: string): string => `${TOPIC_ROOT}/${deviceId}/speed`;
export const statusTopic = (deviceId: string): string => `${TOPIC_ROOT}/${deviceId}/status`;

export type TopicKind = 'speed' | 'status';

export interface ParsedTopic {
  kind: TopicKind;
  deviceId: string;
}

/** Splits `vehicles/{id}/{kind}`; undefined for anything else. */
export function parseTopic(topic: string): ParsedTopic | undefined {
  const parts = topic.split('/');
  if (parts.length !== 3 || parts[0] !== TOPIC_ROOT) return undefined;
  const [, deviceId, kind] = parts;
  if (deviceId === undefined || (kind !== 'speed' && kind !== 'status')) return undefined;
  return { kind, deviceId };
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
