// GET /api/alarms (the dashboard's copy, history included) and POST /api/alarms/:id/ack (sent to the collector over MQTT).
import { z } from 'zod';
import { ALARM_ID_PATTERN } from '../../core/alarm-wire.js';
import { DEVICE_ID_PATTERN } from '../../core/contract.js';
import {
  ALARM_QUERY_STATES,
  type AlarmsBody,
  DEFAULT_ALARM_LIMIT,
  MAX_ALARM_LIMIT,
} from '../../core/dashboard-contract.js';
import type { AlarmsView } from '../alarms/alarm-follower.js';
import type { ApiRouter } from '../api/api-router.js';
import { alarmBody, alarmsBody, errorResponses } from '../api/schemas.js';
import { NotFoundError } from '../errors.js';
import { one, strictQuery } from '../params.js';

const LIMIT_RULE = `limit must be an integer from 1 to ${MAX_ALARM_LIMIT}`;
const STATE_RULE = `state must be one of ${ALARM_QUERY_STATES.join(', ')}`;

export const alarmsQuerySchema = strictQuery({
  state: one('state must appear once')
    .refine((v) => (ALARM_QUERY_STATES as readonly string[]).includes(v), STATE_RULE)
    .optional()
    .describe('active (open or acknowledged, the default), acknowledged, cleared or all'),
  device_id: one('device_id must appear once')
    .regex(DEVICE_ID_PATTERN, 'device_id must match ^[A-Za-z0-9_-]{1,64}$')
    .optional(),
  limit: one('limit must appear once')
    .regex(/^\d+$/, LIMIT_RULE)
    .refine((v) => !/^\d+$/.test(v) || (Number(v) >= 1 && Number(v) <= MAX_ALARM_LIMIT), LIMIT_RULE)
    .optional()
    .describe(`at most this many, newest first (default ${DEFAULT_ALARM_LIMIT})`),
});

const alarmIdParams = z.object({
  id: z.string().regex(ALARM_ID_PATTERN, 'alarm id must be a UUID as GET /api/alarms lists it'),
});

export function alarmRoutes(api: ApiRouter, alarms: AlarmsView): void {
  api.route(
    {
      method: 'get',
      path: '/api/alarms',
      summary: 'Alarms, newest first: active (default), acknowledged, cleared or all; per device',
      tag: 'alarms',
      access: { role: 'viewer', vehicle: 'query.device_id' },
      query: alarmsQuerySchema,
      responses: {
        200: { description: 'alarms in the dashboard’s copy', schema: alarmsBody },
        ...errorResponses(400, 429),
      },
    },
    ({ query, access }, _req, res) => {
      const body: AlarmsBody = alarms.list({
        state: (query.state ?? 'active') as (typeof ALARM_QUERY_STATES)[number],
        deviceId: query.device_id,
        devices: access.devices,
        limit: query.limit === undefined ? DEFAULT_ALARM_LIMIT : Number(query.limit),
      });
      res.json(body);
    },
  );
  api.route(
    {
      method: 'post',
      path: '/api/alarms/:id/ack',
      summary:
        'Acknowledge an alarm: 200 once the collector applied it, 202 when it has not answered within the timeout (the request waits in the broker)',
      tag: 'alarms',
      access: { role: 'operator', vehicle: 'owner' },
      params: alarmIdParams,
      responses: {
        200: { description: 'the alarm, acknowledged', schema: alarmBody },
        202: { description: 'sent; the alarm as known so far (still open)', schema: alarmBody },
        ...errorResponses(400, 401, 403, 404, 409, 429, 503),
      },
    },
    async ({ params, access, audit }, _req, res) => {
      const known = alarms.get(params.id);
      if (!known || !access.canSee(known.device_id))
        throw new NotFoundError(`no alarm ${params.id}`);
      const answer = await alarms.acknowledge(params.id);
      audit('alarm_ack', `${known.device_id ?? 'fleet'}/${known.rule} ${params.id}`);
      res.status(answer.status).json(answer.alarm);
    },
  );
}
