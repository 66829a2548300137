// Each route's permission rule (who may call it, how it reaches vehicle data) and the check ApiRouter runs before every handler.
import type { Request } from 'express';
import type { Principal, VehicleAccess } from '../../auth/access.js';
import { vehiclesIn } from '../../auth/access.js';
import type { Identity } from '../../auth/authenticator.js';
import { type Role, roleAtLeast } from '../../auth/roles.js';
import { ForbiddenError, NotFoundError, UnauthorizedError } from '../errors.js';
import { READ_METHODS } from '../security/cors.js';

/**
 * How a route reaches vehicle data, so that a non-admin sees and acts only on their groups'
 * vehicles:
 * - `none`: no vehicle's data (health, the signal catalog, accounts);
 * - `params.X` / `query.X`: that parameter names one vehicle; one the caller may not see is a 404
 *   before the handler runs (a query parameter only when given);
 * - `filtered`: a list over many vehicles; the handler keeps `input.access.canSee` ones (lists,
 *   reports, events) — also what `query.X` routes do when the parameter is absent;
 * - `owner`: one record that belongs to a vehicle (a command, an alarm); the handler answers 404
 *   unless `input.access.canSee(its vehicle)`.
 */
export type VehicleRule = 'none' | 'filtered' | 'owner' | `params.${string}` | `query.${string}`;

export interface RouteAccess {
  /**
   * The least role that may call the route: viewer reads, operator also sends commands and
   * acknowledges alarms, admin also manages. `public`: anyone, signed in or not (health, metrics,
   * sign-in). With AUTH_MODE=none an anonymous caller is a viewer of every vehicle.
   */
  role: 'public' | Role;
  vehicle: VehicleRule;
}

const NO_VEHICLES: VehicleAccess = vehiclesIn(new Set());
export const CSRF_HEADER = 'x-csrf-token';
const REALM = 'Bearer realm="dashboard"';

/** Who may call: the caller, or the 401/403 that says why not. Public routes ignore bad credentials. */
export function authorize(
  rule: RouteAccess,
  identity: Identity,
  req: Request,
): Principal | undefined {
  const principal = identity.kind === 'principal' ? identity.principal : undefined;
  if (rule.role === 'public') return principal;
  if (identity.kind === 'rejected') {
    if (identity.status === 403) throw new ForbiddenError(identity.reason);
    throw new UnauthorizedError(identity.reason, `${REALM}, error="invalid_token"`);
  }
  if (!principal) {
    throw new UnauthorizedError(
      'sign in first (POST /api/session), or send Authorization: Bearer <token>',
      REALM,
    );
  }
  if (!roleAtLeast(principal.role, rule.role)) {
    throw new ForbiddenError(
      `this needs the ${rule.role} role; ${principal.username} is a ${principal.role}`,
    );
  }
  if (!READ_METHODS.has(req.method)) checkCsrf(principal, req);
  return principal;
}

/**
 * A write proved only by a cookie (a session, or Cloudflare Access's own cookie in proxy mode)
 * must also carry the CSRF token the page got from GET /api/session: another site can make the
 * browser send the cookie, but not read the token or set the header.
 */
function checkCsrf(principal: Principal, req: Request): void {
  const expected = principal.session?.csrf ?? principal.csrf;
  if (expected === undefined) return;
  if (req.get(CSRF_HEADER) !== expected) {
    throw new ForbiddenError(
      `a write with a session needs the ${CSRF_HEADER} header from GET /api/session`,
    );
  }
}

/** The vehicle a `params.X` / `query.X` rule names in the validated input, if any. */
export function namedVehicle(
  rule: VehicleRule,
  input: { params: unknown; query: unknown },
): string | undefined {
  const [where, key] = rule.split('.') as [string, string | undefined];
  if (key === undefined || (where !== 'params' && where !== 'query')) return undefined;
  const source = (where === 'params' ? input.params : input.query) as Record<string, unknown>;
  const value = source?.[key];
  return typeof value === 'string' ? value : undefined;
}

/** 404 for a named vehicle the caller may not see: the same answer as for one that does not exist. */
export function checkVehicle(
  rule: VehicleRule,
  access: VehicleAccess,
  input: { params: unknown; query: unknown },
): void {
  const deviceId = namedVehicle(rule, input);
  if (deviceId !== undefined && !access.canSee(deviceId)) {
    throw new NotFoundError(`unknown device ${deviceId}`);
  }
}

export const accessOf = (principal: Principal | undefined): VehicleAccess =>
  principal?.access ?? NO_VEHICLES;
