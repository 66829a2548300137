// The command routes' edges: every bad body or parameter is a 400 before anything is stored or published, hostile strings included; auth, 404, 405, 409, OpenAPI.
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INTERVAL_RULE, SPEED_LIMIT_RULE } from '../../core/commands.js';
import { DEVICE_ID_PATTERN } from '../../core/contract.js';
import type { Dashboard } from '../../dashboard/dashboard.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { sleep, waitFor } from '../../harness/wait.js';
import { listCommands, postCommand, TOKEN, waitForStatus } from '../helpers/commands.js';
import { testConfig } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { HOSTILE, problemsOf } from '../security/dashboard-hostile.js';
import { isCleanErrorBody, send } from '../security/dashboard-http.js';
import { testDashboard } from './helpers.js';

let broker: MosquittoProcess;
let dashboard: Dashboard;
let noToken: Dashboard;
let base: string;
let vehicle: MqttClient;
/** Every command published to vehicle_01 (it says it is online, so a stored command goes out at once). */
const published: string[] = [];

beforeAll(async () => {
  const dir = tempDir('command-routes-');
  broker = new MosquittoProcess({ dir });
  await broker.start();
  const config = testConfig(dir, broker.port, {
    DASHBOARD_API_TOKEN: TOKEN,
    DASHBOARD_RATE_LIMIT_PER_MIN: '100000',
  });
  dashboard = testDashboard(config, { clientId: 'dashboard-routes-test' });
  noToken = testDashboard(testConfig(tempDir(), broker.port));
  await Promise.all([dashboard.start(), noToken.start()]);
  await Promise.all([dashboard.subscribed, dashboard.commands.subscribed]);
  base = `http://127.0.0.1:${dashboard.port}`;
  vehicle = await mqtt.connectAsync({
    host: '127.0.0.1',
    port: broker.port,
    clientId: 'vehicle_01',
  });
  vehicle.on('message', (topic, payload) => published.push(`${topic} ${payload.toString()}`));
  await vehicle.subscribeAsync('vehicles/+/command', { qos: 1 });
  const online = { device_id: 'vehicle_01', status: 'online', timestamp: new Date().toISOString() };
  await vehicle.publishAsync('vehicles/vehicle_01/status', JSON.stringify(online), {
    qos: 1,
    retain: true,
  });
  await waitFor(
    () => dashboard.board.statusOf('vehicle_01', Date.now()),
    (s) => s === 'online',
  );
});

afterAll(async () => {
  await vehicle?.endAsync(true);
  await Promise.all([dashboard?.stop(), noToken?.stop()]);
  await broker?.stop();
  removeTempDirs();
});

const auth = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };
const post = (path: string, body: string, headers: Record<string, string> = auth) =>
  send(base, path, { method: 'POST', headers, body });
const bad = (message: string) => ({ error: 'invalid_parameter', message });
const NAME_RULE =
  'name must be a command name: a lowercase letter, then up to 63 lowercase letters, digits or _ (ping, set_interval, set_speed_limit)';

