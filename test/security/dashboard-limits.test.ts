// Per-address limits on a real dashboard: the API rate limit (429) and the Socket.IO connection cap, behind a proxy and not.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../harness/wait.js';
import { testDashboard } from '../dashboard/helpers.js';
import { type RouteFixture, startRouteFixture } from '../dashboard/route-fixture.js';
import { testConfig } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { isCleanErrorBody, send } from './dashboard-http.js';

const LIMIT = 5;
const SOCKETS = 3;
const limits = {
  DASHBOARD_RATE_LIMIT_PER_MIN: String(LIMIT),
  DASHBOARD_MAX_SOCKETS_PER_IP: String(SOCKETS),
};
/** Behind a proxy on this machine (cloudflared's case): the address comes from X-Forwarded-For. */
let proxied: RouteFixture;
/** No proxy trusted (the default): X-Forwarded-For is ignored, every test client is 127.0.0.1. */
let direct: RouteFixture;
const sockets: Socket[] = [];

beforeAll(async () => {
  [proxied, direct] = await Promise.all([
    startRouteFixture({ ...limits, DASHBOARD_TRUST_PROXY: 'loopback' }),
    startRouteFixture(limits),
  ]);
});

afterAll(async () => {
  for (const s of sockets) s.close();
  await Promise.all([proxied?.stop(), direct?.stop()]);
  removeTempDirs();
});

const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });
const TOO_MANY = {
  error: 'rate_limited',
  message: `too many requests from this address: at most ${LIMIT} per minute; see Retry-After`,
};

