// The collector's alarm records (ms times, bookkeeping columns) and their wire form for the dashboard.
import type { AlarmMessage, AlarmSeverity, AlarmState } from '../../core/contract.js';
import { FLEET_SCOPE } from '../../core/contract.js';

export interface AlarmRecord {
  id: string;
  /** The device id, or FLEET_SCOPE for fleet-wide alarms: with `rule`, what "one alarm per" means. */
  scope: string;
  rule: string;
  severity: AlarmSeverity;
  state: AlarmState;
  startedAt: number;
  updatedAt: number;
  clearedAt: number | null;
  acknowledgedAt: number | null;
  value: number | null;
  message: string;
  /** +1 on every change; the MQTT feed publishes until the broker has the latest version. */
  version: number;
  publishedVersion: number;
  /** When the last firing notice was made (the repeat interval counts from here). */
  notifiedAt: number | null;
  /** Repeat notices made so far (0: only the first). */
  repeats: number;
}

export const deviceOf = (scope: string): string | null => (scope === FLEET_SCOPE ? null : scope);
export const scopeOf = (deviceId: string | null): string => deviceId ?? FLEET_SCOPE;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function toWire(a: AlarmRecord): AlarmMessage {
  return {
    id: a.id,
    device_id: deviceOf(a.scope),
    rule: a.rule,
    severity: a.severity,
    state: a.state,
    started_at: new Date(a.startedAt).toISOString(),
    updated_at: new Date(a.updatedAt).toISOString(),
    cleared_at: iso(a.clearedAt),
    acknowledged_at: iso(a.acknowledgedAt),
    value: a.value,
    message: a.message,
    version: a.version,
  };
}

/** What the engine knows of a device across rules: its reported status and when data last came. */
export interface DeviceFacts {
  deviceId: string;
  status: 'online' | 'offline' | undefined;
  /** Collector time the status last changed (arrival: a last will carries its connect time). */
  statusSince: number;
  /** Collector time the last reading arrived (replayed or not: either means the device is alive). */
  lastReadingAt: number | undefined;
  /**
   * How much longer than usual the next reading may take, ms: PARKED_INTERVAL_S after a reading
   * with the ignition off (core/expected-interval.ts), else 0.
   */
  quietMs: number;
}
