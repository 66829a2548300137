// The body of POST /api/devices/:id/commands: checked in full (params per command) before anything is stored or published.
import { z } from 'zod';
import {
  COMMAND_NAME_PATTERN,
  COMMAND_PARAMS,
  isKnownCommand,
  MAX_UNKNOWN_PARAMS_BYTES,
} from '../../core/commands.js';
import { DEFAULT_COMMAND_EXPIRES_S, MAX_COMMAND_EXPIRES_S } from '../../core/dashboard-contract.js';
import { nameForMessage } from '../errors.js';

const NAME_RULE =
  'name must be a command name: a lowercase letter, then up to 63 lowercase letters, digits or _ (ping, set_interval, set_speed_limit)';
const EXPIRES_RULE = `expires_in_s must be an integer from 1 to ${MAX_COMMAND_EXPIRES_S} (7 days)`;
const PARAMS_RULE = 'params must be a JSON object';
/** Keys of params: plain names only (no `__proto__`-style keys reach a stored object). */
const PARAM_KEY = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Unknown names are accepted (decision, see README "Commands"): the vehicle is the authority on
 * what it runs (firmware differs per vehicle, a new command needs no dashboard release), and it
 * answers `rejected` with its reason, which the user sees. Known names get their params checked
 * exactly as the vehicle checks them, so a bad value is a 400 here, never a queued command.
 */
export const commandRequestSchema = z
  .strictObject({
    name: z.string({ error: NAME_RULE }).regex(COMMAND_NAME_PATTERN, NAME_RULE),
    params: z
      .unknown()
      .optional()
      .describe(
        'ping: {}; set_interval: {interval_ms: integer 10..60000}; set_speed_limit: {speed_kmh: number 0..300 or null}; other names: an object of at most 1 KiB, which the vehicle rejects unless it knows the name',
      ),
    expires_in_s: z
      .int({ error: EXPIRES_RULE })
      .min(1, EXPIRES_RULE)
      .max(MAX_COMMAND_EXPIRES_S, EXPIRES_RULE)
      .optional()
      .describe(
        `seconds until the vehicle must no longer execute it; default ${DEFAULT_COMMAND_EXPIRES_S}`,
      ),
  })
  .superRefine((body, ctx) => {
    // Absent means none; null is not an object (refused, like any other non-object).
    const params = body.params === undefined ? {} : body.params;
    if (!isPlainObject(params)) {
      ctx.addIssue({ code: 'custom', path: ['params'], message: PARAMS_RULE });
      return;
    }
    const badKeys = Object.keys(params).filter((k) => !PARAM_KEY.test(k));
    if (badKeys.length > 0) {
      const shown = badKeys.slice(0, 5).map(nameForMessage).join(', ');
      ctx.addIssue({
        code: 'custom',
        path: ['params'],
        message: `params has keys that are not plain names: ${shown}`,
      });
      return;
    }
    if (!isKnownCommand(body.name)) {
      if (Buffer.byteLength(JSON.stringify(params)) > MAX_UNKNOWN_PARAMS_BYTES) {
        ctx.addIssue({
          code: 'custom',
          path: ['params'],
          message: `params must be at most ${MAX_UNKNOWN_PARAMS_BYTES} bytes of JSON`,
        });
      }
      return;
    }
    const checked = COMMAND_PARAMS[body.name].safeParse(params);
    if (checked.success) return;
    for (const issue of checked.error.issues) {
      const message =
        issue.code === 'unrecognized_keys'
          ? `params has keys ${body.name} does not take: ${issue.keys.slice(0, 5).map(nameForMessage).join(', ')}`
          : issue.message;
      ctx.addIssue({ code: 'custom', path: ['params', ...issue.path.map(String)], message });
    }
  });

export type CommandRequestBody = z.infer<typeof commandRequestSchema>;

/** The params to store: what the checks above accepted (an object by then). */
export const requestParams = (body: CommandRequestBody): Record<string, unknown> =>
  isPlainObject(body.params) ? body.params : {};
