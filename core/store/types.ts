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
  /** Start of the window, ms since epoch. */
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
  /** Downsampled to at most maxPoints windows of equal length, with mean/min/max per window. */
  history(query: HistoryQuery): Promise<HistoryResult>;
  /** Every stored seq of a device in ascending order, repeats included: proof of loss or duplicates. */
  seqs(deviceId: string): Promise<number[]>;
  /** True when the backend answers. */
  ping(): Promise<boolean>;
}

/** Window length that splits [from, to] into at most maxPoints windows. */
export function windowLength(from: number, to: number, maxPoints: number): number {
  return Math.floor((to - from) / maxPoints) + 1;
}
