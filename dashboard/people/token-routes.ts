// POST/GET /api/tokens and DELETE /api/tokens/:id: personal API tokens, shown once, with expiry; an admin sees and revokes everyone's.
import { z } from 'zod';
import { DEFAULT_TOKEN_DAYS } from '../../auth/tokens.js';
import type { ApiRouter } from '../api/api-router.js';
import { errorResponses } from '../api/schemas.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import { noQuery } from '../params.js';
import type { PeopleDeps } from './deps.js';
import { createdTokenBody, newTokenBody, tokenBody, tokenOf, tokenParams } from './schemas.js';

/** Principals that are a person's account (not DASHBOARD_API_TOKEN, not AUTH_MODE=none's anonymous). */
const PERSON = new Set(['session', 'token', 'proxy']);

export function tokenRoutes(api: ApiRouter, deps: PeopleDeps): void {
  const { auth, now } = deps;
  api.route(
    {
      method: 'post',
      path: '/api/tokens',
      summary:
        'A personal API token for scripts (Authorization: Bearer …), with its owner’s rights; the token is in this answer only',
      tag: 'people',
      access: { role: 'viewer', vehicle: 'none' },
      query: noQuery,
      body: newTokenBody,
      responses: {
        201: {
          description: 'created: keep the token, it is not shown again',
          schema: createdTokenBody,
        },
        ...errorResponses(400, 413, 429),
      },
    },
    ({ who, body, audit }, _req, res) => {
      if (!who || !PERSON.has(who.via))
        throw new ForbiddenError('only a person’s account holds tokens');
      const created = auth.tokens.create(
        who.username,
        body.name,
        body.expires_in_days ?? DEFAULT_TOKEN_DAYS,
        now(),
      );
      audit('token_create', `${created.record.id} ${body.name}`);
      res.status(201).json({ ...tokenOf(created.record), token: created.token });
    },
  );
  api.route(
    {
      method: 'get',
      path: '/api/tokens',
      summary: 'Personal tokens (never the secret): one’s own; an admin sees everyone’s',
      tag: 'people',
      access: { role: 'viewer', vehicle: 'none' },
      query: noQuery,
      responses: {
        200: { description: 'oldest first', schema: z.array(tokenBody) },
        ...errorResponses(400, 429),
      },
    },
    ({ who }, _req, res) => {
      const all = who?.role === 'admin';
      const owner = who && PERSON.has(who.via) ? who.username : undefined;
      const list = all ? auth.tokens.list(undefined) : owner ? auth.tokens.list(owner) : [];
      res.json(list.map(tokenOf));
    },
  );
  api.route(
    {
      method: 'delete',
      path: '/api/tokens/:id',
      summary: 'Revoke a token (one’s own; an admin any): it stops working at once',
      tag: 'people',
      access: { role: 'viewer', vehicle: 'none' },
      params: tokenParams,
      query: noQuery,
      responses: {
        204: { description: 'revoked' },
        ...errorResponses(400, 404, 429),
      },
    },
    ({ who, params, audit }, _req, res) => {
      const token = auth.tokens.get(params.id);
      const mine = token !== undefined && who?.username === token.username && PERSON.has(who.via);
      if (!token || !(mine || who?.role === 'admin'))
        throw new NotFoundError(`no token ${params.id}`);
      auth.tokens.revoke(params.id);
      audit('token_revoke', `${params.id} of ${token.username}`);
      res.status(204).end();
    },
  );
}
