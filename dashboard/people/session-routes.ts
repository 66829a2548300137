// POST/GET/DELETE /api/session (sign in with a password, who am I, sign out) and POST /api/session/password (change one's own).
import type { z } from 'zod';
import { sha256 } from '../../auth/secrets.js';
import { clearSessionCookie, sessionCookieOf, setSessionCookie } from '../access/session-cookie.js';
import type { ApiRouter } from '../api/api-router.js';
import { errorResponses } from '../api/schemas.js';
import { ForbiddenError, LockedOutError, NotFoundError, UnauthorizedError } from '../errors.js';
import { noQuery } from '../params.js';
import { addressKey } from '../security/client-address.js';
import type { PeopleDeps } from './deps.js';
import { loginBody, mapped, passwordChangeBody, sessionBody, sessionOf } from './schemas.js';

export function sessionRoutes(api: ApiRouter, deps: PeopleDeps): void {
  const { auth, now } = deps;
  const secure = auth.config.cookieSecure;
  api.route(
    {
      method: 'post',
      path: '/api/session',
      summary:
        'Sign in with a username and password (AUTH_MODE=local): a new session cookie (HttpOnly, SameSite=Lax; Secure over TLS) and its CSRF token',
      tag: 'people',
      access: { role: 'public', vehicle: 'none' },
      query: noQuery,
      body: loginBody,
      responses: {
        200: { description: 'signed in', schema: sessionBody },
        ...errorResponses(400, 401, 404, 429),
      },
    },
    async ({ body }, req, res) => {
      if (auth.mode !== 'local') {
        throw new NotFoundError(`password sign-in is off (AUTH_MODE=${auth.mode})`);
      }
      const address = req.ip ?? 'unknown';
      // Counted like the rate limit counts (IPv6 per /56): rotating addresses within one
      // allocation does not reset the lock.
      const result = await auth.login.login(
        body.username,
        body.password,
        addressKey(req.ip),
        now(),
      );
      const user = body.username.trim().toLowerCase().slice(0, 128);
      if (!result.ok) {
        const outcome = result.status === 429 ? 'locked' : 'failed';
        auth.audit.record({ user, action: 'login', target: null, ip: address, outcome });
        if (result.status === 429) throw new LockedOutError(result.retryAfterS);
        throw new UnauthorizedError(result.reason, 'Bearer realm="dashboard"');
      }
      // Rotation: whatever session the browser had (a planted one included) ends here.
      const before = sessionCookieOf(req.get('cookie'));
      if (before !== undefined) auth.sessions.close(sha256(before));
      setSessionCookie(req, res, result.session.cookie, auth.sessions.ttl, secure);
      auth.audit.record({
        user: result.username,
        action: 'login',
        target: null,
        ip: address,
        outcome: 'ok',
      });
      const u = auth.directory.user(result.username);
      res.json({
        username: result.username,
        role: u?.role ?? 'viewer',
        groups: u?.groups ?? [],
        auth_mode: auth.mode,
        csrf_token: result.session.record.csrf,
      } satisfies z.infer<typeof sessionBody>);
    },
  );
  api.route(
    {
      method: 'get',
      path: '/api/session',
      summary:
        'Who is signed in: username, role, groups, the auth mode and the CSRF token for writes',
      tag: 'people',
      access: { role: 'viewer', vehicle: 'none' },
      query: noQuery,
      responses: {
        200: { description: 'the caller', schema: sessionBody },
        ...errorResponses(400, 429),
      },
    },
    ({ who }, _req, res) => {
      if (!who) throw new UnauthorizedError('not signed in', 'Bearer realm="dashboard"');
      res.set('Cache-Control', 'no-store').json(sessionOf(who, auth.mode));
    },
  );
  api.route(
    {
      method: 'delete',
      path: '/api/session',
      summary: 'Sign out: the session ends on every dashboard instance and its cookie is cleared',
      tag: 'people',
      access: { role: 'viewer', vehicle: 'none' },
      query: noQuery,
      responses: {
        204: { description: 'signed out' },
        ...errorResponses(400, 429),
      },
    },
    ({ who, audit }, req, res) => {
      if (who?.session) auth.sessions.close(who.session.idHash);
      clearSessionCookie(req, res, secure);
      audit('logout', null);
      res.status(204).end();
    },
  );
  api.route(
    {
      method: 'post',
      path: '/api/session/password',
      summary:
        "Change one's own password (AUTH_MODE=local): every other session of the account ends; this one continues with a new cookie",
      tag: 'people',
      access: { role: 'viewer', vehicle: 'none' },
      query: noQuery,
      body: passwordChangeBody,
      responses: {
        200: { description: 'changed', schema: sessionBody },
        ...errorResponses(400, 404, 429),
      },
    },
    async ({ who, body, audit }, req, res) => {
      if (auth.mode !== 'local')
        throw new NotFoundError(`passwords are off (AUTH_MODE=${auth.mode})`);
      if (who?.via !== 'session') {
        throw new ForbiddenError('sign in with your password to change it (not with a token)');
      }
      const address = req.ip ?? 'unknown';
      const check = await auth.login.login(
        who.username,
        body.current_password,
        addressKey(req.ip),
        now(),
      );
      if (!check.ok) {
        audit('password_change', who.username, 'failed');
        if (check.status === 429) throw new LockedOutError(check.retryAfterS);
        throw new ForbiddenError('the current password is wrong');
      }
      auth.sessions.close(check.session.record.idHash);
      await mapped(() => auth.people.update(who.username, { password: body.new_password }, now()));
      const fresh = auth.sessions.open(who.username, address, now());
      setSessionCookie(req, res, fresh.cookie, auth.sessions.ttl, secure);
      audit('password_change', who.username);
      res.json({ ...sessionOf(who, auth.mode), csrf_token: fresh.record.csrf });
    },
  );
}
