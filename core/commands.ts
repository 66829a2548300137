// Commands on the wire: the params each known command takes, the command and result messages, their encoding and validation (dashboard and vehicle alike).
import { z } from 'zod';
import {
  COMMAND_NAMES,
  type CommandMessage,
  type CommandName,
  type CommandResultMessage,
  DEVICE_ID_PATTERN,
  MAX_PAYLOAD_BYTES,
} from './contract.js';

export const MIN_INTERVAL_MS = 10;
export const MAX_INTERVAL_MS = 60_000;
export const MAX_SPEED_LIMIT_KMH = 300;
/** A command id: what the dashboard generates (a UUID) fits, and so does anything topic-safe. */
export const COMMAND_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Names the API accepts: known ones are checked strictly, others go to the vehicle to refuse. */
export const COMMAND_NAME_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
/** Params of a command the dashboard does not know, as JSON: keeps the message far below 4 KiB. */
export const MAX_UNKNOWN_PARAMS_BYTES = 1024;
/** Longest `error` text a result may carry. */
export const MAX_ERROR_CHARS = 500;

/**
 * The vehicle's `error` when a command reached it after `expires_at`: it did not run it. The
 * dashboard shows such a command as `expired` (never executed), like one that expired unsent.
 */
export const EXPIRED_ERROR = 'expired: not executed after expires_at';

export const INTERVAL_RULE = `params.interval_ms must be an integer from ${MIN_INTERVAL_MS} to ${MAX_INTERVAL_MS}`;
export const SPEED_LIMIT_RULE = `params.speed_kmh must be a number from 0 to ${MAX_SPEED_LIMIT_KMH}, or null to lift the limit`;

/** The params of each known command, checked by the API before anything is stored and again by the vehicle. */
export const COMMAND_PARAMS = {
  ping: z.strictObject({}),
  set_interval: z.strictObject({
    interval_ms: z
      .int({ error: INTERVAL_RULE })
      .min(MIN_INTERVAL_MS, INTERVAL_RULE)
      .max(MAX_INTERVAL_MS, INTERVAL_RULE),
  }),
  set_speed_limit: z.strictObject({
    speed_kmh: z
      .number({ error: SPEED_LIMIT_RULE })
      .min(0, SPEED_LIMIT_RULE)
      .max(MAX_SPEED_LIMIT_KMH, SPEED_LIMIT_RULE)
      .nullable(),
  }),
} satisfies Record<CommandName, z.ZodType>;

export type CommandParams = { [K in CommandName]: z.infer<(typeof COMMAND_PARAMS)[K]> };

export const isKnownCommand = (name: string): name is CommandName =>
  (COMMAND_NAMES as readonly string[]).includes(name);

/** The first problem of a params check as one line; key names are the sender's text, so not echoed. */
export function paramsProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid params';
  if (issue.code === 'unrecognized_keys') return 'params has unknown keys';
  if (issue.path.length === 0) return 'params must be an object';
  return issue.message;
}

const isoUtc = z.iso.datetime({ offset: false });
const jsonObject = z.record(z.string(), z.unknown());

const commandSchema = z.object({
  command_id: z.string().regex(COMMAND_ID_PATTERN),
  name: z.string().min(1).max(64),
  params: jsonObject,
  expires_at: isoUtc,
});

const resultSchema = z.object({
  command_id: z.string().regex(COMMAND_ID_PATTERN),
  device_id: z.string().regex(DEVICE_ID_PATTERN),
  status: z.enum(['succeeded', 'failed', 'rejected']),
  result: jsonObject.optional(),
  error: z.string().max(MAX_ERROR_CHARS).optional(),
  timestamp: isoUtc,
});

export function encodeCommand(c: CommandMessage): string {
  return JSON.stringify({
    command_id: c.command_id,
    name: c.name,
    params: c.params,
    expires_at: c.expires_at,
  });
}

export function encodeCommandResult(r: CommandResultMessage): string {
  return JSON.stringify({
    command_id: r.command_id,
    device_id: r.device_id,
    status: r.status,
    ...(r.result === undefined ? {} : { result: r.result }),
    ...(r.error === undefined ? {} : { error: r.error }),
    timestamp: r.timestamp,
  });
}

function parseJson(payload: Uint8Array): unknown {
  if (payload.byteLength > MAX_PAYLOAD_BYTES) return undefined;
  try {
    return JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Vehicle side: a command, or why it is not one. `commandId` is set when the message carries a
 * usable id, so the vehicle can still answer `rejected` to it; without one it cannot answer.
 */
export type ParsedCommand =
  | { ok: true; command: CommandMessage }
  | { ok: false; commandId: string | undefined; problem: string };

export function parseCommand(payload: Uint8Array): ParsedCommand {
  const value = parseJson(payload);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, commandId: undefined, problem: 'not a JSON object of at most 4 KiB' };
  }
  const id = (value as { command_id?: unknown }).command_id;
  const commandId = typeof id === 'string' && COMMAND_ID_PATTERN.test(id) ? id : undefined;
  const parsed = commandSchema.safeParse(value);
  if (!parsed.success) {
    const field = String(parsed.error.issues[0]?.path[0] ?? 'message');
    return { ok: false, commandId, problem: `invalid command message: ${field.slice(0, 20)}` };
  }
  return { ok: true, command: parsed.data };
}

/** Dashboard side: a vehicle's result on `vehicles/{deviceId}/command/result`, or undefined. */
export function parseCommandResult(
  deviceId: string,
  payload: Uint8Array,
): CommandResultMessage | undefined {
  const parsed = resultSchema.safeParse(parseJson(payload));
  if (!parsed.success || parsed.data.device_id !== deviceId) return undefined;
  return parsed.data;
}
