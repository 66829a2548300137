// GET /api/openapi.json: the OpenAPI 3.1 document of every route, built once from the registered specs.
import { z } from 'zod';
import { noQuery } from '../params.js';
import type { ApiRouter } from './api-router.js';
import { openApiDocument } from './openapi.js';
import { errorResponses } from './schemas.js';

export function openApiRoutes(api: ApiRouter, info: { version: string }): void {
  let document: Record<string, unknown> | undefined;
  api.route(
    {
      method: 'get',
      path: '/api/openapi.json',
      summary: 'This document',
      tag: 'docs',
      query: noQuery,
      responses: {
        200: { description: 'OpenAPI 3.1', schema: z.record(z.string(), z.unknown()) },
        ...errorResponses(400, 429),
      },
    },
    (_input, _req, res) => {
      // Every route is registered before the first request, so the document is complete here.
      document ??= openApiDocument(api.list(), info);
      res.json(document);
    },
  );
}
