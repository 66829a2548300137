// Alarm messages between the collector and the dashboard (fleet/alarms/...): encoding and validation at each edge.
import { z } from 'zod';
import {
  ALARM_SEVERITIES,
  ALARM_STATES,
  type AlarmAckRequest,
  type AlarmMessage,
  DEVICE_ID_PATTERN,
  RULE_NAME_PATTERN,
} from './contract.js';

/** Both sides are ours, but a broker is shared: anything larger is not one of our messages. */
const MAX_ALARM_BYTES = 8192;
export const ALARM_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const isoUtc = z.iso.datetime({ precision: undefined, offset: false });

export const alarmMessageSchema = z.object({
  id: z.string().regex(ALARM_ID_PATTERN),
  device_id: z.string().regex(DEVICE_ID_PATTERN).nullable(),
  rule: z.string().regex(RULE_NAME_PATTERN),
  severity: z.enum(ALARM_SEVERITIES),
  state: z.enum(ALARM_STATES),
  started_at: isoUtc,
  updated_at: isoUtc,
  cleared_at: isoUtc.nullable(),
  acknowledged_at: isoUtc.nullable(),
  value: z.number().nullable(),
  message: z.string().max(1000),
  version: z.int().min(1),
});

const ackRequestSchema = z.object({
  alarm_id: z.string().regex(ALARM_ID_PATTERN),
  timestamp: isoUtc,
});

function parseJson(payload: Uint8Array): unknown {
  if (payload.byteLength > MAX_ALARM_BYTES) return undefined;
  try {
    return JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** An alarm state message, or undefined when the payload is not one. */
export function parseAlarmMessage(payload: Uint8Array): AlarmMessage | undefined {
  const result = alarmMessageSchema.safeParse(parseJson(payload));
  return result.success ? result.data : undefined;
}

export function parseAckRequest(payload: Uint8Array): AlarmAckRequest | undefined {
  const result = ackRequestSchema.safeParse(parseJson(payload));
  return result.success ? result.data : undefined;
}

/** Key order fixed, like every other encoder of the contract. */
export function encodeAlarmMessage(a: AlarmMessage): string {
  return JSON.stringify({
    id: a.id,
    device_id: a.device_id,
    rule: a.rule,
    severity: a.severity,
    state: a.state,
    started_at: a.started_at,
    updated_at: a.updated_at,
    cleared_at: a.cleared_at,
    acknowledged_at: a.acknowledged_at,
    value: a.value,
    message: a.message,
    version: a.version,
  });
}

export function encodeAckRequest(r: AlarmAckRequest): string {
  return JSON.stringify({ alarm_id: r.alarm_id, timestamp: r.timestamp });
}
