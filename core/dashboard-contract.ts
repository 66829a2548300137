// The dashboard's wire contract: REST bodies and Socket.IO event maps, imported by the server and the page.
import type { Alarm, HealthMessage, RegistryEntry, TelemetryPayload } from './contract.js';
import type { GeoEventBody } from './geo-wire.js';
import type { MapUpdate, MapViewRequest } from './map-wire.js';
import type { PositionFlag, SignalType, SignalValue } from './signals/catalog.js';
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
  'too_many_pending',
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

/** One vehicle on the live map: its newest usable fix, status and speed. */
export interface VehiclePosition {
  device_id: string;
  lat: number;
  lon: number;
  /** Degrees clockwise from north at that fix; null: not reported. */
  heading: number | null;
  status: DeviceState;
  speed: number | null;
  /** Device time of the fix. */
  fix_at: string;
}

/** `GET /api/devices/positions`: every vehicle with a usable fix, by id. */
export type PositionsBody = VehiclePosition[];

/** One signal's newest value and the device time it was measured at. */
export interface LatestSignal {
  value: SignalValue;
  timestamp: string;
}

/** The newest valid fix: its keys together, measured at `timestamp`. */
export interface LatestPosition {
  lat: number;
  lon: number;
  alt?: number;
  acc?: number;
  heading?: number;
  timestamp: string;
}

/**
 * `GET /api/devices/:id/latest`: the newest stored reading (`seq`, `timestamp`) and every signal's
 * newest value, each with its own time (a signal the newest reading lacks keeps its last value).
 */
export interface LatestBody {
  device_id: string;
  /** The newest speed (km/h); null: the vehicle never sent one. */
  speed: number | null;
  /** Device time of the newest reading. */
  timestamp: string;
  seq: number;
  /** Every signal but the position's keys, by catalog key (`speed`, `fuel_pct`, custom names). */
  signals: Record<string, LatestSignal>;
  /** The newest valid fix; null: none stored. */
  position: LatestPosition | null;
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

/** `GET /api/devices/:id/history` without `signal`: speed, in the original's shape. */
export interface HistoryBody {
  device_id: string;
  from: string;
  to: string;
  window_ms: number;
  data_points: HistoryDataPoint[];
}

export interface SignalHistoryPoint {
  /** Start of the window, ISO 8601 UTC. */
  timestamp: string;
  /** Mean in the window; a boolean signal: the fraction of readings where it was true. */
  mean: number;
  /** A boolean signal: 0 or 1. */
  min: number;
  max: number;
  count: number;
}

/** `GET /api/devices/:id/history?signal=NAME`: one signal of the catalog. */
export interface SignalHistoryBody {
  device_id: string;
  /** The signal's API name (`fuel_pct`, `position.alt`). */
  signal: string;
  unit: string;
  from: string;
  to: string;
  window_ms: number;
  data_points: SignalHistoryPoint[];
}

/** `GET /api/signals`: one entry per signal of the catalog in force, in catalog order. */
export interface SignalInfo {
  /** What `signals=` and `signal=` take: `speed`, `position.lat`, custom names. */
  name: string;
  /** The key in readings rows, CSV columns and `latest.signals`: `speed`, `lat`. */
  key: string;
  type: SignalType;
  unit: string;
  /** Inclusive bounds of a valid value (numbers; null: unbounded or boolean). */
  min: number | null;
  max: number | null;
  /** `max` itself is out of range (heading: 0 <= h < 360). */
  max_exclusive: boolean;
  builtin: boolean;
  description: string;
}

/** `GET /api/devices`: one entry per registered or seen vehicle, by device_id. */
export interface DeviceListEntry extends RegistryEntry {
  /** false: seen (live or in the store) but not in the registry; name, plate and limit are null. */
  registered: boolean;
  status: DeviceState;
  /** Server time the vehicle was last heard from (ISO 8601 UTC); null: never. */
  last_seen: string | null;
}

/** `PUT /api/devices/:id` answers the entry as stored, with the vehicle's live state. */
export type DeviceBody = DeviceListEntry;

/** `limit` of the raw readings route: default and maximum. */
export const READINGS_DEFAULT_LIMIT = 1000;
export const READINGS_MAX_LIMIT = 10_000;

/**
 * One row of `GET /api/devices/:id/readings` (JSON): the selected signals the reading has, by
 * catalog key in catalog order (a signal it lacks is left out: a speed-only reading is
 * `{seq, timestamp, speed}`); with a position selected and present, `position_valid` and
 * `position_flag` (null when valid).
 */
export interface RawReadingItem {
  seq: number;
  /** Device timestamp, ISO 8601 UTC, millisecond precision. */
  timestamp: string;
  speed?: number;
  position_valid?: boolean;
  position_flag?: PositionFlag | null;
  [signal: string]: SignalValue | string | null | undefined;
}

/** `GET /api/devices/:id/readings` (JSON): one page; next_cursor null when the range has no more. */
export interface ReadingsBody {
  device_id: string;
  readings: RawReadingItem[];
  next_cursor: string | null;
}

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
  /** Signals dropped from stored readings for a bad value (invalid_signal), by signal name. */
  invalid_signals: Record<string, number>;
  /** Keys of stored readings that are no signal of the catalog (unknown_signal, ignored). */
  unknown_signals: number;
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
  /** MAP_TILE_URL's tile template; null: the offline basemap shipped with the package. */
  map_tile_url: string | null;
  version: string;
}

