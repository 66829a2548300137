// GET/POST /api/users and PUT/DELETE /api/users/:name (admin): accounts, their role, groups and disabled flag; passwords only set, never shown.
import { z } from 'zod';
import type { ApiRouter } from '../api/api-router.js';
import { errorResponses } from '../api/schemas.js';
import { NotFoundError } from '../errors.js';
import { noQuery } from '../params.js';
import type { PeopleDeps } from './deps.js';
import {
  mapped,
  newUserBody,
  userBody,
  userChangeBody,
  usernameParams,
  userOf,
} from './schemas.js';

export function userRoutes(api: ApiRouter, deps: PeopleDeps): void {
  const { auth, now } = deps;
  api.route(
    {
      method: 'get',
      path: '/api/users',
      summary: 'Every account: role, groups, disabled',
      tag: 'people',
      access: { role: 'admin', vehicle: 'none' },
      query: noQuery,
      responses: {
        200: { description: 'by username', schema: z.array(userBody) },
        ...errorResponses(400, 429),
      },
    },
    (_input, _req, res) => {
      res.json(auth.people.list().map(userOf));
    },
  );
  api.route(
    {
      method: 'post',
      path: '/api/users',
      summary: `Create an account (a password of at least 12 characters, or none for AUTH_MODE=proxy)`,
      tag: 'people',
      access: { role: 'admin', vehicle: 'none' },
      query: noQuery,
      body: newUserBody,
      responses: {
        201: { description: 'created', schema: userBody },
        ...errorResponses(400, 409, 413, 429),
      },
    },
    async ({ body, audit }, _req, res) => {
      const user = await mapped(() => auth.people.create(body, now()));
      audit('user_create', `${user.username} ${user.role} [${user.groups.join(',')}]`);
      res
        .status(201)
        .location(`/api/users/${encodeURIComponent(user.username)}`)
        .json(userOf(user));
    },
  );
  api.route(
    {
      method: 'put',
      path: '/api/users/:name',
      summary:
        'Change an account: role, groups, disabled, a new password (a new password or disabling ends its sessions at once)',
      tag: 'people',
      access: { role: 'admin', vehicle: 'none' },
      params: usernameParams,
      query: noQuery,
      body: userChangeBody,
      responses: {
        200: { description: 'changed', schema: userBody },
        ...errorResponses(400, 404, 409, 413, 429),
      },
    },
    async ({ params, body, audit }, _req, res) => {
      const user = await mapped(() => auth.people.update(params.name, body, now()));
      const changed = Object.keys(body)
        .map((k) =>
          k === 'password' ? 'password' : `${k}=${JSON.stringify(body[k as keyof typeof body])}`,
        )
        .join(' ');
      audit('user_update', `${user.username} ${changed}`);
      res.json(userOf(user));
    },
  );
  api.route(
    {
      method: 'delete',
      path: '/api/users/:name',
      summary: 'Delete an account, its sessions and its tokens (not the last enabled admin)',
      tag: 'people',
      access: { role: 'admin', vehicle: 'none' },
      params: usernameParams,
      query: noQuery,
      responses: {
        204: { description: 'deleted' },
        ...errorResponses(400, 404, 409, 429),
      },
    },
    async ({ params, audit }, _req, res) => {
      if (!auth.people.get(params.name)) throw new NotFoundError(`no user ${params.name}`);
      await mapped(() => auth.people.remove(params.name));
      audit('user_delete', params.name);
      res.status(204).end();
    },
  );
}