describe('API rate limit per client address', () => {
  it(`the request after ${LIMIT} in a minute gets 429 {error, message} with Retry-After and RateLimit headers`, async () => {
    const statuses: number[] = [];
    const remaining: unknown[] = [];
    for (let i = 0; i < LIMIT; i++) {
      const res = await send(proxied.base, '/api/devices/status', from('203.0.113.7'));
      statuses.push(res.status);
      remaining.push(/remaining=(\d+)/.exec(String(res.headers.ratelimit))?.[1]);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    const over = await send(proxied.base, '/api/devices/vehicle_01/history', from('203.0.113.7'));
    expect([over.status, over.json]).toEqual([429, TOO_MANY]);
    expect(isCleanErrorBody(over)).toBe(true);
    const retryAfter = Number(over.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(over.headers.ratelimit).toMatch(new RegExp(`^limit=${LIMIT}, remaining=0, reset=\\d+$`));
    expect(over.headers['ratelimit-policy']).toBe(`${LIMIT};w=60`);
  });

  it('other addresses are unaffected; the page and its files are outside the limit', async () => {
    expect((await send(proxied.base, '/api/health', from('203.0.113.7'))).status).toBe(429);
    expect((await send(proxied.base, '/api/health', from('198.51.100.9'))).status).toBe(200);
    for (const path of ['/', '/app.js', '/vendor/uplot/uPlot.iife.min.js']) {
      expect((await send(proxied.base, path, from('203.0.113.7'))).status, path).toBe(200);
    }
  });

  it('prepending addresses to X-Forwarded-For does not make a new client', async () => {
    const res = await send(proxied.base, '/api/health', from('192.0.2.1, 10.9.9.9, 203.0.113.7'));
    expect(res.status).toBe(429);
  });

  it('writes count too, and the limit applies before the write guard (no token guessing at speed)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++) {
      const res = await send(proxied.base, '/api/health', {
        method: 'POST',
        headers: { 'x-forwarded-for': '203.0.113.50', authorization: `Bearer guess-${i}` },
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([403, 403, 403, 403, 403, 429]);
  });

  it('IPv6 clients are one address per /56 (a client cannot rotate through its own allocation)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++) {
      // 2001:db8:1:100:: … 2001:db8:1:1ff:: is one /56.
      const address = `2001:db8:1:1${(i * 37).toString(16).padStart(2, '0')}::${i + 1}`;
      statuses.push((await send(proxied.base, '/api/health', from(address))).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect((await send(proxied.base, '/api/health', from('2001:db8:2::1'))).status).toBe(200);
  });

  it('with DASHBOARD_TRUST_PROXY=false, X-Forwarded-For is ignored: every address it names is one client', async () => {
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++) {
      statuses.push((await send(direct.base, '/api/health', from(`192.0.2.${i + 1}`))).status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });
});

interface Attempt {
  socket: Socket;
  outcome: Promise<{ connected: boolean; error?: string }>;
}

function connectFrom(
  base: string,
  address: string,
  transport: 'websocket' | 'polling' = 'websocket',
): Attempt {
  const socket = io(base, {
    transports: [transport],
    extraHeaders: { 'x-forwarded-for': address },
    forceNew: true,
    reconnection: false,
  });
  sockets.push(socket);
  const outcome = new Promise<{ connected: boolean; error?: string }>((resolve) => {
    socket.once('connect', () => resolve({ connected: true }));
    socket.once('connect_error', (err) => resolve({ connected: false, error: err.message }));
  });
  return { socket, outcome };
}

const REFUSED = {
  connected: false,
  error: `too many connections from this address (at most ${SOCKETS})`,
};

describe('Socket.IO connections per client address', () => {
  it(`${SOCKETS} connect, the next is refused with a clear connect_error, others are unaffected, a slot frees on disconnect`, async () => {
    const first = Array.from({ length: SOCKETS }, () => connectFrom(proxied.base, '203.0.113.20'));
    expect(await Promise.all(first.map((a) => a.outcome))).toEqual(
      Array.from({ length: SOCKETS }, () => ({ connected: true })),
    );
    const extra = connectFrom(proxied.base, '203.0.113.20');
    expect(await extra.outcome).toEqual(REFUSED);
    // Over polling too (the transport a browser starts with).
    expect(await connectFrom(proxied.base, '203.0.113.20', 'polling').outcome).toEqual(REFUSED);
    // The connected ones keep receiving data; the refused one gets nothing.
    const ticks = await Promise.all(
      first.map(
        (a) => new Promise<boolean>((resolve) => a.socket.once('latest_data', () => resolve(true))),
      ),
    );
    expect(ticks).toEqual([true, true, true]);
    expect(extra.socket.connected).toBe(false);
    // Another address connects.
    expect(await connectFrom(proxied.base, '198.51.100.20').outcome).toEqual({ connected: true });
    // One leaves: its slot is free again (once the server has seen it go).
    first[0]?.socket.close();
    const again = await waitFor(
      async () => {
        const attempt = connectFrom(proxied.base, '203.0.113.20');
        const outcome = await attempt.outcome;
        if (!outcome.connected) attempt.socket.close();
        return outcome;
      },
      (o) => o.connected,
      { what: 'a freed slot', timeoutMs: 5000 },
    );
    expect(again).toEqual({ connected: true });
    expect(await connectFrom(proxied.base, '203.0.113.20').outcome).toEqual(REFUSED);
  });

  it('transports opened without joining are capped at twice the limit, before any session (403)', async () => {
    const handshake = () =>
      send(proxied.base, '/socket.io/?EIO=4&transport=polling', from('203.0.113.30'));
    const opened: number[] = [];
    for (let i = 0; i < 2 * SOCKETS; i++) opened.push((await handshake()).status);
    expect(opened).toEqual(Array.from({ length: 2 * SOCKETS }, () => 200));
    const refused = await handshake();
    expect([refused.status, refused.json]).toEqual([
      403,
      { code: 4, message: `too many connections from this address (at most ${SOCKETS})` },
    ]);
    expect(
      (await send(proxied.base, '/socket.io/?EIO=4&transport=polling', from('198.51.100.30')))
        .status,
    ).toBe(200);
  });

  it('with DASHBOARD_TRUST_PROXY=false, X-Forwarded-For does not make new clients', async () => {
    const attempts = Array.from({ length: SOCKETS + 1 }, (_, i) =>
      connectFrom(direct.base, `192.0.2.${i + 1}`),
    );
    const outcomes = [];
    for (const a of attempts) outcomes.push(await a.outcome);
    expect(outcomes.filter((o) => o.connected)).toHaveLength(SOCKETS);
    expect(outcomes.filter((o) => !o.connected)).toEqual([REFUSED]);
  });
});

/** A dashboard (no broker needed: port 1) whose warnings are kept. */
function loggedDashboard(trustProxy: string) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const config = testConfig(tempDir(), 1, { DASHBOARD_TRUST_PROXY: trustProxy });
  return { dashboard: testDashboard(config, { log: pino({ level: 'warn' }, sink) }), lines };
}

describe('proxy settings that weaken the limits are logged', () => {
  it('an X-Forwarded-For the dashboard does not trust, once: all clients behind it would share one limit', async () => {
    const { dashboard, lines } = loggedDashboard('false');
    await dashboard.start();
    try {
      const base = `http://127.0.0.1:${dashboard.port}`;
      for (let i = 0; i < 3; i++) await send(base, '/api/devices/status', from(`192.0.2.${i + 1}`));
      const reports = lines.filter((l) => l.includes('ERR_ERL_UNEXPECTED_X_FORWARDED_FOR'));
      expect(reports).toHaveLength(1);
    } finally {
      await dashboard.stop();
    }
  });

  it('DASHBOARD_TRUST_PROXY=true, at start: any client could pick its own address', async () => {
    const { dashboard, lines } = loggedDashboard('true');
    await dashboard.start();
    await dashboard.stop();
    const warnings = lines.filter((l) => l.includes('DASHBOARD_TRUST_PROXY=true believes every'));
    expect(warnings).toHaveLength(1);
  });
});
