// Security headers, CORS for reads only, the bearer write guard and malformed requests, on a real dashboard (SQLite, Mosquitto).
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RouteFixture, startRouteFixture } from '../dashboard/route-fixture.js';
import { removeTempDirs } from '../helpers/tmp.js';
import { isCleanErrorBody, LEAK, type RawResponse, send } from './dashboard-http.js';

const TOKEN = randomBytes(32).toString('hex');
const OPS = 'https://ops.example.com';
/** With a token and a CORS list. */
let secured: RouteFixture;
/** Defaults: no token (writes refused), CORS `*`. */
let open: RouteFixture;

beforeAll(async () => {
  [secured, open] = await Promise.all([
    startRouteFixture({
      DASHBOARD_API_TOKEN: TOKEN,
      DASHBOARD_CORS_ORIGINS: `${OPS}, http://localhost:8080`,
    }),
    startRouteFixture(),
  ]);
});

afterAll(async () => {
  await Promise.all([secured?.stop(), open?.stop()]);
  removeTempDirs();
});

const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join(';');

describe('security headers (helmet) on every kind of response', () => {
  it.each([
    ['the page', '/'],
    ['the page module', '/app.js'],
    ['a vendored library', '/vendor/uplot/uPlot.iife.min.js'],
    ['the Socket.IO client', '/vendor/socket.io/socket.io.esm.min.js'],
    ['an API answer', '/api/devices/status'],
    ['an API error', '/api/devices/vehicle_99/latest'],
    ['a 404 outside the API', '/nope'],
    ["Socket.IO's transport", '/socket.io/?EIO=4&transport=polling'],
  ])('%s (%s)', async (_what, path) => {
    const res = await send(secured.base, path);
    expect(res.status).toBeLessThan(500);
    expect(res.headers).toMatchObject({
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      'referrer-policy': 'no-referrer',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'x-dns-prefetch-control': 'off',
      'x-permitted-cross-domain-policies': 'none',
    });
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('Socket.IO no longer serves its own copy of the client (one path, with our headers)', async () => {
    const res = await send(secured.base, '/socket.io/socket.io.js');
    expect(res.status).toBe(400);
    expect(res.text).not.toMatch(LEAK);
  });
});

describe('CORS: reads only, `*` or exact origins', () => {
  const cors = (res: RawResponse) => ({
    origin: res.headers['access-control-allow-origin'],
    methods: res.headers['access-control-allow-methods'],
  });

  it('an allowed origin may read; the answer names it and varies by Origin', async () => {
    const res = await send(secured.base, '/api/devices/status', { headers: { origin: OPS } });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(OPS);
    expect(res.headers['access-control-expose-headers']).toBe(
      'RateLimit, RateLimit-Policy, Retry-After',
    );
    expect(res.headers.vary).toMatch(/\bOrigin\b/);
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('another origin gets no CORS header (the browser hides the answer)', async () => {
    for (const origin of [
      'https://evil.example.com',
      `${OPS}.evil.com`,
      'null',
      'http://ops.example.com',
    ]) {
      const res = await send(secured.base, '/api/devices/status', { headers: { origin } });
      expect(cors(res), origin).toEqual({ origin: undefined, methods: undefined });
    }
  });

  it('a preflight for GET from an allowed origin succeeds', async () => {
    const res = await send(secured.base, '/api/devices/vehicle_01/history', {
      method: 'OPTIONS',
      headers: { origin: OPS, 'access-control-request-method': 'GET' },
    });
    expect(res.status).toBe(204);
    expect(res.headers).toMatchObject({
      'access-control-allow-origin': OPS,
      'access-control-allow-methods': 'GET, HEAD',
      'access-control-max-age': '600',
    });
    expect(res.headers['access-control-allow-headers']).toBeUndefined();
  });

  it.each(['POST', 'PUT', 'DELETE', 'PATCH'])(
    'a preflight for %s is never allowed, from any origin',
    async (method) => {
      for (const fixture of [secured, open]) {
        const res = await send(fixture.base, '/api/devices/status', {
          method: 'OPTIONS',
          headers: { origin: OPS, 'access-control-request-method': method },
        });
        expect(res.status).toBe(204);
        expect(cors(res)).toEqual({ origin: undefined, methods: undefined });
      }
    },
  );

  it('a write from an allowed origin, even with the token, carries no CORS header', async () => {
    const res = await send(secured.base, '/api/health', {
      method: 'POST',
      headers: { origin: OPS, authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(405);
    expect(cors(res).origin).toBeUndefined();
  });

  it('`*` (the default) lets any origin read, and still no write', async () => {
    const read = await send(open.base, '/api/health', {
      headers: { origin: 'https://any.example' },
    });
    expect(read.headers['access-control-allow-origin']).toBe('*');
    const write = await send(open.base, '/api/health', {
      method: 'DELETE',
      headers: { origin: 'https://any.example' },
    });
    expect(write.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('the page and its files carry no CORS header', async () => {
    const res = await send(secured.base, '/', { headers: { origin: OPS } });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('bearer guard: every request that is not a read needs the token', () => {
  const METHODS = ['POST', 'PUT', 'DELETE', 'PATCH'] as const;
  const PATHS = [
    '/api/health',
    '/api/devices/status',
    '/api/devices/vehicle_01/history',
    '/api/nope',
  ];
  const missing = {
    status: 401,
    body: { error: 'unauthorized', message: 'this request needs Authorization: Bearer <token>' },
    challenge: 'Bearer realm="dashboard"',
  };
  const invalid = {
    status: 401,
    body: { error: 'unauthorized', message: 'invalid bearer token' },
    challenge: 'Bearer realm="dashboard", error="invalid_token"',
  };
  const outcome = (res: RawResponse) => ({
    status: res.status,
    body: res.json,
    challenge: res.headers['www-authenticate'],
  });

  describe.each(METHODS)('%s', (method) => {
    it.each(PATHS)('%s without a token → 401 with a Bearer challenge', async (path) => {
      expect(outcome(await send(secured.base, path, { method }))).toEqual(missing);
    });

    it.each([
      ['another token', `Bearer ${randomBytes(32).toString('hex')}`],
      [
        'the token with one character changed',
        `Bearer ${TOKEN.slice(0, -1)}${TOKEN.endsWith('0') ? '1' : '0'}`,
      ],
      ['a prefix of the token', `Bearer ${TOKEN.slice(0, 32)}`],
      ['the token and more', `Bearer ${TOKEN}x`],
    ])('with %s → 401 invalid_token', async (_what, authorization) => {
      expect(
        outcome(await send(secured.base, '/api/health', { method, headers: { authorization } })),
      ).toEqual(invalid);
    });

    it.each([
      ['Basic credentials', `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`],
      ['the bare token', TOKEN],
      ['an empty bearer', 'Bearer '],
      ['a token with a space in it', `Bearer ${TOKEN} ${TOKEN}`],
    ])('with %s → 401 (not a bearer token)', async (_what, authorization) => {
      expect(
        outcome(await send(secured.base, '/api/health', { method, headers: { authorization } })),
      ).toEqual(missing);
    });

    it('with the token → the router answers: 405 on a read-only route, 404 elsewhere', async () => {
      const authorization = `bearer ${TOKEN}`; // the scheme is case-insensitive
      const health = await send(secured.base, '/api/health', {
        method,
        headers: { authorization },
      });
      expect([health.status, health.json, health.headers.allow]).toEqual([
        405,
        {
          error: 'method_not_allowed',
          message: `${method} is not allowed on /api/health; allowed: GET, HEAD, OPTIONS`,
        },
        'GET, HEAD, OPTIONS',
      ]);
      const history = await send(secured.base, '/api/devices/vehicle_01/history', {
        method,
        headers: { authorization },
      });
      expect(history.status).toBe(405);
      const nope = await send(secured.base, '/api/nope', { method, headers: { authorization } });
      expect([nope.status, nope.json]).toEqual([
        404,
        { error: 'not_found', message: `no route ${method} /api/nope` },
      ]);
    });

    it.each(PATHS)('%s with no token configured → 403, whatever is sent', async (path) => {
      for (const authorization of [undefined, `Bearer ${TOKEN}`]) {
        const res = await send(open.base, path, {
          method,
          headers: authorization ? { authorization } : {},
        });
        expect([res.status, res.json, res.headers['www-authenticate']]).toEqual([
          403,
          { error: 'forbidden', message: 'write requests are disabled on this server' },
          undefined,
        ]);
      }
    });
  });

  it('outside /api too: nothing but a read is accepted anonymously anywhere', async () => {
    for (const path of ['/', '/app.js', '/index.html']) {
      expect((await send(secured.base, path, { method: 'POST' })).status, path).toBe(401);
      expect((await send(open.base, path, { method: 'PUT' })).status, path).toBe(403);
    }
  });

  it('reads need no token: GET, HEAD and OPTIONS', async () => {
    expect((await send(secured.base, '/api/health')).status).toBe(200);
    const head = await send(secured.base, '/api/devices/status', { method: 'HEAD' });
    expect([head.status, head.text]).toEqual([200, '']);
    const options = await send(secured.base, '/api/devices/status', { method: 'OPTIONS' });
    expect([options.status, options.headers.allow]).toEqual([204, 'GET, HEAD, OPTIONS']);
  });

  it('every refusal is a clean {error, message} body', async () => {
    for (const res of [
      await send(secured.base, '/api/health', { method: 'POST' }),
      await send(secured.base, '/api/health', {
        method: 'PUT',
        headers: { authorization: 'Bearer x' },
      }),
      await send(open.base, '/api/health', { method: 'PATCH' }),
    ]) {
      expect(isCleanErrorBody(res), res.text).toBe(true);
    }
  });
});

describe('malformed requests never leak a stack trace or a path', () => {
  const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  const cases: Array<[string, string, Parameters<typeof send>[2], number, unknown]> = [
    [
      'bad JSON body with the token',
      '/api/health',
      { method: 'POST', headers: auth, body: '{"device_id": "v1", oops' },
      400,
      { error: 'bad_request', message: 'malformed request' },
    ],
    [
      'oversized body with the token',
      '/api/health',
      { method: 'POST', headers: auth, body: JSON.stringify({ pad: 'x'.repeat(20_000) }) },
      413,
      { error: 'payload_too_large', message: 'request body too large' },
    ],
    [
      'unsupported charset with the token',
      '/api/health',
      {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json; charset=latin1' },
        body: '{}',
      },
      415,
      { error: 'bad_request', message: 'malformed request' },
    ],
    [
      'bad JSON body without a token (never parsed)',
      '/api/health',
      { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' },
      401,
      { error: 'unauthorized', message: 'this request needs Authorization: Bearer <token>' },
    ],
    [
      'oversized body without a token (never read)',
      '/api/health',
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: 'x'.repeat(200_000),
      },
      401,
      { error: 'unauthorized', message: 'this request needs Authorization: Bearer <token>' },
    ],
    [
      'malformed %-escape in a path parameter',
      '/api/devices/%E0%A4%A/latest',
      {},
      400,
      { error: 'bad_request', message: 'malformed request' },
    ],
    [
      'malformed %-escape in a path outside the API',
      '/%E0%A4%A.js',
      {},
      404,
      { error: 'not_found', message: 'no route GET /%E0%A4%A.js' },
    ],
    [
      'malformed %-escape in a query name',
      '/api/devices/status?%E0%A4%A=1',
      {},
      400,
      { error: 'invalid_parameter', message: 'unknown parameter: ??A' },
    ],
    [
      'a reflected path is shown inert',
      '/api/<script>alert(1)</script>',
      {},
      404,
      { error: 'not_found', message: 'no route GET /api/?script?alert(1)?/script?' },
    ],
  ];

  it.each(cases)('%s', async (_what, path, req, status, body) => {
    const res = await send(secured.base, path, req);
    expect([res.status, res.json]).toEqual([status, body]);
    expect(isCleanErrorBody(res), res.text).toBe(true);
  });

  it("Socket.IO's transport errors are as bare", async () => {
    for (const path of [
      '/socket.io/?EIO=9&transport=polling',
      '/socket.io/?EIO=4&transport=nope',
      '/socket.io/?EIO=4&transport=polling&sid=%00',
    ]) {
      const res = await send(secured.base, path);
      expect(res.status, path).toBe(400);
      expect(res.text, path).not.toMatch(LEAK);
    }
  });
});