/**
 * A command's life: `queued` (stored; waits while its vehicle is offline or another command of
 * it is in flight) → `sent` (the broker acknowledged the PUBLISH) → the vehicle's answer:
 * `succeeded` | `failed` | `rejected`; or `expired` (never executed: expires_at passed before it
 * was sent, or before the vehicle got it) or `timed_out` (no answer within COMMAND_TIMEOUT_S of
 * being sent; a late answer still replaces it).
 */
export const COMMAND_STATUSES = [
  'queued',
  'sent',
  'succeeded',
  'failed',
  'rejected',
  'expired',
  'timed_out',
] as const;
export type CommandStatus = (typeof COMMAND_STATUSES)[number];

/** `POST /api/devices/:id/commands`. */
export interface CommandRequest {
  name: string;
  params?: Record<string, unknown>;
  /** Seconds from now after which the vehicle must not execute it (default 3600). */
  expires_in_s?: number;
}

/** The 202 answer of `POST /api/devices/:id/commands`. */
export interface CommandAccepted {
  command_id: string;
  status: 'queued';
}

/** `GET /api/commands/:command_id`, the elements of `GET /api/devices/:id/commands`, and the `command` event. */
export interface CommandBody {
  command_id: string;
  device_id: string;
  name: string;
  params: Record<string, unknown>;
  status: CommandStatus;
  created_at: string;
  updated_at: string;
  /** An addition to INTERFACE.md's keys: when the vehicle stops accepting it. */
  expires_at: string;
  /** The vehicle's result (succeeded: e.g. `{uptime_s}`). */
  result?: Record<string, unknown>;
  /** The vehicle's reason (failed, rejected), or why the dashboard gave up (expired, timed_out). */
  error?: string;
}

/** Bounds of `expires_in_s`, and its default. */
export const DEFAULT_COMMAND_EXPIRES_S = 3600;
export const MAX_COMMAND_EXPIRES_S = 7 * 24 * 3600;
/** Commands per vehicle that may wait (queued or sent) at once. */
export const MAX_PENDING_COMMANDS = 100;

export interface ServerToClientEvents {
  latest_data: (data: LatestData) => void;
  /**
   * One validated reading, pushed as it arrives: the payload as sent on the speed or telemetry
   * topic (every signal present; `position_flag` when its position is not used).
   */
  reading: (reading: TelemetryPayload) => void;
  hello: (hello: HelloPayload) => void;
  /** A command whose status (or late result) changed. */
  command: (command: CommandBody) => void;
  /** On open, update, acknowledgement and clear: the alarm as GET /api/alarms shows it. */
  alarm: (alarm: Alarm) => void;
  /** One validated health message, as it arrives (and each device's latest on connecting). */
  health: (health: HealthMessage) => void;
  /** Every second, to clients that sent `view`: the whole fleet in a few numbers. */
  fleet_summary: (summary: FleetSummaryBody) => void;
  /** Every second and right after each `view`: the table window and the watched vehicles. */
  fleet_rows: (rows: FleetRowsBody) => void;
  /** A trip, harsh-driving or geofence event as a collector computed it (as GET /api/events lists it). */
  event: (event: GeoEventBody) => void;
  /** To clients that sent `map_view`: what changed in their map's view (core/map-wire.ts). */
  map: (update: MapUpdate) => void;
}

/**
 * The signals a fleet manager scans in the table, besides speed (catalog keys): each a column of
 * FleetRow, null while the vehicle has not sent it.
 */
export const FLEET_SIGNALS = ['fuel_pct', 'battery_v', 'ignition'] as const;
export type FleetSignal = (typeof FLEET_SIGNALS)[number];

