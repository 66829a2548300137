// The permission matrix, generated from the registered route table (/api/openapi.json's x-access): every route × every caller × a vehicle in or out of the caller's groups → the expected status; a route without a rule or an example fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../auth/roles.js';
import { removeTempDirs } from '../helpers/tmp.js';
import type { RawResponse } from '../security/dashboard-http.js';
import { Caller } from './caller.js';
import { IN, OUT, PASSWORD, type PeopleFixture, startPeopleFixture } from './fixture.js';

interface Access {
  role: 'public' | Role;
  vehicle: string;
}

interface Ctx {
  /** The vehicle of this cell: IN (in the caller's group) or OUT. */
  device: string;
  /** A number unique to this cell (fresh names, seqs). */
  n: number;
  caller: MatrixCaller;
  f: PeopleFixture;
}

interface Example {
  path: (c: Ctx) => string;
  body?: (c: Ctx) => unknown;
  /** The statuses of an allowed call. */
  ok: number[];
  /** Runs first, as admin (creates what the call deletes). */
  before?: (c: Ctx) => Promise<unknown>;
  /** Sent without the caller's credentials (signing in is the same for everyone). */
  anonymousOnly?: boolean;
  /** The call ends the caller's sessions: it gets a session of its own, and signs in again after. */
  ownSession?: boolean;
  /** Only with a session (a token's holder gets 403). */
  sessionOnly?: boolean;
}

const reading = (c: Ctx) => ({
  device_id: c.device,
  seq: 10_000 + c.n,
  timestamp: new Date(Date.parse('2026-01-01T00:09:00Z')).toISOString(),
  speed: 50,
});

