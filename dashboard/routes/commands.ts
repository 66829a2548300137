// POST /api/devices/:id/commands (bearer) queues a command; GET /api/devices/:id/commands and GET /api/commands/:command_id show its state.
import { z } from 'zod';
import { COMMAND_ID_PATTERN } from '../../core/commands.js';
import {
  type CommandAccepted,
  type CommandBody,
  DEFAULT_COMMAND_EXPIRES_S,
  MAX_PENDING_COMMANDS,
} from '../../core/dashboard-contract.js';
import type { ApiRouter } from '../api/api-router.js';
import { commandAccepted, commandBody, errorResponses } from '../api/schemas.js';
import { commandBody as bodyOf } from '../commands/command-body.js';
import { commandRequestSchema, requestParams } from '../commands/command-request.js';
import { NotFoundError, TooManyPendingError } from '../errors.js';
import { deviceIdParams, noQuery, one, strictQuery } from '../params.js';
import type { RouteDeps } from './deps.js';

const MAX_LIST = 1000;
const DEFAULT_LIST = 100;
const LIMIT_RULE = `limit must be an integer from 1 to ${MAX_LIST}`;

const listQuery = strictQuery({
  limit: one('limit must appear once')
    .regex(/^\d{1,4}$/, LIMIT_RULE)
    .refine((v) => !/^\d+$/.test(v) || (Number(v) >= 1 && Number(v) <= MAX_LIST), LIMIT_RULE)
    .optional(),
});

const commandIdParams = z.object({
  command_id: z
    .string()
    .regex(COMMAND_ID_PATTERN, 'command_id must match ^[A-Za-z0-9_-]{1,64}$')
    .describe('as returned by POST /api/devices/:id/commands'),
});

export function commandRoutes(api: ApiRouter, deps: RouteDeps): void {
  const { commands } = deps;
  api.route(
    {
      method: 'post',
      path: '/api/devices/:id/commands',
      summary:
        'Queue a command for a vehicle (ping, set_interval, set_speed_limit; other names go to the vehicle, which rejects them)',
      tag: 'commands',
      access: { role: 'operator', vehicle: 'params.id' },
      params: deviceIdParams,
      query: noQuery,
      body: commandRequestSchema,
      responses: {
        202: {
          description: 'stored; delivered when the vehicle is online',
          schema: commandAccepted,
        },
        ...errorResponses(400, 401, 403, 409, 413, 429),
      },
    },
    ({ params, body, audit }, _req, res) => {
      if (commands.pendingCount(params.id) >= MAX_PENDING_COMMANDS) {
        audit('command_send', `${params.id} ${body.name}`, 'too_many_pending');
        throw new TooManyPendingError(
          `${params.id} already has ${MAX_PENDING_COMMANDS} commands waiting; wait for them to settle`,
        );
      }
      const command = commands.submit({
        deviceId: params.id,
        name: body.name,
        params: requestParams(body),
        expiresInS: body.expires_in_s ?? DEFAULT_COMMAND_EXPIRES_S,
      });
      audit('command_send', `${params.id} ${body.name} ${command.commandId}`);
      const accepted: CommandAccepted = { command_id: command.commandId, status: 'queued' };
      res.status(202).location(`/api/commands/${command.commandId}`).json(accepted);
    },
  );
  api.route(
    {
      method: 'get',
      path: '/api/devices/:id/commands',
      summary: "A vehicle's commands, newest first",
      tag: 'commands',
      access: { role: 'viewer', vehicle: 'params.id' },
      params: deviceIdParams,
      query: listQuery,
      responses: {
        200: {
          description: `at most limit (default ${DEFAULT_LIST})`,
          schema: z.array(commandBody),
        },
        ...errorResponses(400, 429),
      },
    },
    ({ params, query }, _req, res) => {
      const limit = query.limit === undefined ? DEFAULT_LIST : Number(query.limit);
      const body: CommandBody[] = commands.list(params.id, limit).map(bodyOf);
      res.json(body);
    },
  );
  api.route(
    {
      method: 'get',
      path: '/api/commands/:command_id',
      summary: 'One command and its status',
      tag: 'commands',
      access: { role: 'viewer', vehicle: 'owner' },
      params: commandIdParams,
      query: noQuery,
      responses: {
        200: { description: 'the command', schema: commandBody },
        ...errorResponses(400, 404, 429),
      },
    },
    ({ params, access }, _req, res) => {
      const command = commands.get(params.command_id);
      if (!command || !access.canSee(command.deviceId)) throw new NotFoundError('no such command');
      const body: CommandBody = bodyOf(command);
      res.json(body);
    },
  );
}
