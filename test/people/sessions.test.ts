// Sessions, CSRF, brute force, tokens and disabled accounts over HTTP (AUTH_MODE=local, a clock the test moves): fixation, lockout then recovery, expiry, revocation, a live session that stops working.
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../harness/wait.js';
import { Clock } from '../auth/fixture.js';
import { NOW } from '../dashboard/route-fixture.js';
import { removeTempDirs } from '../helpers/tmp.js';
import { send } from '../security/dashboard-http.js';
import { Caller, sessionCookie } from './caller.js';
import { IN, OUT, PASSWORD, type PeopleFixture, startPeopleFixture } from './fixture.js';

const LEGACY = 'legacy-admin-token-0123456789';
const clock = new Clock(NOW);
let f: PeopleFixture;

beforeAll(async () => {
  f = await startPeopleFixture(
    { DASHBOARD_TRUST_PROXY: 'loopback', DASHBOARD_API_TOKEN: LEGACY },
    { now: clock.now },
  );
}, 120_000);

afterAll(async () => {
  await f?.route.stop();
  removeTempDirs();
});

/** After the clock jumped past SESSION_TTL: the fixture's people sign in again. */
async function signInAgain(): Promise<void> {
  await f.admin.login('admin', f.adminPassword);
  await f.viewer.login('viewer', PASSWORD);
  await f.operator.login('operator', PASSWORD);
}

async function newUser(name: string, role = 'viewer', groups: string[] = ['north']): Promise<void> {
  const res = await f.admin.send('/api/users', {
    method: 'POST',
    body: { username: name, role, password: PASSWORD, groups },
  });
  expect(res.status, res.text).toBe(201);
}

