// Alarm rules and notification settings as the engine uses them, and the built-in set of INTERFACE.md.
import type { AlarmSeverity } from '../core/contract.js';

/** What a threshold rule watches: the reading's speed, or a field of the device's health. */
export const THRESHOLD_METRICS = ['speed', 'queue_depth', 'dropped_total', 'reconnects'] as const;
export type ThresholdMetric = (typeof THRESHOLD_METRICS)[number];

interface RuleBase {
  /** Unique; `^[a-z][a-z0-9_]{0,31}$` (it appears in topics and labels). */
  name: string;
  severity: AlarmSeverity;
}

/**
 * Opens when the metric is beyond `level` on every sample for `forMs` (device time between the
 * first and the latest sample); clears when it is back by `clearMargin` or more on every sample
 * for `clearForMs` (hysteresis: between the two levels nothing changes).
 */
export interface ThresholdRule extends RuleBase {
  type: 'threshold';
  metric: ThresholdMetric;
  direction: 'above' | 'below';
  /** A number, or the vehicle's registered speed limit (speed only), else defaultLimit. */
  level: number | 'speed_limit';
  defaultLimit: number;
  forMs: number;
  clearMargin: number;
  clearForMs: number;
}

/** The device's status topic says offline (its last will, or a clean stop) for forMs. */
export interface OfflineRule extends RuleBase {
  type: 'offline';
  forMs: number;
}

/** The device says online but no reading has arrived for forMs. */
export interface NoDataRule extends RuleBase {
  type: 'no_data';
  forMs: number;
}

/** The device declared readings dropped (evicted from its full queue); clears after a quiet spell. */
export interface DataLossRule extends RuleBase {
  type: 'data_loss';
  clearAfterMs: number;
}

/** No reading from any device for forMs (seed 001's silence watchdog); one fleet-wide alarm. */
export interface FleetSilentRule extends RuleBase {
  type: 'fleet_silent';
  forMs: number;
}

/**
 * The vehicle is in the geofence named `geofence` (geofence_enter: open while inside, with the
 * 30 m hysteresis of trips' geofence events), or left it (geofence_exit: open from the exit until it
 * enters again).
 */
export interface GeofenceRule extends RuleBase {
  type: 'geofence_enter' | 'geofence_exit';
  geofence: string;
}

export type Rule =
  | ThresholdRule
  | OfflineRule
  | NoDataRule
  | DataLossRule
  | FleetSilentRule
  | GeofenceRule;
export const RULE_TYPES = [
  'threshold',
  'offline',
  'no_data',
  'data_loss',
  'fleet_silent',
  'geofence_enter',
  'geofence_exit',
] as const;

/** A time window in which matching notifications are not sent (the alarms still open and clear). */
export interface Silence {
  from: number;
  to: number;
  /** Undefined: every rule. */
  rule: string | undefined;
  /** Undefined: every device (and fleet-wide alarms). */
  deviceId: string | undefined;
  comment: string | undefined;
}

export interface NotifySettings {
  /** A notice waits this long so that others raised meanwhile go out with it (one POST, one mail). */
  groupWaitMs: number;
  /** An open alarm nobody acknowledged is notified again this often; 0: never. */
  repeatIntervalMs: number;
  /** Failed sends are retried from the outbox, doubling from retryInitialMs up to retryMaxMs. */
  retryInitialMs: number;
  retryMaxMs: number;
  silences: Silence[];
}

export interface RuleSet {
  rules: Rule[];
  /**
   * Readings (and health) older than this by the collector's clock when they arrive are stored but
   * not evaluated by threshold rules: a replayed backlog describes a past no alarm can act on.
   */
  freshWithinMs: number;
  notify: NotifySettings;
}

export const DEFAULT_SPEED_LIMIT_KMH = 110;

export const DEFAULT_NOTIFY: NotifySettings = {
  groupWaitMs: 10_000,
  repeatIntervalMs: 4 * 3_600_000,
  retryInitialMs: 1000,
  retryMaxMs: 5 * 60_000,
  silences: [],
};

export const DEFAULT_FRESH_WITHIN_MS = 30_000;

/** INTERFACE.md's Alarms section; alarms/rules.example.yaml spells the same set as a rules file. */
export const BUILT_IN_RULES: RuleSet = {
  rules: [
    {
      name: 'overspeed',
      type: 'threshold',
      severity: 'warning',
      metric: 'speed',
      direction: 'above',
      level: 'speed_limit',
      defaultLimit: DEFAULT_SPEED_LIMIT_KMH,
      forMs: 5000,
      clearMargin: 10,
      clearForMs: 5000,
    },
    { name: 'offline', type: 'offline', severity: 'major', forMs: 60_000 },
    { name: 'no_data', type: 'no_data', severity: 'minor', forMs: 60_000 },
    { name: 'data_loss', type: 'data_loss', severity: 'major', clearAfterMs: 10 * 60_000 },
    { name: 'fleet_silent', type: 'fleet_silent', severity: 'critical', forMs: 5 * 60_000 },
  ],
  freshWithinMs: DEFAULT_FRESH_WITHIN_MS,
  notify: DEFAULT_NOTIFY,
};

/** Every duration the rules wait on: the engine's clock ticks a few times within the shortest. */
export function shortestWaitMs(set: RuleSet): number {
  const waits = set.rules.flatMap((r) => {
    switch (r.type) {
      case 'threshold':
      case 'geofence_enter':
      case 'geofence_exit':
        return [];
      case 'data_loss':
        return [r.clearAfterMs];
      default:
        return [r.forMs];
    }
  });
  return Math.min(60_000, ...waits.filter((w) => w > 0));
}