/** One request per route; a route missing here fails the suite (see the last test). */
const EXAMPLES: Record<string, Example> = {
  'GET /api/health': { path: () => '/api/health', ok: [200] },
  'GET /metrics': { path: () => '/metrics', ok: [200] },
  'GET /api/devices/status': { path: () => '/api/devices/status', ok: [200] },
  'GET /api/devices/positions': { path: () => '/api/devices/positions', ok: [200] },
  'GET /api/devices': { path: () => '/api/devices', ok: [200] },
  'GET /api/signals': { path: () => '/api/signals', ok: [200] },
  'GET /api/devices/:id/latest': { path: (c) => `/api/devices/${c.device}/latest`, ok: [200] },
  'GET /api/devices/:id/history': {
    path: (c) => `/api/devices/${c.device}/history?duration=1h`,
    ok: [200],
  },
  'GET /api/devices/:id/readings': {
    path: (c) => `/api/devices/${c.device}/readings?format=csv`,
    ok: [200],
  },
  'PUT /api/devices/:id': {
    path: (c) => `/api/devices/${c.device}`,
    body: (c) => ({ name: `Van ${c.n}` }),
    ok: [200, 201],
  },
  'DELETE /api/devices/:id': {
    path: (c) => `/api/devices/${c.device}`,
    before: (c) => c.f.admin.send(`/api/devices/${c.device}`, { method: 'PUT', body: {} }),
    ok: [204],
  },
  'POST /api/readings': { path: () => '/api/readings', body: (c) => [reading(c)], ok: [200] },
  'POST /api/devices/:id/commands': {
    path: (c) => `/api/devices/${c.device}/commands`,
    body: () => ({ name: 'ping' }),
    ok: [202],
  },
  'GET /api/devices/:id/commands': { path: (c) => `/api/devices/${c.device}/commands`, ok: [200] },
  'GET /api/commands/:command_id': {
    path: (c) => `/api/commands/${c.f.commands[c.device]}`,
    ok: [200],
  },
  'GET /api/alarms': { path: (c) => `/api/alarms?state=all&device_id=${c.device}`, ok: [200] },
  'POST /api/alarms/:id/ack': { path: (c) => `/api/alarms/${c.f.alarms[c.device]}/ack`, ok: [202] },
  'GET /api/openapi.json': { path: () => '/api/openapi.json', ok: [200] },
  'GET /api/docs': { path: () => '/api/docs', ok: [200] },
  'POST /api/session': {
    path: () => '/api/session',
    body: () => ({ username: 'viewer', password: PASSWORD }),
    anonymousOnly: true,
    ok: [200],
  },
  'GET /api/session': { path: () => '/api/session', ok: [200] },
  'DELETE /api/session': { path: () => '/api/session', ownSession: true, ok: [204] },
  'POST /api/session/password': {
    path: () => '/api/session/password',
    body: (c) => ({ current_password: c.caller.password, new_password: c.caller.password }),
    ownSession: true,
    sessionOnly: true,
    ok: [200],
  },
  'GET /api/users': { path: () => '/api/users', ok: [200] },
  'POST /api/users': {
    path: () => '/api/users',
    body: (c) => ({ username: `new_${c.n}`, role: 'viewer', password: PASSWORD }),
    ok: [201],
  },
  'PUT /api/users/:name': {
    path: () => '/api/users/viewer',
    body: () => ({ groups: ['north'] }),
    ok: [200],
  },
  'DELETE /api/users/:name': {
    path: (c) => `/api/users/gone_${c.n}`,
    before: (c) =>
      c.f.admin.send('/api/users', {
        method: 'POST',
        body: { username: `gone_${c.n}`, role: 'viewer' },
      }),
    ok: [204],
  },
  'GET /api/groups': { path: () => '/api/groups', ok: [200] },
  'POST /api/groups': {
    path: () => '/api/groups',
    body: (c) => ({ name: `Group ${c.n}`, devices: [OUT] }),
    ok: [201],
  },
  'PUT /api/groups/:id': {
    path: () => '/api/groups/north',
    body: () => ({ name: 'North' }),
    ok: [200],
  },
  'DELETE /api/groups/:id': {
    path: (c) => `/api/groups/gone-${c.n}`,
    before: (c) =>
      c.f.admin.send('/api/groups', { method: 'POST', body: { id: `gone-${c.n}`, name: 'x' } }),
    ok: [204],
  },
  'POST /api/tokens': { path: () => '/api/tokens', body: () => ({ name: 'script' }), ok: [201] },
  'GET /api/tokens': { path: () => '/api/tokens', ok: [200] },
  'DELETE /api/tokens/:id': {
    path: (c) => `/api/tokens/${c.caller.scratchToken}`,
    ok: [204],
  },
  'GET /api/audit': { path: () => '/api/audit', ok: [200] },
  'GET /api/devices/:id/track': { path: (c) => `/api/devices/${c.device}/track`, ok: [200] },
  'GET /api/devices/:id/trips': { path: (c) => `/api/devices/${c.device}/trips`, ok: [200] },
  'GET /api/devices/:id/stops': { path: (c) => `/api/devices/${c.device}/stops`, ok: [200] },
  'GET /api/reports/summary': {
    path: (c) => `/api/reports/summary?device_id=${c.device}`,
    ok: [200],
  },
  'GET /api/events': { path: (c) => `/api/events?device_id=${c.device}`, ok: [200] },
  'GET /api/geofences': { path: () => '/api/geofences', ok: [200] },
  'POST /api/geofences': {
    path: () => '/api/geofences',
    body: (c) => zone(`Zone ${c.n}`),
    ok: [201],
  },
  'GET /api/geofences/:id': {
    path: (c) => `/api/geofences/${zoneIds.get(c.n)}`,
    before: (c) => madeZone(c),
    ok: [200],
  },
  'PUT /api/geofences/:id': {
    path: (c) => `/api/geofences/${zoneIds.get(c.n)}`,
    before: (c) => madeZone(c),
    body: (c) => zone(`Renamed ${c.n}`),
    ok: [200],
  },
  'DELETE /api/geofences/:id': {
    path: (c) => `/api/geofences/${zoneIds.get(c.n)}`,
    before: (c) => madeZone(c),
    ok: [204],
  },
};

function zone(name: string) {
  return { name, shape: { type: 'circle', center: [13.4, 52.5], radius_m: 100 } };
}

/** Geofences made (as admin) for the cells that read, change or delete one, by cell number. */
const zoneIds = new Map<number, number>();
async function madeZone(c: Ctx): Promise<void> {
  const res = await c.f.admin.send('/api/geofences', {
    method: 'POST',
    body: zone(`Cell ${c.n}`),
  });
  zoneIds.set(c.n, (res.json as { id: number }).id);
}

/** A caller of the matrix: how it signs in, its role (undefined: anonymous). */
interface MatrixCaller extends Caller {
  role?: Role;
  password?: string;
  /** A token of its own (or the admin's, for anonymous) for DELETE /api/tokens/:id. */
  scratchToken?: string;
}

let f: PeopleFixture;
let routes: Array<{ key: string; access: Access }>;
const callers: MatrixCaller[] = [];