describe('POST /api/devices/:id/commands: bad input is a 400, nothing stored or published', () => {
  const cases: Array<[string, unknown, string]> = [
    ['no name', {}, NAME_RULE],
    ['name not a string', { name: 5 }, NAME_RULE],
    ['name with capitals', { name: 'Ping' }, NAME_RULE],
    ['name too long', { name: `a${'b'.repeat(64)}` }, NAME_RULE],
    [
      'ping with params',
      { name: 'ping', params: { x: 1 } },
      'params has keys ping does not take: x',
    ],
    ['set_interval without params', { name: 'set_interval' }, INTERVAL_RULE],
    ['interval 9', { name: 'set_interval', params: { interval_ms: 9 } }, INTERVAL_RULE],
    ['interval 60001', { name: 'set_interval', params: { interval_ms: 60_001 } }, INTERVAL_RULE],
    ['interval 10.5', { name: 'set_interval', params: { interval_ms: 10.5 } }, INTERVAL_RULE],
    ['interval as text', { name: 'set_interval', params: { interval_ms: '100' } }, INTERVAL_RULE],
    ['interval null', { name: 'set_interval', params: { interval_ms: null } }, INTERVAL_RULE],
    ['speed limit missing', { name: 'set_speed_limit', params: {} }, SPEED_LIMIT_RULE],
    ['speed limit -1', { name: 'set_speed_limit', params: { speed_kmh: -1 } }, SPEED_LIMIT_RULE],
    [
      'speed limit 300.5',
      { name: 'set_speed_limit', params: { speed_kmh: 300.5 } },
      SPEED_LIMIT_RULE,
    ],
    [
      'speed limit as text',
      { name: 'set_speed_limit', params: { speed_kmh: '50' } },
      SPEED_LIMIT_RULE,
    ],
    [
      'speed limit true',
      { name: 'set_speed_limit', params: { speed_kmh: true } },
      SPEED_LIMIT_RULE,
    ],
    ['params an array', { name: 'ping', params: [1] }, 'params must be a JSON object'],
    ['params a string', { name: 'ping', params: 'x' }, 'params must be a JSON object'],
    ['params null', { name: 'ping', params: null }, 'params must be a JSON object'],
    [
      'params of an unknown command over 1 KiB',
      { name: 'warp', params: { v: 'x'.repeat(1100) } },
      'params must be at most 1024 bytes of JSON',
    ],
    [
      'expires_in_s 0',
      { name: 'ping', expires_in_s: 0 },
      'expires_in_s must be an integer from 1 to 604800 (7 days)',
    ],
    [
      'expires_in_s 8 days',
      { name: 'ping', expires_in_s: 691_200 },
      'expires_in_s must be an integer from 1 to 604800 (7 days)',
    ],
    [
      'expires_in_s 1.5',
      { name: 'ping', expires_in_s: 1.5 },
      'expires_in_s must be an integer from 1 to 604800 (7 days)',
    ],
    [
      'expires_in_s as text',
      { name: 'ping', expires_in_s: '60' },
      'expires_in_s must be an integer from 1 to 604800 (7 days)',
    ],
    ['an unknown field', { name: 'ping', priority: 1 }, 'unknown field: priority'],
  ];

  it.each(cases)('%s', async (_what, body, message) => {
    const res = await post('/api/devices/vehicle_01/commands', JSON.stringify(body));
    expect(res.status).toBe(400);
    expect(res.json).toEqual(bad(message));
  });

  it('prototype keys in params, a body that is not JSON, an array, or no body', async () => {
    const proto = await post(
      '/api/devices/vehicle_01/commands',
      '{"name":"warp","params":{"__proto__":{"polluted":1}}}',
    );
    expect(proto.json).toEqual(bad('params has keys that are not plain names: __proto__'));
    for (const body of ['{"name": "ping"', '[{"name":"ping"}]', '']) {
      const res = await post('/api/devices/vehicle_01/commands', body);
      expect(res.status, body).toBe(400);
      expect(isCleanErrorBody(res), body).toBe(true);
    }
  });

  it('hostile strings in every field and in the path: 400, clean body, never echoed', async () => {
    const problems: string[] = [];
    const bodies = (v: string): unknown[] => [
      { name: v },
      { name: 'set_interval', params: { interval_ms: v } },
      { name: 'set_speed_limit', params: { speed_kmh: v } },
      { name: 'ping', expires_in_s: v },
      { name: 'ping', params: { [v]: 1 } },
      { name: 'warp', params: { [v || 'k']: 'x'.repeat(1100) } },
    ];
    for (const [, value] of HOSTILE) {
      for (const body of bodies(value)) {
        const res = await post('/api/devices/vehicle_01/commands', JSON.stringify(body));
        problems.push(...problemsOf(`POST ${JSON.stringify(body).slice(0, 60)}`, value, res));
      }
      // Values that are valid device ids (1e308, NaN, -1) are not hostile in the path.
      if (DEVICE_ID_PATTERN.test(value)) continue;
      const path = `/api/devices/${encodeURIComponent(value)}/commands`;
      const res = await post(path, JSON.stringify({ name: 'ping' }));
      // A value with a slash routes nowhere (404); every other is a bad device id (400).
      problems.push(...problemsOf(path, value, res));
    }
    expect(problems).toEqual([]);
  });

  it('stored nothing and published nothing for any of them; a valid one goes out at once', async () => {
    expect(await listCommands(base, 'vehicle_01')).toEqual([]);
    expect(published).toEqual([]);
    const ok = await postCommand(base, 'vehicle_01', { name: 'ping' });
    expect(ok.status).toBe(202);
    await waitFor(
      () => published.length,
      (n) => n === 1,
    );
    expect(JSON.parse(published[0]?.split(' ').slice(1).join(' ') ?? '{}')).toMatchObject({
      command_id: ok.body.command_id,
      name: 'ping',
      params: {},
    });
  });
});

