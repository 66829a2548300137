// Registers routes from their specs: validates input with the spec's schemas, answers 405/OPTIONS per path, lists the specs.
import { type Request, type Response, Router } from 'express';
import type { z } from 'zod';
import type { AuditRecord } from '../../auth/audit.js';
import { identityOf } from '../access/request-identity.js';
import { accessOf, authorize, checkVehicle } from '../access/route-access.js';
import { InvalidParameterError, MethodNotAllowedError, nameForMessage } from '../errors.js';
import type { HttpMethod, ResponseSpec, RouteInput, RouteSpec } from './route-spec.js';
import { errorResponses } from './schemas.js';

type Handler<P, Q, B> = (
  input: RouteInput<P, Q, B>,
  req: Request,
  res: Response,
) => void | Promise<void>;

/** zod's messages as one line; unknown keys are named (inert), at most five. */
function problems(error: z.ZodError, where: string): string {
  return error.issues
    .map((i) => {
      if (i.code === 'unrecognized_keys') {
        const more = i.keys.length > 5 ? ', …' : '';
        return `unknown ${where}: ${i.keys.slice(0, 5).map(nameForMessage).join(', ')}${more}`;
      }
      const path = i.path.map((p) => nameForMessage(String(p))).join('.');
      // Messages written for a parameter already name it; zod's defaults do not.
      return path && !i.message.includes(path) ? `${path}: ${i.message}` : i.message;
    })
    .join('; ');
}

function parse<T>(schema: z.ZodType | undefined, value: unknown, where: string): T {
  if (!schema) return value as T;
  const result = schema.safeParse(value);
  if (!result.success) throw new InvalidParameterError(problems(result.error, where));
  return result.data as T;
}

/** The answers a rule adds to a route's own: 401/403 unless public, 404 for a vehicle out of sight. */
function withAccessAnswers(spec: RouteSpec): RouteSpec {
  const extra: Record<number, ResponseSpec> = {};
  if (spec.access.role !== 'public') Object.assign(extra, errorResponses(401, 403));
  if (spec.access.vehicle.includes('.')) Object.assign(extra, errorResponses(404));
  return { ...spec, responses: { ...extra, ...spec.responses } };
}

/**
 * One Router for every API route. Each route is checked against its access rule before its
 * input is even validated (401, 403), then its named vehicle (404 when out of the caller's
 * groups), then the handler runs with the caller and their vehicle access. A path answers the methods its specs declare (GET also answers
 * HEAD); OPTIONS is a 204 with Allow and any other method a 405 with Allow, registered by
 * finish() once every spec of the path is known.
 */
export class ApiRouter {
  readonly router = Router();
  private readonly specs: RouteSpec[] = [];
  private finished = false;

  /** `audit`: where input.audit records go (the auth folder's audit log). */
  constructor(private readonly audit: (entry: AuditRecord) => void) {}

  route<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(
    spec: RouteSpec<P, Q, B>,
    handler: Handler<z.infer<P>, z.infer<Q>, z.infer<B>>,
  ): this {
    if (this.finished) throw new Error(`route ${spec.path} added after finish()`);
    this.specs.push(withAccessAnswers(spec));
    const rule = spec.access;
    this.router[spec.method](spec.path, async (req, res) => {
      const who = authorize(rule, identityOf(req), req);
      const access = accessOf(who);
      const input: RouteInput<z.infer<P>, z.infer<Q>, z.infer<B>> = {
        params: parse<z.infer<P>>(spec.params, req.params, 'path parameter'),
        query: parse<z.infer<Q>>(spec.query, req.query, 'parameter'),
        body: parse<z.infer<B>>(spec.body, req.body, 'field'),
        who,
        access,
        audit: (action, target, outcome = 'ok') =>
          this.audit({
            user: who?.username ?? 'anonymous',
            action,
            target,
            ip: req.ip ?? null,
            outcome,
          }),
      };
      if (rule.role !== 'public') checkVehicle(rule.vehicle, access, input);
      await handler(input, req, res);
    });
    return this;
  }

  /** Every registered spec (the OpenAPI document is built from these). */
  list(): readonly RouteSpec[] {
    return this.specs;
  }

  finish(): Router {
    if (this.finished) return this.router;
    this.finished = true;
    const byPath = new Map<string, Set<HttpMethod>>();
    for (const s of this.specs) byPath.set(s.path, (byPath.get(s.path) ?? new Set()).add(s.method));
    for (const [path, methods] of byPath) {
      const allow = [...methods].map((m) => m.toUpperCase());
      if (methods.has('get')) allow.push('HEAD');
      allow.push('OPTIONS');
      this.router.all(path, (req, res) => {
        if (req.method === 'OPTIONS') {
          res.set('Allow', allow.join(', ')).status(204).end();
          return;
        }
        throw new MethodNotAllowedError(req.method, req.originalUrl, allow);
      });
    }
    return this.router;
  }
}
