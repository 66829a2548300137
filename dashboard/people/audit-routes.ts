// GET /api/audit (admin): the audit log, newest first, by time range, user and action.
import { z } from 'zod';
import type { ApiRouter } from '../api/api-router.js';
import { errorResponses } from '../api/schemas.js';
import { InvalidParameterError } from '../errors.js';
import { one, strictQuery } from '../params.js';
import type { PeopleDeps } from './deps.js';
import { auditEntryBody } from './schemas.js';

const MAX_LIMIT = 10_000;
const DEFAULT_LIMIT = 1000;
const LIMIT_RULE = `limit must be an integer from 1 to ${MAX_LIMIT}`;
const time = (name: string) =>
  one(`${name} must appear once`)
    .pipe(z.iso.datetime({ offset: true, error: `${name} must be an ISO 8601 time` }))
    .optional();

const auditQuery = strictQuery({
  from: time('from').describe('default: the start of the log'),
  to: time('to').describe('default: now'),
  user: one('user must appear once').max(256).optional(),
  action: one('action must appear once').max(64).optional(),
  limit: one('limit must appear once')
    .regex(/^\d{1,5}$/, LIMIT_RULE)
    .refine((v) => !/^\d+$/.test(v) || (Number(v) >= 1 && Number(v) <= MAX_LIMIT), LIMIT_RULE)
    .optional()
    .describe(`at most this many, newest first (default ${DEFAULT_LIMIT})`),
});

export function auditRoutes(api: ApiRouter, deps: PeopleDeps): void {
  const { auth, now } = deps;
  api.route(
    {
      method: 'get',
      path: '/api/audit',
      summary:
        'Who did what, when, from which address: sign-ins (failed ones too), commands, alarm acks, registry, user, group and token changes, exports',
      tag: 'people',
      access: { role: 'admin', vehicle: 'none' },
      query: auditQuery,
      responses: {
        200: { description: 'newest first', schema: z.array(auditEntryBody) },
        ...errorResponses(400, 429),
      },
    },
    ({ query }, _req, res) => {
      const from = query.from === undefined ? 0 : Date.parse(query.from);
      const to = query.to === undefined ? now() : Date.parse(query.to);
      if (from > to) throw new InvalidParameterError('from must not be after to');
      const entries = auth.audit.query({
        from,
        to,
        user: query.user,
        action: query.action,
        limit: query.limit === undefined ? DEFAULT_LIMIT : Number(query.limit),
      });
      res.json(entries.map((e) => ({ ...e, time: new Date(e.time).toISOString() })));
    },
  );
}