describe('accepted input', () => {
  it('an unknown name with hostile text in its params is stored as data and returned as JSON', async () => {
    const params = { note: '<script>alert(1)</script>', quote: `"'\``, nested: { a: [1, null] } };
    const res = await postCommand(base, 'vehicle_02', {
      name: 'warp_drive',
      params,
      expires_in_s: 60,
    });
    expect(res.status).toBe(202);
    const [stored] = await listCommands(base, 'vehicle_02');
    expect(stored).toMatchObject({ name: 'warp_drive', params, status: 'queued' });
    expect(Date.parse(stored?.expires_at ?? '') - Date.parse(stored?.created_at ?? '')).toBe(
      60_000,
    );
  });

  it('speed_kmh null lifts the limit; Location names the command', async () => {
    const res = await post(
      '/api/devices/vehicle_03/commands',
      JSON.stringify({ name: 'set_speed_limit', params: { speed_kmh: null } }),
    );
    expect(res.status).toBe(202);
    const id = (res.json as { command_id: string }).command_id;
    expect(res.headers.location).toBe(`/api/commands/${id}`);
    expect((await waitForStatus(base, id, ['queued'])).params).toEqual({ speed_kmh: null });
  });

  it('at most 100 pending commands per vehicle, then 409', async () => {
    for (let i = 0; i < 100; i++) {
      expect((await postCommand(base, 'vehicle_04', { name: 'ping' })).status).toBe(202);
    }
    const res = await post('/api/devices/vehicle_04/commands', JSON.stringify({ name: 'ping' }));
    expect(res.status).toBe(409);
    expect(res.json).toEqual({
      error: 'too_many_pending',
      message: 'vehicle_04 already has 100 commands waiting; wait for them to settle',
    });
    expect((await listCommands(base, 'vehicle_04')).length).toBe(100);
  });
});

describe('reads and refusals', () => {
  it('GET /api/devices/:id/commands: newest first, limit checked', async () => {
    const res = await fetch(`${base}/api/devices/vehicle_04/commands?limit=2`);
    const body = (await res.json()) as Array<{ created_at: string }>;
    expect(body).toHaveLength(2);
    for (const limit of ['0', '1001', 'abc', '1.5', '-1']) {
      const r = await send(base, `/api/devices/vehicle_04/commands?limit=${limit}`);
      expect(r.json, limit).toEqual(bad('limit must be an integer from 1 to 1000'));
    }
    const unknown = await send(base, '/api/devices/vehicle_04/commands?status=queued');
    expect(unknown.json).toEqual(bad('unknown parameter: status'));
    for (const [, value] of HOSTILE) {
      const r = await send(
        base,
        `/api/devices/vehicle_04/commands?limit=${encodeURIComponent(value)}`,
      );
      expect(problemsOf('limit', value, r)).toEqual([]);
    }
  });

  it('GET /api/commands/:command_id: 404 for an unknown id, 400 for a malformed one', async () => {
    const missing = await send(base, '/api/commands/00000000-0000-4000-8000-000000000000');
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual({ error: 'not_found', message: 'no such command' });
    const problems: string[] = [];
    for (const [, value] of HOSTILE) {
      const path = `/api/commands/${encodeURIComponent(value)}`;
      problems.push(...problemsOf(path, value, await send(base, path)));
    }
    expect(problems).toEqual([]);
  });

  it('POST without a token or with a wrong one is 401; a dashboard without a token refuses (403)', async () => {
    const body = JSON.stringify({ name: 'ping' });
    const none = await post('/api/devices/vehicle_05/commands', body, {
      'content-type': 'application/json',
    });
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="dashboard"');
    const wrong = await post('/api/devices/vehicle_05/commands', body, {
      ...auth,
      authorization: 'Bearer not-the-token',
    });
    expect(wrong.status).toBe(401);
    const refused = await send(
      `http://127.0.0.1:${noToken.port}`,
      '/api/devices/vehicle_05/commands',
      {
        method: 'POST',
        headers: auth,
        body,
      },
    );
    expect(refused.status).toBe(403);
    expect(await listCommands(base, 'vehicle_05')).toEqual([]);
  });

  it('other methods answer 405 with Allow', async () => {
    const res = await send(base, '/api/commands/abc', { method: 'DELETE', headers: auth });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD, OPTIONS');
    const list = await send(base, '/api/devices/vehicle_01/commands', {
      method: 'PUT',
      headers: auth,
    });
    expect(list.headers.allow).toBe('POST, GET, HEAD, OPTIONS');
  });

  it('the OpenAPI document lists the three routes, the POST with bearer auth and its body', async () => {
    const doc = (await (await fetch(`${base}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { security?: unknown; requestBody?: unknown }>>;
    };
    expect(Object.keys(doc.paths['/api/devices/{id}/commands'] ?? {}).sort()).toEqual([
      'get',
      'post',
    ]);
    expect(Object.keys(doc.paths['/api/commands/{command_id}'] ?? {})).toEqual(['get']);
    const postOp = doc.paths['/api/devices/{id}/commands']?.post;
    // Bearer (a personal token or DASHBOARD_API_TOKEN) or a session cookie.
    expect(postOp?.security).toContainEqual({ bearer: ['operator'] });
    expect(JSON.stringify(postOp?.requestBody)).toContain('expires_in_s');
  });

  it('a burst of nothing: no command was published beyond the valid one', async () => {
    await sleep(100);
    expect(published).toHaveLength(1);
  });
});
