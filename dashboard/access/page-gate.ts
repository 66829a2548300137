// Pages need a signed-in caller (AUTH_MODE=local: else to /login; proxy: Cloudflare Access signs in); the admin page an admin; the guard for anonymous writes.
import type { Request, RequestHandler } from 'express';
import type { AuthMode } from '../../core/config-auth.js';
import { ForbiddenError, UnauthorizedError } from '../errors.js';
import { READ_METHODS } from '../security/cors.js';
import { identityOf } from './request-identity.js';

/** The pages (HTML) behind sign-in; scripts, styles and libraries stay public (the login page uses them). */
export function isPage(path: string): boolean {
  return (
    path === '/' ||
    path === '/admin' ||
    path === '/account' ||
    path === '/reports' ||
    path.startsWith('/vehicles/') ||
    (path.endsWith('.html') && path !== '/login.html')
  );
}

const ADMIN_PAGES = new Set(['/admin', '/admin.html']);

function next(req: Request): string {
  const target = req.originalUrl;
  // Only a path on this server: an absolute or protocol-relative URL would be an open redirect.
  return target.startsWith('/') && !target.startsWith('//') ? target : '/';
}

export function pageGate(mode: AuthMode): RequestHandler {
  return (req, res, nextHandler) => {
    if (mode === 'none' || !READ_METHODS.has(req.method) || !isPage(req.path)) {
      nextHandler();
      return;
    }
    const identity = identityOf(req);
    res.set('Cache-Control', 'no-store');
    if (identity.kind !== 'principal') {
      if (mode === 'local') {
        res.redirect(302, `/login?next=${encodeURIComponent(next(req))}`);
        return;
      }
      // Proxy mode: Cloudflare Access signs people in before the request ever gets here.
      const reason =
        identity.kind === 'rejected'
          ? identity.reason
          : 'no Cloudflare Access identity: open this dashboard through its Access hostname';
      res
        .status(identity.kind === 'rejected' ? identity.status : 401)
        .type('text')
        .send(reason);
      return;
    }
    if (ADMIN_PAGES.has(req.path) && identity.principal.role !== 'admin') {
      res.redirect(302, '/');
      return;
    }
    nextHandler();
  };
}

/**
 * Structural, like the write guard of AUTH_MODE=none: a request that is not a read and carries no
 * valid identity ends here with a 401 before its body is read, unless it goes to a public write
 * route (signing in). Routes check their own rule again; this only keeps anonymous bodies out.
 */
export function signedInWrites(publicWrites: () => ReadonlySet<string>): RequestHandler {
  return (req, _res, nextHandler) => {
    if (READ_METHODS.has(req.method) || publicWrites().has(`${req.method} ${req.path}`)) {
      nextHandler();
      return;
    }
    const identity = identityOf(req);
    if (identity.kind === 'principal') {
      nextHandler();
      return;
    }
    if (identity.kind === 'rejected' && identity.status === 403) {
      nextHandler(new ForbiddenError(identity.reason));
      return;
    }
    const reason =
      identity.kind === 'rejected'
        ? identity.reason
        : 'sign in first (POST /api/session), or send Authorization: Bearer <token>';
    nextHandler(new UnauthorizedError(reason, 'Bearer realm="dashboard"'));
  };
}