describe('sessions', () => {
  it('a cookie planted before sign-in never becomes a session; sign-in rotates an existing one', async () => {
    const planted = 'telemetry_session=attacker-chosen-value-0000000000000000000000';
    const victim = Caller.anonymous(f.base);
    victim.cookie = planted;
    expect((await victim.login('viewer', PASSWORD)).status).toBe(200);
    expect(victim.cookie).not.toBe(planted);
    const attacker = Caller.anonymous(f.base);
    attacker.cookie = planted;
    expect((await attacker.send('/api/session')).status).toBe(401);
    // Signing in again replaces the session: the one before is gone.
    const before = victim.cookie;
    expect((await victim.login('viewer', PASSWORD)).status).toBe(200);
    const old = Caller.anonymous(f.base);
    old.cookie = before;
    expect((await old.send('/api/session')).status).toBe(401);
    expect((await victim.send('/api/session')).json).toMatchObject({
      username: 'viewer',
      role: 'viewer',
      groups: ['north'],
      auth_mode: 'local',
    });
  });

  it('the cookie is HttpOnly, SameSite=Lax, and Secure with the __Host- prefix only over TLS', async () => {
    const body = JSON.stringify({ username: 'viewer', password: PASSWORD });
    const headers = { 'content-type': 'application/json' };
    const plain = await send(f.base, '/api/session', { method: 'POST', headers, body });
    const tls = await send(f.base, '/api/session', {
      method: 'POST',
      headers: { ...headers, 'x-forwarded-proto': 'https' },
      body,
    });
    const cookieOf = (r: typeof plain) => String(r.headers['set-cookie']);
    expect(cookieOf(plain)).toMatch(
      /^telemetry_session=[\w-]{43}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/,
    );
    expect(cookieOf(tls)).toMatch(
      /^__Host-telemetry_session=[\w-]{43}; .*HttpOnly; Secure; SameSite=Lax$/,
    );
  });

  it('sign-out ends the session on the server', async () => {
    const c = await Caller.signIn(f.base, 'viewer', PASSWORD);
    const res = await c.send('/api/session', { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(String(res.headers['set-cookie'])).toMatch(/Max-Age=0/);
    expect((await c.send('/api/session')).status).toBe(401);
  });

  it('a page without a session goes to the sign-in page; the login page and its script are public', async () => {
    const anon = Caller.anonymous(f.base);
    const page = await anon.send('/vehicles/vehicle_01');
    expect(page.status).toBe(302);
    expect(page.headers.location).toBe('/login?next=%2Fvehicles%2Fvehicle_01');
    expect((await anon.send('/login')).status).toBe(200);
    expect((await anon.send('/app.js')).status).toBe(200);
    expect((await anon.send('/api/health')).status).toBe(200);
    expect((await f.viewer.send('/')).status).toBe(200);
    // The admin page is for admins.
    expect((await f.viewer.send('/admin')).headers.location).toBe('/');
    expect((await f.admin.send('/admin')).status).toBe(200);
  });
});

describe('CSRF', () => {
  it('a write with a session needs the X-CSRF-Token of that session; a bearer token needs none', async () => {
    const path = `/api/devices/${IN}/commands`;
    const body = { name: 'ping' };
    const noHeader = Caller.anonymous(f.base);
    noHeader.cookie = f.operator.cookie;
    expect((await noHeader.send(path, { method: 'POST', body })).status).toBe(403);
    noHeader.csrf = 'not-the-token';
    expect((await noHeader.send(path, { method: 'POST', body })).status).toBe(403);
    expect((await f.operator.send(path, { method: 'POST', body })).status).toBe(202);
    const token = (await f.operator.send('/api/tokens', { method: 'POST', body: { name: 'c' } }))
      .json as { token: string };
    const script = Caller.withToken(f.base, 'script', token.token);
    expect((await script.send(path, { method: 'POST', body })).status).toBe(202);
  });

  it('sign-in takes JSON only (a cross-site form cannot send it)', async () => {
    const res = await send(f.base, '/api/session', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `username=viewer&password=${encodeURIComponent(PASSWORD)}`,
    });
    expect(res.status).toBe(400);
  });
});

describe('brute force', () => {
  it('five wrong passwords lock the name (429 with Retry-After, even for the right one); it opens again after 15 minutes', async () => {
    await newUser('target');
    const c = Caller.anonymous(f.base);
    for (let i = 0; i < 5; i++)
      expect((await c.login('target', 'wrong password 123')).status).toBe(401);
    const locked = await c.login('target', PASSWORD);
    expect(locked.status).toBe(429);
    expect(locked.headers['retry-after']).toBe('900');
    clock.advance(14 * 60_000);
    expect((await c.login('target', PASSWORD)).status).toBe(429);
    clock.advance(60_000);
    expect((await c.login('target', PASSWORD)).status).toBe(200);
    const audit = (await f.admin.send('/api/audit?user=target&action=login')).json as Array<{
      outcome: string;
      ip: string;
    }>;
    expect(audit.map((e) => e.outcome)).toEqual([
      'ok',
      'locked',
      'locked',
      'failed',
      'failed',
      'failed',
      'failed',
      'failed',
    ]);
    expect(audit[0]?.ip).toBe('127.0.0.1');
  });
});

describe('personal tokens', () => {
  it('are shown once, work with the owner’s rights until they expire or are revoked', async () => {
    const created = await f.viewer.send('/api/tokens', {
      method: 'POST',
      body: { name: 'nightly export', expires_in_days: 1 },
    });
    expect(created.status).toBe(201);
    const { token, id } = created.json as { token: string; id: string };
    const listed = (await f.viewer.send('/api/tokens')).json as Array<Record<string, unknown>>;
    expect(listed.find((t) => t.id === id)).toMatchObject({
      name: 'nightly export',
      username: 'viewer',
    });
    expect(JSON.stringify(listed)).not.toContain(token.split('.')[1]);
    const script = Caller.withToken(f.base, 'script', token);
    expect((await script.send(`/api/devices/${IN}/latest`)).status).toBe(200);
    // The owner's rights: a viewer's token neither sees the other vehicle nor sends commands.
    expect((await script.send(`/api/devices/${OUT}/latest`)).status).toBe(404);
    expect(
      (await script.send(`/api/devices/${IN}/commands`, { method: 'POST', body: { name: 'ping' } }))
        .status,
    ).toBe(403);
    clock.advance(86_400_000);
    await signInAgain();
    const expired = await script.send(`/api/devices/${IN}/latest`);
    expect(expired.status).toBe(401);
    expect((expired.json as { message: string }).message).toMatch(/expired/);
    // Revocation: at once.
    const second = (await f.viewer.send('/api/tokens', { method: 'POST', body: { name: 'x' } }))
      .json as {
      token: string;
      id: string;
    };
    const other = Caller.withToken(f.base, 'other', second.token);
    expect((await other.send('/api/session')).status).toBe(200);
    expect((await f.viewer.send(`/api/tokens/${second.id}`, { method: 'DELETE' })).status).toBe(
      204,
    );
    expect((await other.send('/api/session')).status).toBe(401);
    // Someone else's token is not theirs to revoke (an admin's is not even visible to them).
    const adminToken = (await f.admin.send('/api/tokens', { method: 'POST', body: { name: 'a' } }))
      .json as { id: string };
    expect((await f.viewer.send(`/api/tokens/${adminToken.id}`, { method: 'DELETE' })).status).toBe(
      404,
    );
  });

  it('DASHBOARD_API_TOKEN still works, as an admin', async () => {
    const legacy = Caller.withToken(f.base, 'legacy', LEGACY);
    expect((await legacy.send('/api/users')).status).toBe(200);
    const put = await legacy.send(`/api/devices/${OUT}`, { method: 'PUT', body: { plate: 'B-1' } });
    expect(put.status).toBe(201);
  });
});

describe('a disabled account', () => {
  it('stops working at once: its session (HTTP and live) and its tokens', async () => {
    await newUser('leaver');
    const leaver = await Caller.signIn(f.base, 'leaver', PASSWORD);
    const token = (await leaver.send('/api/tokens', { method: 'POST', body: { name: 't' } }))
      .json as {
      token: string;
    };
    const script = Caller.withToken(f.base, 'script', token.token);
    const socket: Socket = io(f.base, {
      transports: ['websocket'],
      extraHeaders: { cookie: leaver.cookie ?? '' },
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    expect((await leaver.send(`/api/devices/${IN}/latest`)).status).toBe(200);
    const disable = await f.admin.send('/api/users/leaver', {
      method: 'PUT',
      body: { disabled: true },
    });
    expect(disable.json).toMatchObject({ username: 'leaver', disabled: true });
    expect((await leaver.send(`/api/devices/${IN}/latest`)).status).toBe(401);
    expect((await script.send(`/api/devices/${IN}/latest`)).status).toBe(401);
    await waitFor(
      () => socket.connected,
      (c) => !c,
      { what: 'the live connection closed', timeoutMs: 15_000 },
    );
    // A new connection is refused too; signing in is refused.
    expect((await Caller.anonymous(f.base).login('leaver', PASSWORD)).status).toBe(401);
    socket.close();
    // Enabled again: the old session stays ended, a new sign-in works.
    await f.admin.send('/api/users/leaver', { method: 'PUT', body: { disabled: false } });
    expect((await leaver.send('/api/session')).status).toBe(401);
    expect((await Caller.anonymous(f.base).login('leaver', PASSWORD)).status).toBe(200);
  });

  it('a password change ends every other session of the account', async () => {
    await newUser('changer');
    const a = await Caller.signIn(f.base, 'changer', PASSWORD);
    const b = await Caller.signIn(f.base, 'changer', PASSWORD);
    const wrong = await a.send('/api/session/password', {
      method: 'POST',
      body: { current_password: 'not it at all', new_password: 'a brand new password' },
    });
    expect(wrong.status).toBe(403);
    const short = await a.send('/api/session/password', {
      method: 'POST',
      body: { current_password: PASSWORD, new_password: 'short' },
    });
    expect(short.status).toBe(400);
    const res = await a.send('/api/session/password', {
      method: 'POST',
      body: { current_password: PASSWORD, new_password: 'a brand new password' },
    });
    expect(res.status).toBe(200);
    const cookie = sessionCookie(res);
    expect(cookie).toBeDefined();
    expect((await b.send('/api/session')).status).toBe(401);
    a.cookie = cookie;
    expect((await a.send('/api/session')).status).toBe(200);
    expect((await Caller.anonymous(f.base).login('changer', 'a brand new password')).status).toBe(
      200,
    );
  });
});

describe('the audit log', () => {
  it('records who did what, from where, with what outcome', async () => {
    await f.operator.send(`/api/alarms/${f.alarms[IN]}/ack`, { method: 'POST' });
    await f.viewer.send(`/api/devices/${IN}/readings?format=ndjson`);
    const entries = (await f.admin.send('/api/audit?limit=10000')).json as Array<{
      user: string;
      action: string;
      target: string | null;
      outcome: string;
      ip: string;
      time: string;
    }>;
    const has = (user: string, action: string, target?: RegExp) =>
      entries.some(
        (e) => e.user === user && e.action === action && (!target || target.test(e.target ?? '')),
      );
    expect(has('admin', 'group_create', /^north devices=\[vehicle_01\]/)).toBe(true);
    expect(has('admin', 'user_create', /^viewer viewer \[north\]/)).toBe(true);
    expect(has('admin', 'command_send', /^vehicle_02 ping /)).toBe(true);
    expect(has('operator', 'alarm_ack', /^vehicle_01\/overspeed /)).toBe(true);
    expect(has('viewer', 'export', /^vehicle_01 readings ndjson$/)).toBe(true);
    expect(has('viewer', 'token_create')).toBe(true);
    expect(has('viewer', 'token_revoke')).toBe(true);
    expect(has('admin', 'user_update', /^leaver disabled=true/)).toBe(true);
    expect(has('api-token', 'device_register', /^vehicle_02 /)).toBe(true);
    expect(entries.every((e) => e.ip === '127.0.0.1' && !Number.isNaN(Date.parse(e.time)))).toBe(
      true,
    );
    // Filters: by action, and a time range.
    const acks = (await f.admin.send('/api/audit?action=alarm_ack')).json as unknown[];
    expect(acks).toHaveLength(1);
    const none = (await f.admin.send(`/api/audit?to=${new Date(NOW - 1).toISOString()}`))
      .json as unknown[];
    expect(none).toEqual([]);
  });
});
