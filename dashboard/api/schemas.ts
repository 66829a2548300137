// Response schemas of the JSON routes (zod), held equal to the shared TypeScript contract at compile time (those derived from the signal catalog: signal-schemas.ts).
import { z } from 'zod';
import {
  ALARM_SEVERITIES,
  ALARM_STATES,
  type Alarm,
  DEVICE_PROTOCOLS,
} from '../../core/contract.js';
import {
  type AlarmsBody,
  COMMAND_STATUSES,
  type CommandAccepted,
  type CommandBody,
  type DeviceListEntry,
  type DevicesStatusBody,
  ERROR_CODES,
  type ErrorBody,
  type HealthBody,
  type HistoryBody,
  type IngestBody,
  type PositionsBody,
} from '../../core/dashboard-contract.js';
import { REJECT_REASONS } from '../../core/validate.js';
import type { ResponseSpec } from './route-spec.js';

/** True only when A and B are the same type (both directions, exactly). */
type Equals<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** Fails to compile when a schema and its contract type differ. */
export const sameType = <A, B>(proof: Equals<A, B>): Equals<A, B> => proof;

const isoTime = z.iso.datetime({ offset: true });

export const errorBody = z.object({ error: z.enum(ERROR_CODES), message: z.string() });
sameType<z.infer<typeof errorBody>, ErrorBody>(true);

export const healthBody = z.object({
  status: z.enum(['ok', 'degraded']),
  broker: z.enum(['connected', 'disconnected']),
  store: z.enum(['ok', 'unavailable']),
  version: z.string(),
});
sameType<z.infer<typeof healthBody>, HealthBody>(true);

export const devicesStatusBody = z.record(
  z.string(),
  z.object({
    status: z.enum(['online', 'warning', 'offline']),
    last_seen: isoTime.nullable(),
    time_since_last_seen: z.number().nullable(),
  }),
);
sameType<z.infer<typeof devicesStatusBody>, DevicesStatusBody>(true);

export const positionsBody = z.array(
  z.object({
    device_id: z.string(),
    lat: z.number(),
    lon: z.number(),
    heading: z.number().nullable(),
    status: z.enum(['online', 'warning', 'offline']),
    speed: z.number().nullable(),
    fix_at: isoTime,
  }),
);
sameType<z.infer<typeof positionsBody>, PositionsBody>(true);

export const historyBody = z.object({
  device_id: z.string(),
  from: isoTime,
  to: isoTime,
  window_ms: z.int().min(1),
  data_points: z.array(
    z.object({
      timestamp: isoTime,
      speed: z.number(),
      min: z.number(),
      max: z.number(),
      count: z.int().min(1),
    }),
  ),
});
sameType<z.infer<typeof historyBody>, HistoryBody>(true);

export const commandBody = z.object({
  command_id: z.string(),
  device_id: z.string(),
  name: z.string(),
  params: z.record(z.string(), z.unknown()),
  status: z.enum(COMMAND_STATUSES),
  created_at: isoTime,
  updated_at: isoTime,
  expires_at: isoTime,
  result: z.record(z.string(), z.unknown()).optional(),
  error: z.string().optional(),
});
sameType<z.infer<typeof commandBody>, CommandBody>(true);

export const commandAccepted = z.object({
  command_id: z.string(),
  status: z.literal('queued'),
});
sameType<z.infer<typeof commandAccepted>, CommandAccepted>(true);
export const alarmBody = z.object({
  id: z.string(),
  device_id: z.string().nullable().describe('null: a fleet-wide alarm (fleet_silent)'),
  rule: z.string(),
  severity: z.enum(ALARM_SEVERITIES),
  state: z.enum(ALARM_STATES),
  started_at: isoTime,
  updated_at: isoTime,
  cleared_at: isoTime.nullable(),
  acknowledged_at: isoTime.nullable(),
  value: z.number().nullable(),
  message: z.string(),
});
sameType<z.infer<typeof alarmBody>, Alarm>(true);

export const alarmsBody = z.array(alarmBody);
sameType<z.infer<typeof alarmsBody>, AlarmsBody>(true);
export const deviceListEntry = z.object({
  device_id: z.string(),
  name: z.string().nullable(),
  plate: z.string().nullable(),
  speed_limit_kmh: z.number().nullable(),
  imei: z
    .string()
    .optional()
    .describe("a Teltonika tracker's IMEI (the gateway maps it to this id)"),
  protocol: z
    .enum(DEVICE_PROTOCOLS)
    .optional()
    .describe(
      'what the device speaks; with DEVICE_ALLOWLIST the gateway takes it on that input only',
    ),
  registered: z.boolean(),
  status: z.enum(['online', 'warning', 'offline']),
  last_seen: isoTime.nullable(),
});
sameType<z.infer<typeof deviceListEntry>, DeviceListEntry>(true);
export const deviceListBody = z.array(deviceListEntry);

export const ingestBody = z.object({
  stored: z.int().min(0),
  duplicates: z.int().min(0),
  rejected: z.array(z.object({ index: z.int().min(0), reason: z.enum(REJECT_REASONS) })),
  invalid_signals: z
    .record(z.string(), z.int().min(1))
    .describe('signals dropped from stored readings for a bad value, by signal name'),
  unknown_signals: z.int().min(0).describe('keys of stored readings that are no signal (ignored)'),
});
sameType<z.infer<typeof ingestBody>, IngestBody>(true);

const ERROR_TEXT: Record<number, string> = {
  400: 'a parameter or the body is invalid (every problem is listed)',
  401: 'not signed in: no session, or a wrong, expired or revoked token',
  403: 'not allowed: the role is too low, no X-CSRF-Token with a session, or writes disabled (AUTH_MODE=none without DASHBOARD_API_TOKEN)',
  404: 'no such device or object (a vehicle outside the caller’s groups answers the same)',
  405: 'method not allowed on this path (see Allow)',
  409: 'the request conflicts with the current state (too many pending commands; alarm already cleared; registry owned by another dashboard instance; a name already taken; the last admin)',
  413: 'body too large',
  429: 'rate limited, or sign-in locked after failed attempts (see Retry-After)',
  503: 'the store (or broker) is not reachable yet',
};

/** The error answers of a route, each `{error, message}`. */
export function errorResponses(...statuses: number[]): Record<number, ResponseSpec> {
  return Object.fromEntries(
    statuses.map((s) => [s, { description: ERROR_TEXT[s] ?? 'error', schema: errorBody }]),
  );
}
