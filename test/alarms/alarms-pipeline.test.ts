// Every rule end to end on a real Mosquitto: collector (alarm engine) → fleet/alarms → dashboard (GET /api/alarms, `alarm` events), the registry's limits, acks.
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Collector } from '../../collector/collector.js';
import type { Alarm } from '../../core/contract.js';
import { REGISTRY_TOPIC } from '../../core/contract.js';
import type { ServerToClientEvents } from '../../core/dashboard-contract.js';
import type { Dashboard } from '../../dashboard/dashboard.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { waitFor } from '../../harness/wait.js';
import { getJson, testDashboard } from '../dashboard/helpers.js';
import { testConfig } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { HOSTILE, problemsOf } from '../security/dashboard-hostile.js';
import { isCleanErrorBody, send } from '../security/dashboard-http.js';
import { alarmCollector, Publisher, writeRules } from './helpers.js';

const TOKEN = 'alarm-test-token-0123456789abcdef';
let broker: MosquittoProcess;
let config: ReturnType<typeof testConfig>;
let collector: Collector;
let dashboard: Dashboard;
let base: string;
let pub: Publisher;
let socket: Socket<ServerToClientEvents>;
const events: Alarm[] = [];

beforeAll(async () => {
  const dir = tempDir();
  broker = new MosquittoProcess({ dir });
  await broker.start();
  config = testConfig(dir, broker.port, {
    ALERT_RULES_FILE: writeRules(dir),
    DASHBOARD_API_TOKEN: TOKEN,
  });
  collector = alarmCollector(config).collector;
  await collector.start();
  await collector.subscribed;
  dashboard = testDashboard(config, { ackTimeoutMs: 1500 });
  await dashboard.start();
  await dashboard.subscribed;
  base = `http://127.0.0.1:${dashboard.port}`;
  socket = io(base, { transports: ['websocket'] });
  socket.on('alarm', (a) => events.push(a));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  pub = await Publisher.connect(broker.port);
});

afterAll(async () => {
  socket?.close();
  await pub?.end();
  await dashboard?.stop();
  await collector?.stop();
  await broker?.stop();
  removeTempDirs();
});

const alarmsOf = async (query: string): Promise<Alarm[]> =>
  (await getJson(base, `/api/alarms?${query}`)).body as Alarm[];

/** The dashboard's copy holds an alarm of this (device, rule) in `state`. */
async function waitForAlarm(
  deviceId: string | null,
  rule: string,
  state: Alarm['state'],
): Promise<Alarm> {
  const device = deviceId === null ? '' : `&device_id=${deviceId}`;
  const [alarm] = await waitFor(
    async () =>
      (await alarmsOf(`state=all${device}`)).filter(
        (a) => a.rule === rule && a.device_id === deviceId && a.state === state,
      ),
    (list) => list.length > 0,
    { what: `${rule} ${deviceId} ${state}`, timeoutMs: 15_000, intervalMs: 100 },
  );
  return alarm as Alarm;
}

const post = (path: string, token?: string) =>
  fetch(`${base}${path}`, {
    method: 'POST',
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  }).then(async (res) => ({ status: res.status, body: (await res.json()) as unknown }));

describe('each rule opens and clears, as the dashboard sees it', () => {
  it('overspeed: 1 s above 110 opens; 1 s at or below 100 clears; one alarm, pushed as `alarm` events', async () => {
    await pub.drive('vehicle_01', 115, 15);
    const opened = await waitForAlarm('vehicle_01', 'overspeed', 'open');
    expect(opened).toMatchObject({
      severity: 'warning',
      value: 115,
      cleared_at: null,
      acknowledged_at: null,
    });
    expect(opened.message).toBe('speed 115 km/h above 110 km/h for 1 s or more');
    await pub.drive('vehicle_01', 105, 10); // between the levels: still open
    expect((await alarmsOf('device_id=vehicle_01')).map((a) => a.state)).toEqual(['open']);
    await pub.drive('vehicle_01', 95, 15);
    const cleared = await waitForAlarm('vehicle_01', 'overspeed', 'cleared');
    expect(cleared.id).toBe(opened.id);
    expect((await alarmsOf('state=all&device_id=vehicle_01')).length).toBe(1);
    await waitFor(
      () => events.filter((e) => e.id === opened.id).map((e) => e.state),
      (s) => s.at(-1) === 'cleared',
      { what: 'alarm events' },
    );
    expect(events.filter((e) => e.id === opened.id)[0]?.state).toBe('open');
  });

  it('the vehicle’s speed limit comes from the registry snapshot on fleet/registry', async () => {
    const snapshot = {
      devices: [{ device_id: 'vehicle_02', name: 'Bus', plate: 'B-2', speed_limit_kmh: 50 }],
      timestamp: new Date().toISOString(),
    };
    await pub.client.publishAsync(REGISTRY_TOPIC, JSON.stringify(snapshot), {
      qos: 1,
      retain: true,
    });
    await pub.drive('vehicle_02', 60, 15);
    await pub.drive('vehicle_03', 60, 15);
    const alarm = await waitForAlarm('vehicle_02', 'overspeed', 'open');
    expect(alarm.message).toBe('speed 60 km/h above 50 km/h for 1 s or more');
    expect(await alarmsOf('device_id=vehicle_03')).toEqual([]);
    await pub.drive('vehicle_02', 30, 15);
    await waitForAlarm('vehicle_02', 'overspeed', 'cleared');
  });

  it('offline: a retained offline status for 1 s opens it; online clears it', async () => {
    await pub.status('vehicle_04', 'offline');
    const opened = await waitForAlarm('vehicle_04', 'offline', 'open');
    expect(opened.severity).toBe('major');
    await pub.status('vehicle_04', 'online');
    expect((await waitForAlarm('vehicle_04', 'offline', 'cleared')).id).toBe(opened.id);
  });

  it('no_data: online, then silent; a reading clears it', async () => {
    await pub.status('vehicle_05', 'online');
    await pub.reading('vehicle_05', 40);
    await waitForAlarm('vehicle_05', 'no_data', 'open');
    await pub.reading('vehicle_05', 41);
    await waitForAlarm('vehicle_05', 'no_data', 'cleared');
    await pub.status('vehicle_05', 'offline'); // not to leave a device online and silent
  });

  it('data_loss: a dropped notice opens it with the count; a quiet second clears it', async () => {
    await pub.drive('vehicle_06', 50, 3);
    await pub.dropped('vehicle_06', 0, 1);
    const opened = await waitForAlarm('vehicle_06', 'data_loss', 'open');
    expect(opened.value).toBe(2);
    await waitForAlarm('vehicle_06', 'data_loss', 'cleared');
  });

  it('fleet_silent: 3 s without any reading opens one fleet-wide alarm (device_id null); a reading clears it', async () => {
    const opened = await waitForAlarm(null, 'fleet_silent', 'open');
    expect(opened).toMatchObject({ severity: 'critical', device_id: null });
    await pub.reading('vehicle_07', 10);
    await waitForAlarm(null, 'fleet_silent', 'cleared');
  });
});

