// GET /api/devices, PUT and DELETE /api/devices/:id on a real dashboard (SQLite, Mosquitto): CRUD, validation, hostile text, the published snapshot.
import { randomBytes } from 'node:crypto';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_ID_PATTERN } from '../../core/contract.js';
import { waitFor } from '../../harness/wait.js';
import { removeTempDirs } from '../helpers/tmp.js';
import { HOSTILE } from '../security/dashboard-hostile.js';
import { isCleanErrorBody, type RawResponse, send } from '../security/dashboard-http.js';
import { getJson } from './helpers.js';
import { type RouteFixture, startRouteFixture } from './route-fixture.js';

const TOKEN = randomBytes(24).toString('hex');
let fixture: RouteFixture;

beforeAll(async () => {
  fixture = await startRouteFixture({
    DASHBOARD_API_TOKEN: TOKEN,
    DASHBOARD_RATE_LIMIT_PER_MIN: '100000',
  });
});

afterAll(async () => {
  await fixture?.stop();
  removeTempDirs();
});

const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
const put = (id: string, body: unknown) =>
  send(fixture.base, `/api/devices/${id}`, {
    method: 'PUT',
    headers: auth,
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const del = (id: string) =>
  send(fixture.base, `/api/devices/${id}`, { method: 'DELETE', headers: auth });
const list = async () => (await getJson(fixture.base, '/api/devices')).body as unknown[];

describe('the registry routes', () => {
  it('GET /api/devices lists every vehicle seen, unregistered, with its live state', async () => {
    expect(await list()).toEqual([
      {
        device_id: 'vehicle_01',
        name: null,
        plate: null,
        speed_limit_kmh: null,
        registered: false,
        status: 'offline',
        last_seen: '2026-01-01T00:09:03.500Z',
      },
      {
        device_id: 'vehicle_02',
        name: null,
        plate: null,
        speed_limit_kmh: null,
        registered: false,
        status: 'online',
        last_seen: '2026-01-01T00:09:59.000Z',
      },
      expect.objectContaining({ device_id: 'vehicle_03', registered: false, status: 'online' }),
    ]);
  });

  it('PUT registers (201), updates only the fields given (200), null clears; DELETE unregisters', async () => {
    const created = await put('vehicle_02', { name: 'Van 2 (north)', plate: 'AB-123-CD' });
    expect([created.status, created.json]).toEqual([
      201,
      {
        device_id: 'vehicle_02',
        name: 'Van 2 (north)',
        plate: 'AB-123-CD',
        speed_limit_kmh: null,
        registered: true,
        status: 'online',
        last_seen: '2026-01-01T00:09:59.000Z',
      },
    ]);
    const updated = await put('vehicle_02', { speed_limit_kmh: 72.5, plate: null });
    expect([updated.status, updated.json]).toEqual([
      200,
      expect.objectContaining({ name: 'Van 2 (north)', plate: null, speed_limit_kmh: 72.5 }),
    ]);
    // A vehicle never seen may be registered ahead of its first reading.
    expect((await put('vehicle_09', {})).status).toBe(201);
    expect(await list()).toEqual([
      expect.objectContaining({ device_id: 'vehicle_01', registered: false }),
      expect.objectContaining({ device_id: 'vehicle_02', registered: true, speed_limit_kmh: 72.5 }),
      expect.objectContaining({ device_id: 'vehicle_03', registered: false }),
      expect.objectContaining({
        device_id: 'vehicle_09',
        registered: true,
        status: 'offline',
        last_seen: null,
      }),
    ]);
    expect((await del('vehicle_09')).status).toBe(204);
    const again = await del('vehicle_09');
    expect([again.status, again.json]).toEqual([
      404,
      { error: 'not_found', message: 'device vehicle_09 is not registered' },
    ]);
    // Its readings stay (vehicle_02's latest is still served).
    expect((await getJson(fixture.base, '/api/devices/vehicle_02/latest')).status).toBe(200);
  });

  it('publishes the registry as a retained snapshot on fleet/registry', async () => {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${fixture.broker.port}`, {
      clean: true,
    });
    try {
      const seen: string[] = [];
      client.on('message', (_t, payload) => seen.push(payload.toString()));
      await client.subscribeAsync('fleet/registry', { qos: 1 });
      const last = await waitFor(
        () => seen.at(-1),
        (s) => s !== undefined,
        { what: 'the retained snapshot' },
      );
      expect(JSON.parse(last as string)).toEqual({
        devices: [
          {
            device_id: 'vehicle_02',
            name: 'Van 2 (north)',
            plate: null,
            speed_limit_kmh: 72.5,
          },
        ],
        timestamp: expect.stringMatching(/Z$/),
      });
      await put('vehicle_03', { speed_limit_kmh: 100 });
      await waitFor(
        () => seen.at(-1) ?? '',
        (s) => s.includes('vehicle_03'),
        { what: 'the snapshot after a change' },
      );
    } finally {
      await client.endAsync();
    }
  });
});

describe("imei and protocol (the gateway's fields)", () => {
  it('stores them, shows them only when set, refuses a second device with one IMEI (409), and publishes them', async () => {
    const r = await put('tracker_1', { imei: '356307042441013', protocol: 'teltonika' });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({
      device_id: 'tracker_1',
      imei: '356307042441013',
      protocol: 'teltonika',
    });
    const clash = await put('tracker_2', { imei: '356307042441013' });
    expect(clash.status).toBe(409);
    expect(clash.json).toEqual({
      error: 'conflict',
      message: "imei 356307042441013 is already tracker_1's",
    });
    expect((await put('tracker_2', { imei: '12345' })).status).toBe(400);
    expect((await put('tracker_2', { protocol: 'nmea' })).status).toBe(400);
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${fixture.broker.port}`, {
      clean: true,
    });
    try {
      const seen: string[] = [];
      client.on('message', (_t, payload) => seen.push(payload.toString()));
      await client.subscribeAsync('fleet/registry', { qos: 1 });
      const last = await waitFor(
        () => seen.at(-1) ?? '',
        (s) => s.includes('tracker_1'),
        { what: 'the snapshot with the tracker' },
      );
      const entry = (JSON.parse(last) as { devices: Array<Record<string, unknown>> }).devices.find(
        (d) => d.device_id === 'tracker_1',
      );
      expect(entry).toEqual({
        device_id: 'tracker_1',
        name: null,
        plate: null,
        speed_limit_kmh: null,
        imei: '356307042441013',
        protocol: 'teltonika',
      });
    } finally {
      await client.endAsync();
    }
    // null clears; the IMEI is free again.
    expect((await put('tracker_1', { imei: null, protocol: null })).json).not.toHaveProperty(
      'imei',
    );
    expect((await put('tracker_2', { imei: '356307042441013' })).status).toBe(201);
    expect((await del('tracker_1')).status).toBe(204);
    expect((await del('tracker_2')).status).toBe(204);
  });
});

describe('bad input answers 400 {error, message}; the registry is unchanged', () => {
  const bad = (message: string) => ({ error: 'invalid_parameter', message });
  const NAME_RULE =
    "name must be 1 to 64 letters, digits, spaces and . , ' ( ) / & # + _ -, starting with a letter or digit";
  const PLATE_RULE = 'plate must be letters and digits, single spaces or hyphens between them';
  const LIMIT_RULE = 'speed_limit_kmh must be from 1 to 300';
  const cases: Array<[string, string, unknown]> = [
    [
      'a name too long',
      JSON.stringify({ name: 'a'.repeat(65) }),
      bad('name must be at most 64 characters'),
    ],
    ['markup in a name', JSON.stringify({ name: '<b>x</b>' }), bad(NAME_RULE)],
    ['an empty name', JSON.stringify({ name: '' }), bad(NAME_RULE)],
    ['a name with a trailing space', JSON.stringify({ name: 'Van ' }), bad(NAME_RULE)],
    ['a quote in a plate', JSON.stringify({ plate: "AB'1" }), bad(PLATE_RULE)],
    [
      'a plate too long',
      JSON.stringify({ plate: 'A'.repeat(17) }),
      bad('plate must be at most 16 characters'),
    ],
    ['a limit of 0', JSON.stringify({ speed_limit_kmh: 0 }), bad(LIMIT_RULE)],
    ['a limit of 301', JSON.stringify({ speed_limit_kmh: 301 }), bad(LIMIT_RULE)],
    [
      'a limit as text',
      JSON.stringify({ speed_limit_kmh: '80' }),
      bad('speed_limit_kmh must be a number or null'),
    ],
    [
      'a name as a number',
      JSON.stringify({ name: 7 }),
      expect.objectContaining({ error: 'invalid_parameter' }),
    ],
    ['an unknown field', JSON.stringify({ colour: 'red' }), bad('unknown field: colour')],
    ['an array body', '[]', bad('the body must be a JSON object')],
    // body-parser's strict JSON takes only objects and arrays at the top.
    ['a string body', '"x"', { error: 'bad_request', message: 'malformed request' }],
  ];

  it.each(cases)('%s', async (_what, body, expected) => {
    const res = await put('vehicle_05', body);
    expect([res.status, res.json]).toEqual([400, expected]);
    expect(isCleanErrorBody(res)).toBe(true);
  });

  it('every hostile string in every field: refused, or stored exactly as sent (inert text)', async () => {
    const before = await list();
    const problems: string[] = [];
    const check = (what: string, res: RawResponse) => {
      if (res.status !== 400 && res.status !== 201 && res.status !== 200) {
        problems.push(`${what}: status ${res.status}`);
      }
      if (res.status === 400 && !isCleanErrorBody(res)) problems.push(`${what}: ${res.text}`);
    };
    for (const [label, value] of HOSTILE) {
      const asName = await put('vehicle_06', { name: value });
      check(`name ${label}`, asName);
      if (asName.status < 300) {
        expect((asName.json as { name: unknown }).name).toBe(value);
        expect((await del('vehicle_06')).status).toBe(204);
      }
      check(`plate ${label}`, await put('vehicle_06', { plate: value }));
      const limit = await put('vehicle_06', { speed_limit_kmh: value });
      if (limit.status !== 400) problems.push(`limit ${label}: ${limit.status}`);
      if ((await list()).length !== before.length) await del('vehicle_06');
      // The path parameter: a valid id registers exactly that id; anything else is refused.
      for (const method of ['PUT', 'DELETE']) {
        const res = await send(fixture.base, `/api/devices/${encodeURIComponent(value)}`, {
          method,
          headers: auth,
          body: '{}',
        });
        if (DEVICE_ID_PATTERN.test(value)) {
          const want = method === 'PUT' ? 201 : 204;
          if (res.status !== want) problems.push(`:id ${label}: ${method} ${res.status}`);
          if (method === 'PUT' && (res.json as { device_id?: unknown }).device_id !== value) {
            problems.push(`:id ${label}: stored as ${res.text.slice(0, 80)}`);
          }
        } else {
          if (![400, 404, 405].includes(res.status)) problems.push(`:id ${label}: ${res.status}`);
          if (!isCleanErrorBody(res)) problems.push(`:id ${label}: ${res.text.slice(0, 80)}`);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(await list()).toEqual(before);
  });

  it('no body at all (no content type): 400', async () => {
    const res = await send(fixture.base, '/api/devices/vehicle_05', {
      method: 'PUT',
      headers: { authorization: auth.authorization },
    });
    expect([res.status, res.json]).toEqual([400, bad('the body must be a JSON object')]);
  });

  it('without the token nothing changes: 401', async () => {
    const res = await send(fixture.base, '/api/devices/vehicle_05', {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(401);
    expect((await list()).map((d) => (d as { device_id: string }).device_id)).not.toContain(
      'vehicle_05',
    );
  });
});

describe('a broker that lost its retained messages', () => {
  it('gets the registry again when the dashboard reconnects', async () => {
    // SIGKILL before any autosave: the restarted Mosquitto has no retained snapshot.
    await fixture.broker.restart('SIGKILL');
    const client = await waitFor(
      () =>
        mqtt
          .connectAsync(`mqtt://127.0.0.1:${fixture.broker.port}`, { clean: true })
          .catch(() => undefined),
      (c) => c !== undefined,
      { what: 'the restarted broker' },
    );
    try {
      const seen: string[] = [];
      client?.on('message', (_t, payload) => seen.push(payload.toString()));
      await client?.subscribeAsync('fleet/registry', { qos: 1 });
      const snapshot = await waitFor(
        async () => {
          // Resubscribing re-sends a retained message: the snapshot shows up once republished.
          await client?.subscribeAsync('fleet/registry', { qos: 1 });
          return seen.at(-1);
        },
        (s) => s !== undefined,
        { intervalMs: 200, what: 'the republished snapshot' },
      );
      expect(
        JSON.parse(snapshot as string).devices.map((d: { device_id: string }) => d.device_id),
      ).toEqual(
        (await list())
          .filter((d) => (d as { registered: boolean }).registered)
          .map((d) => (d as { device_id: string }).device_id),
      );
    } finally {
      await client?.endAsync();
    }
  });
});
