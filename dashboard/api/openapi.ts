// Builds the OpenAPI 3.1 document from the route specs: the same zod schemas that validate each route.
import { z } from 'zod';
import { CF_ACCESS_HEADER } from '../../auth/cf-access.js';
import type { RouteAccess } from '../access/route-access.js';
import { CSRF_HEADER } from '../access/route-access.js';
import { SESSION_COOKIE } from '../access/session-cookie.js';
import type { HttpMethod, RouteSpec } from './route-spec.js';

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

/**
 * The ways to prove who one is (one per AUTH_MODE credential); an operation's `security` lists
 * which of them it takes (alternatives), derived from its access rule below.
 */
const SECURITY_SCHEMES = {
  bearer: {
    type: 'http',
    scheme: 'bearer',
    description: 'A personal API token (POST /api/tokens) or DASHBOARD_API_TOKEN',
  },
  session: {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE.plain,
    description: `AUTH_MODE=local: the cookie POST /api/session sets (${SESSION_COOKIE.secure} over TLS)`,
  },
  cloudflareAccess: {
    type: 'apiKey',
    in: 'header',
    name: CF_ACCESS_HEADER,
    description: 'AUTH_MODE=proxy: the JWT Cloudflare Access adds in front of the dashboard',
  },
  csrf: {
    type: 'apiKey',
    in: 'header',
    name: CSRF_HEADER,
    description:
      'With a session or Cloudflare Access, a write also sends this header: the csrf_token of GET /api/session',
  },
} as const;

/**
 * Who may call the operation, from the route's access rule, so a new route is documented without
 * a hand edit: public ones need nothing (`[]`); the rest take any one credential, with the least
 * role named (OpenAPI 3.1 allows role names for non-OAuth schemes), and a write proved by a cookie
 * or the proxy also needs the CSRF header (route-access.ts, checkCsrf).
 */
export function operationSecurity(access: RouteAccess, method: HttpMethod): Json[] {
  if (access.role === 'public') return [];
  const roles = [access.role];
  const csrf = method === 'get' ? {} : { csrf: [] };
  return [{ bearer: roles }, { session: roles, ...csrf }, { cloudflareAccess: roles, ...csrf }];
}

/** Clients call the dashboard that serves this document: its paths are relative to that host. */
const SERVERS = [{ url: '/', description: 'The dashboard serving this document' }];

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
      security: operationSecurity(spec.access, spec.method),
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
      // The package is private and names no licence (npm's UNLICENSED); an SPDX LicenseRef says
      // so. Put the project's licence here when it gets one.
      license: { name: 'Proprietary (no licence granted)', identifier: 'LicenseRef-Proprietary' },
      description:
        "AUTH_MODE=local (default): every route but the public ones needs a session (POST /api/session; writes also send X-CSRF-Token) or Authorization: Bearer <personal token or DASHBOARD_API_TOKEN>; x-access names the least role and how the route reaches vehicle data (non-admins see their groups' vehicles only). AUTH_MODE=none: reads are open, writes need DASHBOARD_API_TOKEN. Errors are {error, message}.",
    },
    // No jsonSchemaDialect: the default (OpenAPI's base dialect, JSON Schema 2020-12 with its
    // vocabulary) reads our zod schemas the same way, and Swagger UI warns on any other value.
    servers: SERVERS,
    paths,
    components: { securitySchemes: SECURITY_SCHEMES },
  };
}
