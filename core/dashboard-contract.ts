// The dashboard's wire contract: REST bodies and Socket.IO event maps, imported by the server and the page.
import type { Alarm, HealthMessage, SpeedReading } from './contract.js';

/** Page range selector: each key with the `duration` it sends to the history route. */
export const RANGES = {
  '5m': '5m',
  '1h': '1h',
  '24h': '24h',
  '7d': '7d',
  '30d': '30d',
  '1y': '365d',
} as const;
export type RangeKey = keyof typeof RANGES;
export const DEFAULT_DURATION = '5m';
/** `points` bounds of the history route, and its default. */
export const MIN_POINTS = 2;
export const MAX_POINTS = 10_000;
export const DEFAULT_POINTS = 300;
/** Longest history span a single request may cover (a year and a bit: the 1-minute tier's default life). */
export const MAX_SPAN_MS = 400 * 24 * 60 * 60 * 1000;
/** A reading this much older than the server clock when it arrives was replayed from a device queue. */
export const LATE_AFTER_MS = 5000;

export const ERROR_CODES = [
  'invalid_parameter',
  'bad_request',
  'not_found',
  'store_unavailable',
  'internal',
  'unauthorized',
  'forbidden',
  'method_not_allowed',
  'payload_too_large',
  'rate_limited',
  'conflict',
  'broker_unavailable',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Every non-2xx answer of the JSON routes. */
export interface ErrorBody {
  error: ErrorCode;
  message: string;
}

/** `GET /api/health`: 200 when both are up, 503 otherwise. */
export interface HealthBody {
  status: 'ok' | 'degraded';
  broker: 'connected' | 'disconnected';
  store: 'ok' | 'unavailable';
  version: string;
}

/**
 * What the dashboard shows per vehicle: online; warning (online, but its health or its data is
 * older than twice its interval); offline (said so, or silent for more than OFFLINE_AFTER_S).
 */
export type DeviceState = 'online' | 'warning' | 'offline';

export interface DeviceStatusEntry {
  status: DeviceState;
  /** Server time the device was last heard from (ISO 8601 UTC); null: never. */
  last_seen: string | null;
  /** Seconds, one decimal; null: never seen. */
  time_since_last_seen: number | null;
}

/** `GET /api/devices/status`, keyed by device id. */
export type DevicesStatusBody = Record<string, DeviceStatusEntry>;

/** `GET /api/devices/:id/latest`: the newest stored reading. */
export interface LatestBody {
  device_id: string;
  speed: number;
  timestamp: string;
  seq: number;
}

export interface HistoryDataPoint {
  /** Start of the window, ISO 8601 UTC (windows are aligned to multiples of window_ms). */
  timestamp: string;
  /** Mean speed in the window. */
  speed: number;
  min: number;
  max: number;
  /** Readings in the window (an addition to the original four keys: lets a live tail merge exactly). */
  count: number;
}

/** `GET /api/devices/:id/history`. */
export interface HistoryBody {
  device_id: string;
  from: string;
  to: string;
  window_ms: number;
  data_points: HistoryDataPoint[];
}

export interface LatestDataEntry {
  /** null: the device is known (status topic) but has sent no reading yet. */
  speed: number | null;
  timestamp: string | null;
  status: DeviceState;
}

/** `latest_data`, every second, keyed by device id. */
export type LatestData = Record<string, LatestDataEntry>;

/** `hello`, once per connection: what the page needs to judge time like the server does. */
export interface HelloPayload {
  server_time: string;
  offline_after_s: number;
  late_after_ms: number;
  version: string;
}

export interface ServerToClientEvents {
  latest_data: (data: LatestData) => void;
  /** One validated MQTT speed payload, pushed as it arrives. */
  reading: (reading: SpeedReading) => void;
  hello: (hello: HelloPayload) => void;
  /** On open, update, acknowledgement and clear: the alarm as GET /api/alarms shows it. */
  alarm: (alarm: Alarm) => void;
  /** One validated health message, as it arrives (and each device's latest on connecting). */
  health: (health: HealthMessage) => void;
}

/** `GET /api/alarms?state=`: active is open or acknowledged, i.e. not cleared. */
export const ALARM_QUERY_STATES = ['active', 'acknowledged', 'cleared', 'all'] as const;
export type AlarmQueryState = (typeof ALARM_QUERY_STATES)[number];
export const DEFAULT_ALARM_LIMIT = 100;
export const MAX_ALARM_LIMIT = 1000;

/** `GET /api/alarms`: newest first (by started_at). */
export type AlarmsBody = Alarm[];

/** The page sends nothing: history is fetched over REST. */
export type ClientToServerEvents = Record<string, never>;

export const historyPath = (deviceId: string): string =>
  `/api/devices/${encodeURIComponent(deviceId)}/history`;

export const ALARMS_PATH = '/api/alarms';
export const alarmAckPath = (alarmId: string): string =>
  `/api/alarms/${encodeURIComponent(alarmId)}/ack`;
