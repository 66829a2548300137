// The telemetry-store interface: every backend (SQLite, InfluxDB) implements it and passes one shared suite.
import type { SpeedReading } from '../contract.js';

export interface WriteResult {
  /** Readings newly stored. */
  stored: number;
  /** Readings skipped because their (device_id, seq) was already stored (QoS 1 redelivery). */
  duplicates: number;
}

export interface LatestReading {
  deviceId: string;
  seq: number;
  /** Device timestamp, ms since epoch. */
  timestamp: number;
  speed: number;
}

export interface DeviceSummary {
  deviceId: string;
  /** Device timestamp of the newest reading, ms since epoch. */
  lastSeen: number;
  /** Highest seq stored. */
  lastSeq: number;
}

export interface HistoryQuery {
  deviceId: string;
  /** Inclusive bounds, ms since epoch. */
  from: number;
  to: number;
  maxPoints: number;
}

export interface HistoryPoint {
  /** Start of the window (a multiple of windowMs), ms since epoch. */
  timestamp: number;
  mean: number;
  min: number;
  max: number;
  count: number;
}

export interface HistoryResult {
  windowMs: number;
  points: HistoryPoint[];
}

export interface TelemetryStore {
  readonly kind: 'sqlite' | 'influxdb';
  start(): Promise<void>;
  /** Flushes and closes; safe to call twice. */
  stop(): Promise<void>;
  /** Resolves only once every reading is durable; a (device_id, seq) already stored is skipped. */
  write(readings: readonly SpeedReading[]): Promise<WriteResult>;
  latest(deviceId: string): Promise<LatestReading | undefined>;
  devices(): Promise<DeviceSummary[]>;
  /** Downsampled to at most maxPoints windows of historyWindow() length, with mean/min/max each. */
  history(query: HistoryQuery): Promise<HistoryResult>;
  /** Every stored seq of a device in ascending order, repeats included: proof of loss or duplicates. */
  seqs(deviceId: string): Promise<number[]>;
  /** True when the backend answers. */
  ping(): Promise<boolean>;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Window lengths a person reads easily; windows are aligned to multiples of them since the epoch. */
const NICE_WINDOWS = [
  1,
  2,
  5,
  10,
  20,
  50,
  100,
  200,
  500,
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
];

/**
 * Window length for a history query: the smallest "nice" length such that [from, to] touches at
 * most maxPoints epoch-aligned windows (a span of k windows touches at most k + 1 of them).
 * Epoch alignment is what InfluxQL's GROUP BY time() does, so every store answers alike.
 */
export function historyWindow(from: number, to: number, maxPoints: number): number {
  const minimum = (to - from) / Math.max(1, maxPoints - 1);
  const nice = NICE_WINDOWS.find((w) => w >= minimum);
  return nice ?? Math.ceil(minimum / DAY) * DAY;
}