beforeAll(async () => {
  f = await startPeopleFixture();
  const doc = (await f.admin.send('/api/openapi.json')).json as {
    paths: Record<string, Record<string, { 'x-access': Access }>>;
  };
  routes = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({
      key: `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`,
      access: op['x-access'],
    })),
  );
  const withRole = (c: Caller, role: Role | undefined, password?: string): MatrixCaller =>
    Object.assign(c, { role, password });
  // The operator's personal token: the owner's rights, no session, no CSRF.
  const token = (await f.operator.send('/api/tokens', { method: 'POST', body: { name: 'm' } }))
    .json as { token: string };
  callers.push(
    withRole(Caller.anonymous(f.base), undefined),
    withRole(f.viewer, 'viewer', PASSWORD),
    withRole(f.operator, 'operator', PASSWORD),
    withRole(Caller.withToken(f.base, 'operator-token', token.token), 'operator', PASSWORD),
    withRole(f.admin, 'admin', f.adminPassword),
  );
}, 120_000);

afterAll(async () => {
  await f?.route.stop();
  removeTempDirs();
});

const RANK = { viewer: 1, operator: 2, admin: 3 } as const;

/** What the rule says this caller gets for this vehicle. */
function expected(access: Access, caller: MatrixCaller, device: string, ok: number[]): number[] {
  if (access.role === 'public') return ok;
  if (caller.role === undefined) return [401];
  if (RANK[caller.role] < RANK[access.role]) return [403];
  const seesAll = caller.role === 'admin';
  const named = access.vehicle.includes('.') || access.vehicle === 'owner';
  if (named && device === OUT && !seesAll) return [404];
  return ok;
}

describe('the permission matrix', () => {
  it('every route has a rule and an example', () => {
    expect(routes.length).toBeGreaterThanOrEqual(30);
    expect(routes.filter((r) => r.access === undefined).map((r) => r.key)).toEqual([]);
    expect(routes.filter((r) => !(r.key in EXAMPLES)).map((r) => r.key)).toEqual([]);
    expect(Object.keys(EXAMPLES).filter((k) => !routes.some((r) => r.key === k))).toEqual([]);
  });

  it('a route with a vehicle in its path checks it (params.id), unless only admins may call it', () => {
    const unchecked = routes.filter(
      ({ key, access }) =>
        key.includes('/api/devices/:id') &&
        access.vehicle !== 'params.id' &&
        access.role !== 'admin',
    );
    expect(unchecked.map((r) => r.key)).toEqual([]);
  });

  it('every route × caller × vehicle in or out of the groups answers as its rule says, and a non-admin never sees the other vehicle', async () => {
    const problems: string[] = [];
    let n = 0;
    for (const { key, access } of routes) {
      const example = EXAMPLES[key];
      if (!example) continue;
      const method = key.split(' ')[0] as string;
      for (const caller of callers) {
        for (const device of [IN, OUT]) {
          n += 1;
          const ctx: Ctx = { device, n, caller, f };
          await example.before?.(ctx);
          let who: Caller = example.anonymousOnly ? Caller.anonymous(f.base) : caller;
          if (example.ownSession && caller.cookie && caller.password) {
            who = await Caller.signIn(f.base, caller.label, caller.password);
          }
          if (key === 'DELETE /api/tokens/:id') {
            const owner = caller.role === undefined ? f.admin : caller;
            const made = await owner.send('/api/tokens', { method: 'POST', body: { name: 'x' } });
            caller.scratchToken = (made.json as { id: string }).id;
          }
          const res: RawResponse = await who.send(example.path(ctx), {
            method,
            ...(example.body ? { body: example.body(ctx) } : {}),
          });
          if (example.ownSession && caller.cookie && caller.password) {
            await caller.login(caller.label, caller.password);
          }
          let want = example.anonymousOnly
            ? example.ok
            : expected(access, caller, device, example.ok);
          if (example.sessionOnly && caller.bearer && want === example.ok) want = [403];
          const cell = `${key} as ${caller.label} on ${device}`;
          if (!want.includes(res.status)) {
            problems.push(
              `${cell}: ${res.status} (expected ${want.join('|')}) ${res.text.slice(0, 120)}`,
            );
          }
          // Whatever the rule says: a non-admin never gets an answer that names the other vehicle.
          const restricted = caller.role !== 'admin' && caller.role !== undefined;
          if (restricted && res.status < 300 && res.text.includes(OUT)) {
            problems.push(`${cell}: the answer names ${OUT}`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
  }, 300_000);
});
