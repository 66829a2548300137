// Builds the OpenAPI 3.1 document from the route specs: the same zod schemas that validate each route.
import { z } from 'zod';
import type { RouteSpec } from './route-spec.js';

type Json = Record<string, unknown>;

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of a zod schema, as the route accepts input. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  }) as Json;
  return rest;
}

/** The properties of an object schema (params, query), each with its own schema and requiredness. */
function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!schema) return [];
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
  if (!shape) throw new Error(`a ${where} schema must be an object schema`);
  return Object.entries(shape).map(([name, prop]) => {
    const optional = prop.safeParse(undefined).success;
    const s = jsonSchema(prop, 'input');
    const { description, ...propSchema } = s;
    return {
      name,
      in: where,
      required: where === 'path' || !optional,
      schema: propSchema,
      ...(typeof description === 'string' ? { description } : {}),
    };
  });
}

const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

function operationId(spec: RouteSpec): string {
  const words = spec.path
    .split('/')
    .filter((w) => w && w !== 'api')
    .map((w) => (w.startsWith(':') ? `by_${w.slice(1)}` : w));
  return [spec.method, ...words].join('_').replace(/[^A-Za-z0-9_]/g, '_');
}

export interface DocumentInfo {
  version: string;
}

export function openApiDocument(specs: readonly RouteSpec[], info: DocumentInfo): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const spec of specs) {
    const responses: Record<string, Json> = {};
    for (const [status, r] of Object.entries(spec.responses)) {
      const type = r.contentType ?? 'application/json';
      const content: Record<string, Json> = {};
      if (r.schema || r.contentType) {
        content[type] = { schema: r.schema ? jsonSchema(r.schema, 'output') : { type: 'string' } };
      }
      for (const other of r.alsoAs ?? []) content[other] = { schema: { type: 'string' } };
      responses[status] = {
        description: r.description,
        ...(Object.keys(content).length > 0 ? { content } : {}),
      };
    }
    const operation: Json = {
      operationId: operationId(spec),
      summary: spec.summary,
      tags: [spec.tag],
      parameters: [...parameters(spec.params, 'path'), ...parameters(spec.query, 'query')],
      ...(spec.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: jsonSchema(spec.body, 'input') } },
            },
          }
        : {}),
      responses,
      ...(spec.access.role === 'public' ? {} : { security: [{ bearer: [] }, { session: [] }] }),
      'x-access': spec.access,
    };
    const path = openApiPath(spec.path);
    paths[path] = { ...(paths[path] ?? {}), [spec.method]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Vehicle telemetry dashboard API',
      version: info.version,
      description:
        "AUTH_MODE=local (default): every route but the public ones needs a session (POST /api/session; writes also send X-CSRF-Token) or Authorization: Bearer <personal token or DASHBOARD_API_TOKEN>; x-access names the least role and how the route reaches vehicle data (non-admins see their groups' vehicles only). AUTH_MODE=none: reads are open, writes need DASHBOARD_API_TOKEN. Errors are {error, message}.",
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        session: { type: 'apiKey', in: 'cookie', name: 'telemetry_session' },
      },
    },
  };
}
