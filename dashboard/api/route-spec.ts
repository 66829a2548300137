// One HTTP route's contract: method, path, and the zod schemas that validate its input and describe its answers.
import type { z } from 'zod';
import type { Principal, VehicleAccess } from '../../auth/access.js';
import type { RouteAccess } from '../access/route-access.js';

export type HttpMethod = 'get' | 'put' | 'post' | 'delete';

export interface ResponseSpec {
  description: string;
  /** The JSON body (omitted: no body, or not JSON: see contentType). */
  schema?: z.ZodType;
  /** Default application/json; e.g. text/html for a page. */
  contentType?: string;
  /** Other content types the same status may carry (text, e.g. a CSV export chosen by a parameter). */
  alsoAs?: string[];
}

/**
 * The single source for a route: ApiRouter validates params, query and body with these schemas
 * before the handler runs (a failure is a 400 `{error, message}` listing every problem), and the
 * OpenAPI document is generated from the same objects, so the two cannot drift apart.
 */
export interface RouteSpec<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
> {
  method: HttpMethod;
  /** Express path syntax: `/api/devices/:id/history`. */
  path: string;
  /** One line for the docs page. */
  summary: string;
  /** Groups routes on the docs page. */
  tag: string;
  /**
   * Who may call it and how it reaches vehicle data (access/route-access.ts). Required: a route
   * without a rule does not compile, and the permission matrix test walks every registered rule.
   */
  access: RouteAccess;
  /** An object schema of the path parameters. */
  params?: P;
  /** An object schema of the query (values arrive as strings; a repeated key as an array). */
  query?: Q;
  body?: B;
  /** Every status the route answers, errors included. */
  responses: Record<number, ResponseSpec>;
  /** JSON body size limit when the server's default (16 kB) is too small, e.g. `2mb` for bulk ingest. */
  bodyLimit?: string;
  /** With bodyLimit: a larger body is a 400 with this reason rather than a 413 (a hostile input). */
  bodyTooLarge?: string;
}

/** What a handler receives: input already validated by the spec's schemas, and who asks. */
export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** The caller; undefined only on a public route called without credentials. */
  who: Principal | undefined;
  /**
   * The vehicles the caller may see: routes that list, export or report over several vehicles
   * keep `access.canSee` ones (`access.filter`); AUTH_MODE=none and admins see all.
   */
  access: VehicleAccess;
  /** Records this request in the audit log: the caller, the action, its target, the address. */
  audit: (action: string, target: string | null, outcome?: string) => void;
}
