// GET /api/openapi.json (the OpenAPI 3.1 document of every route, built once from the registered specs) and GET /api/docs (Swagger UI).
import { z } from 'zod';
import { noQuery } from '../params.js';
import type { ApiRouter } from './api-router.js';
import { openApiDocument } from './openapi.js';
import { errorResponses } from './schemas.js';

/** Where server.ts serves Swagger UI's files from node_modules (no CDN). */
export const SWAGGER_UI_URL = '/vendor/swagger-ui';

/** Static markup: the script file renders the document (the CSP allows no inline script). */
const DOCS_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Vehicle telemetry API</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="${SWAGGER_UI_URL}/swagger-ui.css" />
    <link rel="stylesheet" href="/api-docs.css" />
    <script src="${SWAGGER_UI_URL}/swagger-ui-bundle.js" defer></script>
    <script src="/api-docs.js" defer></script>
  </head>
  <body>
    <div id="swagger-ui"></div>
  </body>
</html>
`;

export function openApiRoutes(api: ApiRouter, info: { version: string }): void {
  let document: Record<string, unknown> | undefined;
  api.route(
    {
      method: 'get',
      path: '/api/openapi.json',
      summary: 'This document',
      tag: 'docs',
      access: { role: 'viewer', vehicle: 'none' },
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
  api.route(
    {
      method: 'get',
      path: '/api/docs',
      summary: 'A page that renders this document (Swagger UI, served by the dashboard itself)',
      tag: 'docs',
      access: { role: 'viewer', vehicle: 'none' },
      query: noQuery,
      responses: {
        200: { description: 'HTML page', contentType: 'text/html' },
        ...errorResponses(400, 429),
      },
    },
    (_input, _req, res) => {
      res.type('html').set('Cache-Control', 'no-cache').send(DOCS_PAGE);
    },
  );
}