describe('POST /api/alarms/:id/ack', () => {
  it('needs the token, acknowledges through the collector, answers 404/409/400 for what cannot be', async () => {
    await pub.drive('vehicle_08', 120, 15);
    const alarm = await waitForAlarm('vehicle_08', 'overspeed', 'open');
    const path = `/api/alarms/${alarm.id}/ack`;
    expect(await post(path)).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect(await post(path, 'wrong-token-wrong-token')).toMatchObject({ status: 401 });
    const acked = await post(path, TOKEN);
    expect(acked).toMatchObject({ status: 200, body: { id: alarm.id, state: 'acknowledged' } });
    expect((acked.body as Alarm).acknowledged_at).toEqual(expect.any(String));
    expect(await post(path, TOKEN)).toMatchObject({ status: 200, body: { state: 'acknowledged' } });
    expect(await post('/api/alarms/00000000-0000-4000-8000-000000000000/ack', TOKEN)).toEqual({
      status: 404,
      body: { error: 'not_found', message: 'no alarm 00000000-0000-4000-8000-000000000000' },
    });
    expect(await post('/api/alarms/vehicle_08/ack', TOKEN)).toEqual({
      status: 400,
      body: {
        error: 'invalid_parameter',
        message: 'alarm id must be a UUID as GET /api/alarms lists it',
      },
    });
    await pub.drive('vehicle_08', 90, 15);
    await waitForAlarm('vehicle_08', 'overspeed', 'cleared');
    expect(await post(path, TOKEN)).toEqual({
      status: 409,
      body: { error: 'conflict', message: `alarm ${alarm.id} is cleared already` },
    });
    expect((await alarmsOf('state=acknowledged')).map((a) => a.id)).not.toContain(alarm.id);
  });

  it('with the collector down: 202 after the timeout, applied when the collector is back (the request waited in its session)', async () => {
    await pub.drive('vehicle_09', 120, 15);
    const alarm = await waitForAlarm('vehicle_09', 'overspeed', 'open');
    await collector.stop();
    const answer = await post(`/api/alarms/${alarm.id}/ack`, TOKEN);
    expect(answer).toMatchObject({ status: 202, body: { id: alarm.id, state: 'open' } });
    collector = alarmCollector(config).collector;
    await collector.start();
    const acked = await waitForAlarm('vehicle_09', 'overspeed', 'acknowledged');
    expect(acked.id).toBe(alarm.id);
    expect((await alarmsOf('state=all&device_id=vehicle_09')).length).toBe(1);
  });

  it('hostile alarm ids and bodies answer 400/404/413 {error, message}, echoing nothing', async () => {
    const problems: string[] = [];
    const auth = { authorization: `Bearer ${TOKEN}` };
    for (const [, value] of HOSTILE) {
      const path = `/api/alarms/${encodeURIComponent(value)}/ack`;
      problems.push(
        ...problemsOf(path, value, await send(base, path, { method: 'POST', headers: auth })),
      );
    }
    expect(problems).toEqual([]);
    const id = '00000000-0000-4000-8000-000000000000';
    for (const [body, status] of [
      ['{"broken', 400],
      [JSON.stringify({ note: 'x'.repeat(20_000) }), 413],
    ] as const) {
      const res = await send(base, `/api/alarms/${id}/ack`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body,
      });
      expect(res.status).toBe(status);
      expect(isCleanErrorBody(res)).toBe(true);
    }
  });

  it('both routes are in the OpenAPI document, the ack behind the bearer token', async () => {
    const doc = (await getJson(base, '/api/openapi.json')).body as {
      paths: Record<
        string,
        Record<string, { security?: unknown; parameters: Array<{ name: string }> }>
      >;
    };
    expect(doc.paths['/api/alarms']?.get?.parameters.map((p) => p.name)).toEqual([
      'state',
      'device_id',
      'limit',
    ]);
    // Operators and up, by token, session or Cloudflare Access; cookie writes carry the CSRF token.
    expect(doc.paths['/api/alarms/{id}/ack']?.post?.security).toEqual([
      { bearer: ['operator'] },
      { session: ['operator'], csrf: [] },
      { cloudflareAccess: ['operator'], csrf: [] },
    ]);
  });
});
