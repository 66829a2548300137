// AUTH_MODE=proxy against a local key server shaped like Cloudflare Access (/cdn-cgi/access/certs): good, bad signature, wrong audience or issuer, expired, missing header, unknown e-mail; CSRF on writes; live connections.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dashboard } from '../../dashboard/dashboard.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { waitFor } from '../../harness/wait.js';
import { testDashboard } from '../dashboard/helpers.js';
import { testConfig } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { Caller } from './caller.js';

const AUD = 'b3c6a0f1e2d4c5b6a7980f1e2d3c4b5a6978e0f1d2c3b4a5968778695a4b3c2d';
const LEGACY = 'legacy-admin-token-0123456789';
type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

let broker: MosquittoProcess;
let keys: Server;
let issuer: string;
let dashboard: Dashboard;
let base: string;
let good: Key;
let other: Key;
let fetches = 0;

async function jwt(
  email: string,
  options: { key?: Key; aud?: string; iss?: string; exp?: number; kid?: string } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ email, type: 'app', identity_nonce: 'x' })
    .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'k1' })
    .setIssuer(options.iss ?? issuer)
    .setAudience(options.aud ?? AUD)
    .setSubject('7335d417-61da-459d-899c-0a01c76a2f94')
    .setIssuedAt(now - 60)
    .setExpirationTime(options.exp ?? now + 3600)
    .sign(options.key ?? good);
}

const asJwt = (token: string) => {
  const c = Caller.anonymous(base);
  return {
    send: (path: string, req: Parameters<Caller['send']>[1] = {}) =>
      c.send(path, { ...req, headers: { 'cf-access-jwt-assertion': token, ...req.headers } }),
  };
};

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  good = pair.privateKey;
  other = (await generateKeyPair('RS256')).privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  keys = createServer((req, res) => {
    if (req.url !== '/cdn-cgi/access/certs') {
      res.writeHead(404).end();
      return;
    }
    fetches += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => keys.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(keys.address() as AddressInfo).port}`;
  const dir = tempDir('proxy-');
  broker = new MosquittoProcess({ dir });
  await broker.start();
  dashboard = testDashboard(
    testConfig(dir, broker.port, {
      AUTH_MODE: 'proxy',
      CF_ACCESS_TEAM_DOMAIN: issuer,
      CF_ACCESS_AUD: AUD,
      DASHBOARD_API_TOKEN: LEGACY,
      DASHBOARD_RATE_LIMIT_PER_MIN: '1000000',
    }),
  );
  await dashboard.start();
  base = `http://127.0.0.1:${dashboard.port}`;
  // start() does not wait for the broker's CONNACK nor for the read-only store, which opens once
  // the writer has created the file: /api/health says 503 until both are up (a fresh-clone CI run
  // asserted 200 before they were).
  await waitFor(
    async () => (await Caller.anonymous(base).send('/api/health')).status,
    (status) => status === 200,
    { what: 'dashboard healthy (broker connected, store open)', timeoutMs: 15_000 },
  );
  // The first admin of a proxy-mode dashboard: made with the legacy token (or npm run users).
  const legacy = Caller.withToken(base, 'legacy', LEGACY);
  for (const [username, role] of [
    ['ann@example.com', 'admin'],
    ['Bob@Example.com', 'viewer'],
  ]) {
    expect(
      (await legacy.send('/api/users', { method: 'POST', body: { username, role } })).status,
    ).toBe(201);
  }
}, 60_000);

afterAll(async () => {
  await dashboard?.stop();
  await broker?.stop();
  await new Promise((resolve) => keys?.close(resolve));
  removeTempDirs();
});

describe('AUTH_MODE=proxy', () => {
  it('a valid Access token names the account (e-mail, any case)', async () => {
    const res = await asJwt(await jwt('BOB@example.com')).send('/api/session');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      username: 'bob@example.com',
      role: 'viewer',
      auth_mode: 'proxy',
    });
    expect((res.json as { csrf_token: string }).csrf_token).toMatch(/^[\w-]{43}$/);
    expect(fetches).toBeGreaterThanOrEqual(1);
  });

  it('refuses a bad signature, a wrong audience or issuer, an expired token, and none at all', async () => {
    const cases: Array<[string, string | undefined, RegExp]> = [
      ['bad signature', await jwt('ann@example.com', { key: other }), /signature/],
      ['wrong audience', await jwt('ann@example.com', { aud: 'someone-else' }), /aud/],
      [
        'wrong issuer',
        await jwt('ann@example.com', { iss: 'https://evil.cloudflareaccess.com' }),
        /iss/,
      ],
      [
        'expired',
        await jwt('ann@example.com', { exp: Math.floor(Date.now() / 1000) - 10 }),
        /expired/,
      ],
      ['unknown key', await jwt('ann@example.com', { key: other, kid: 'k2' }), /unknown key/],
      ['garbage', 'not.a.jwt', /not valid/],
    ];
    for (const [what, token, message] of cases) {
      const res = await asJwt(token ?? '').send('/api/devices/status');
      expect(res.status, what).toBe(401);
      expect((res.json as { message: string }).message, what).toMatch(message);
    }
    const missing = await Caller.anonymous(base).send('/api/devices/status');
    expect(missing.status).toBe(401);
    const page = await Caller.anonymous(base).send('/');
    expect(page.status).toBe(401);
    expect(page.text).toMatch(/Cloudflare Access/);
    // Public routes stay public.
    expect((await Caller.anonymous(base).send('/api/health')).status).toBe(200);
  });

  it('a valid token of an unknown e-mail is refused (403), saying how to add the account', async () => {
    const res = await asJwt(await jwt('eve@example.com')).send('/api/devices/status');
    expect(res.status).toBe(403);
    expect((res.json as { message: string }).message).toMatch(
      /npm run users -- add eve@example.com/,
    );
  });

  it('writes carry the CSRF token from GET /api/session; passwords are off', async () => {
    const ann = asJwt(await jwt('ann@example.com'));
    const { csrf_token } = (await ann.send('/api/session')).json as { csrf_token: string };
    const body = { id: 'x', name: 'X' };
    expect((await ann.send('/api/groups', { method: 'POST', body })).status).toBe(403);
    expect(
      (
        await ann.send('/api/groups', {
          method: 'POST',
          body,
          headers: { 'x-csrf-token': csrf_token },
        })
      ).status,
    ).toBe(201);
    const login = await Caller.anonymous(base).send('/api/session', {
      method: 'POST',
      body: { username: 'ann@example.com', password: 'whatever long enough' },
    });
    expect(login.status).toBe(404);
  });

  it('live connections need a valid Access token too', async () => {
    // Tokens first, and the outcomes listened to at once: no event can pass before its listener.
    const goodToken = await jwt('ann@example.com');
    const badToken = await jwt('ann@example.com', { aud: 'nope' });
    const ok = io(base, {
      transports: ['websocket'],
      extraHeaders: { 'cf-access-jwt-assertion': goodToken },
    });
    const bad = io(base, {
      transports: ['websocket'],
      extraHeaders: { 'cf-access-jwt-assertion': badToken },
    });
    const outcome = (s: typeof ok) =>
      new Promise<string>((resolve) => {
        s.once('connect', () => resolve('connected'));
        s.once('connect_error', (e) => resolve(e.message));
      });
    const [okOutcome, badOutcome] = await Promise.all([outcome(ok), outcome(bad)]);
    expect(okOutcome).toBe('connected');
    expect(badOutcome).toMatch(/aud/);
    ok.close();
    bad.close();
  });
});
