// The dashboard's wire contract: REST bodies and Socket.IO event maps, imported by the server and the page.
import type { DeviceStatus, RegistryEntry, SpeedReading } from './contract.js';
import type { RejectReason } from './validate.js';

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

export interface DeviceStatusEntry {
  status: DeviceStatus;
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

/** `GET /api/devices`: one entry per registered or seen vehicle, by device_id. */
export interface DeviceListEntry extends RegistryEntry {
  /** false: seen (live or in the store) but not in the registry; name, plate and limit are null. */
  registered: boolean;
  status: DeviceStatus;
  /** Server time the vehicle was last heard from (ISO 8601 UTC); null: never. */
  last_seen: string | null;
}

/** `PUT /api/devices/:id` answers the entry as stored, with the vehicle's live state. */
export type DeviceBody = DeviceListEntry;

/** `limit` of the raw readings route: default and maximum. */
export const READINGS_DEFAULT_LIMIT = 1000;
export const READINGS_MAX_LIMIT = 10_000;

export interface RawReadingItem {
  seq: number;
  /** Device timestamp, ISO 8601 UTC, millisecond precision. */
  timestamp: string;
  speed: number;
}

/** `GET /api/devices/:id/readings` (JSON): one page; next_cursor null when the range has no more. */
export interface ReadingsBody {
  device_id: string;
  readings: RawReadingItem[];
  next_cursor: string | null;
}

/** The CSV export's header: the columns `npm run import` reads, so an export imports again. */
export const CSV_HEADER = 'device_id,seq,timestamp,speed';

/** `POST /api/readings`: at most this many readings per request. */
export const INGEST_MAX_ITEMS = 10_000;

/** `POST /api/readings`: what happened to the request's readings. */
export interface IngestBody {
  /** Readings newly stored. */
  stored: number;
  /** Valid readings whose (device_id, seq) was already stored (or repeated in the request). */
  duplicates: number;
  /** Each refused item: its index in the request and the reason MQTT would give. */
  rejected: Array<{ index: number; reason: RejectReason }>;
}

export interface LatestDataEntry {
  /** null: the device is known (status topic) but has sent no reading yet. */
  speed: number | null;
  timestamp: string | null;
  status: DeviceStatus;
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
}

/** The page sends nothing: history is fetched over REST. */
export type ClientToServerEvents = Record<string, never>;

export const historyPath = (deviceId: string): string =>
  `/api/devices/${encodeURIComponent(deviceId)}/history`;

export const readingsPath = (deviceId: string): string =>
  `/api/devices/${encodeURIComponent(deviceId)}/readings`;
