// GET/POST /api/groups and PUT/DELETE /api/groups/:id (admin): vehicle groups, their vehicles and their members.
import { z } from 'zod';
import type { ApiRouter } from '../api/api-router.js';
import { errorResponses } from '../api/schemas.js';
import { noQuery } from '../params.js';
import type { PeopleDeps } from './deps.js';
import {
  groupBody,
  groupChangeBody,
  groupOf,
  groupParams,
  mapped,
  newGroupBody,
} from './schemas.js';

const summaryOf = (g: { id: string; devices: string[]; users: string[] }) =>
  `${g.id} devices=[${g.devices.join(',')}] users=[${g.users.join(',')}]`;

export function groupRoutes(api: ApiRouter, deps: PeopleDeps): void {
  const { auth } = deps;
  api.route(
    {
      method: 'get',
      path: '/api/groups',
      summary: 'Every vehicle group with its vehicles and members',
      tag: 'people',
      access: { role: 'admin', vehicle: 'none' },
      query: noQuery,
      responses: {
        200: { description: 'by id', schema: z.array(groupBody) },
        ...errorResponses(400, 429),
      },
    },
    (_input, _req, res) => {
      res.json(auth.people.groups().map(groupOf));
    },
  );
  api.route(
    {
      method: 'post',
      path: '/api/groups',
      summary: 'Create a group (its members then see and act on its vehicles)',
      tag: 'people',
      access: { role: 'admin', vehicle: 'none' },
      query: noQuery,
      body: newGroupBody,
      bodyLimit: '2mb',
      responses: {
        201: { description: 'created', schema: groupBody },
        ...errorResponses(400, 409, 413, 429),
      },
    },
    async ({ body, audit }, _req, res) => {
      const group = await mapped(() => auth.people.createGroup(body));
      audit('group_create', summaryOf(group));
      res.status(201).location(`/api/groups/${group.id}`).json(groupOf(group));
    },
  );
  api.route(
    {
      method: 'put',
      path: '/api/groups/:id',
      summary:
        'Rename a group or replace its vehicles or members (live views follow within a second)',
      tag: 'people',
      access: { role: 'admin', vehicle: 'none' },
      params: groupParams,
      query: noQuery,
      body: groupChangeBody,
      bodyLimit: '2mb',
      responses: {
        200: { description: 'changed', schema: groupBody },
        ...errorResponses(400, 404, 413, 429),
      },
    },
    async ({ params, body, audit }, _req, res) => {
      const group = await mapped(() => auth.people.updateGroup(params.id, body));
      audit('group_update', summaryOf(group));
      res.json(groupOf(group));
    },
  );
  api.route(
    {
      method: 'delete',
      path: '/api/groups/:id',
      summary: 'Delete a group (its vehicles and accounts stay)',
      tag: 'people',
      access: { role: 'admin', vehicle: 'none' },
      params: groupParams,
      query: noQuery,
      responses: {
        204: { description: 'deleted' },
        ...errorResponses(400, 404, 429),
      },
    },
    async ({ params, audit }, _req, res) => {
      await mapped(() => auth.people.removeGroup(params.id));
      audit('group_delete', params.id);
      res.status(204).end();
    },
  );
}