/** Columns the fleet table sorts by (server side: the client holds only the rows it shows). */
export const FLEET_SORT_KEYS = [
  'id',
  'name',
  'status',
  'speed',
  'last_seen',
  'alarms',
  ...FLEET_SIGNALS,
  'fix_at',
] as const;
export type FleetSortKey = (typeof FLEET_SORT_KEYS)[number];
export const FLEET_STATUS_FILTERS = ['all', 'online', 'warning', 'offline'] as const;
export type FleetStatusFilter = (typeof FLEET_STATUS_FILTERS)[number];
/** At most this many table rows per `view`, watched vehicles, and characters of filter text. */
export const MAX_VIEW_ROWS = 200;
export const MAX_VIEW_VEHICLES = 24;
export const MAX_VIEW_TEXT = 100;
/** Sparkline samples per vehicle (a minute at one per second). */
export const SPARK_SAMPLES = 60;
/** Width of the speed histogram's buckets, km/h (the last bucket holds everything above). */
export const SPEED_BUCKET_KMH = 20;
export const SPEED_BUCKETS = 11;

/** The fleet table's query: filter, order and the window of rows the client has on screen. */
export interface FleetTableQuery {
  sort: FleetSortKey;
  order: 'asc' | 'desc';
  /** Case-insensitive substring of the id or the registry name ('' : all). */
  text: string;
  status: FleetStatusFilter;
  /** true: only vehicles with an active (open or acknowledged) alarm. */
  alarm: boolean;
  offset: number;
  limit: number;
}

/**
 * `view` (client → server): what the client shows. Once sent, the client gets `fleet_summary` and
 * `fleet_rows` every second and `reading` / `health` only of `vehicles`, instead of `latest_data`
 * and every reading. `table` null: no table (a vehicle page).
 */
export interface ViewRequest {
  table: FleetTableQuery | null;
  vehicles: string[];
}

/** One vehicle as the fleet table shows it. */
export interface FleetRow {
  device_id: string;
  /** From the device registry; null: not registered or no name. */
  name: string | null;
  status: DeviceState;
  speed: number | null;
  /** Device time of that speed. */
  timestamp: string | null;
  /** Server time the vehicle was last heard from; null: never. */
  last_seen: string | null;
  /** Its active alarms (open or acknowledged). */
  alarms: number;
  /** The newest value of each FLEET_SIGNALS signal (null: never sent). */
  fuel_pct: number | null;
  battery_v: number | null;
  ignition: boolean | null;
  /** Device time of the newest usable fix (a position without position_flag); null: none. */
  fix_at: string | null;
  /**
   * The last minute of speeds (one per second with a new reading, oldest first), sent only when
   * the row enters this client's window; afterwards the client appends `speed` itself.
   */
  spark?: number[];
}

export interface FleetRowsBody {
  /** Rows matching the table's filter (all of them, not just this window). */
  total: number;
  offset: number;
  rows: FleetRow[];
  /** The watched vehicles (`view.vehicles`) that are known, in the order asked. */
  vehicles: FleetRow[];
}

export interface FleetSummaryBody {
  devices: number;
  online: number;
  warning: number;
  offline: number;
  /** Active alarms, fleet-wide ones included. */
  active_alarms: number;
  /** Valid live readings the dashboard received in the last second. */
  readings_per_s: number;
  /** Latest speeds of vehicles not offline, by SPEED_BUCKET_KMH buckets from 0. */
  speed_histogram: number[];
  server_time: string;
}

/** `GET /api/alarms?state=`: active is open or acknowledged, i.e. not cleared. */
export const ALARM_QUERY_STATES = ['active', 'acknowledged', 'cleared', 'all'] as const;
export type AlarmQueryState = (typeof ALARM_QUERY_STATES)[number];
export const DEFAULT_ALARM_LIMIT = 100;
export const MAX_ALARM_LIMIT = 1000;

/** `GET /api/alarms`: newest first (by started_at). */
export type AlarmsBody = Alarm[];

/** The page says what it shows (history is fetched over REST); a client that never does is a legacy one. */
export interface ClientToServerEvents {
  view: (view: ViewRequest) => void;
  /** The live map's viewport: the server answers with `map` (core/map-wire.ts). */
  map_view: (view: MapViewRequest) => void;
}

export const historyPath = (deviceId: string): string =>
  `/api/devices/${encodeURIComponent(deviceId)}/history`;

export const commandsPath = (deviceId: string): string =>
  `/api/devices/${encodeURIComponent(deviceId)}/commands`;
export const ALARMS_PATH = '/api/alarms';
export const alarmAckPath = (alarmId: string): string =>
  `/api/alarms/${encodeURIComponent(alarmId)}/ack`;
export const vehiclePagePath = (deviceId: string): string =>
  `/vehicles/${encodeURIComponent(deviceId)}`;
export const readingsPath = (deviceId: string): string =>
  `/api/devices/${encodeURIComponent(deviceId)}/readings`;
