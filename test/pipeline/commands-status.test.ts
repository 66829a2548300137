// Every status path of a command on a real Mosquitto: the dashboard (persistent session, SQLite state) and in-process vehicles or a raw MQTT vehicle.
import mqtt, { type MqttClient } from 'mqtt';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXPIRED_ERROR } from '../../core/commands.js';
import type { Config } from '../../core/config.js';
import type { CommandBody, ServerToClientEvents } from '../../core/dashboard-contract.js';
import { silentLogger } from '../../core/log.js';
import type { Dashboard } from '../../dashboard/dashboard.js';
import { createDevice } from '../../devices/create-device.js';
import type { Device } from '../../devices/device.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { sleep, waitFor } from '../../harness/wait.js';
import { testDashboard } from '../dashboard/helpers.js';
import {
  getCommand,
  journalRows,
  journalSettings,
  listCommands,
  postCommand,
  sendCommand,
  TOKEN,
  waitForStatus,
} from '../helpers/commands.js';
import { testConfig } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

let broker: MosquittoProcess;
let config: Config;
let dashboard: Dashboard;
let base: string;
let socket: Socket<ServerToClientEvents>;
const events: CommandBody[] = [];
const devices: Device[] = [];
const raw: MqttClient[] = [];

beforeAll(async () => {
  const dir = tempDir('commands-');
  broker = new MosquittoProcess({ dir });
  await broker.start();
  config = testConfig(dir, broker.port, {
    DASHBOARD_API_TOKEN: TOKEN,
    // Long: nothing times out here by accident on a loaded machine (a second dashboard below
    // has a short timeout for the timed_out path).
    COMMAND_TIMEOUT_S: '120',
    PUBLISH_INTERVAL_MS: '100',
  });
  dashboard = testDashboard(config, { clientId: 'dashboard-commands-test' });
  await dashboard.start();
  await Promise.all([dashboard.subscribed, dashboard.commands.subscribed]);
  base = `http://127.0.0.1:${dashboard.port}`;
  socket = io(base, { transports: ['websocket'] });
  socket.on('command', (c) => events.push(c));
  await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
});

afterAll(async () => {
  socket?.close();
  for (const c of raw) c.end(true);
  await Promise.all(devices.map((d) => d.stop()));
  await dashboard?.stop();
  await broker?.stop();
  removeTempDirs();
});

async function vehicle(id: string, cfg: Config = config): Promise<Device> {
  const device = createDevice(cfg, id, silentLogger());
  devices.push(device);
  await device.start();
  return device;
}

/** A vehicle that says it is online and records its commands, but answers only when told. */
async function rawVehicle(id: string): Promise<{ client: MqttClient; commands: string[] }> {
  const client = await mqtt.connectAsync({
    host: '127.0.0.1',
    port: broker.port,
    clientId: id,
    clean: false,
    reconnectPeriod: 0,
  });
  raw.push(client);
  const commands: string[] = [];
  client.on('message', (_t, payload) => commands.push(payload.toString()));
  await client.subscribeAsync(`vehicles/${id}/command`, { qos: 1 });
  const online = JSON.stringify({
    device_id: id,
    status: 'online',
    timestamp: new Date().toISOString(),
  });
  await client.publishAsync(`vehicles/${id}/status`, online, { qos: 1, retain: true });
  return { client, commands };
}

const answer = (client: MqttClient, id: string, body: Record<string, unknown>) =>
  client.publishAsync(
    `vehicles/${id}/command/result`,
    JSON.stringify({ device_id: id, timestamp: new Date().toISOString(), ...body }),
    { qos: 1 },
  );

const statusesOf = (commandId: string) =>
  events.filter((e) => e.command_id === commandId).map((e) => e.status);

describe('a command to an online vehicle', () => {
  it('ping: 202 queued, then sent, then succeeded with the uptime; each change pushed once', async () => {
    await vehicle('vehicle_01');
    const post = await postCommand(base, 'vehicle_01', { name: 'ping' });
    expect(post.status).toBe(202);
    expect(post.body).toEqual({ command_id: expect.any(String), status: 'queued' });
    const done = await waitForStatus(base, post.body.command_id, ['succeeded']);
    expect(done).toMatchObject({
      device_id: 'vehicle_01',
      name: 'ping',
      params: {},
      status: 'succeeded',
      result: { uptime_s: expect.any(Number) },
    });
    expect(done.error).toBeUndefined();
    await waitFor(
      () => statusesOf(post.body.command_id),
      (s) => s.length === 3,
    );
    expect(statusesOf(post.body.command_id)).toEqual(['queued', 'sent', 'succeeded']);
    expect((await listCommands(base, 'vehicle_01')).map((c) => c.command_id)).toEqual([
      post.body.command_id,
    ]);
  });

  it('set_interval: succeeded, the vehicle ticks at the new interval, kept in its queue file', async () => {
    const device = devices[0] as Device;
    const id = await sendCommand(base, 'vehicle_01', {
      name: 'set_interval',
      params: { interval_ms: 250 },
    });
    const done = await waitForStatus(base, id, ['succeeded']);
    expect(done.result).toEqual({ interval_ms: 250 });
    expect(device.intervalMs).toBe(250);
    expect(journalSettings(config.devices.queueDir, 'vehicle_01')).toEqual({
      interval_ms: 250,
      speed_limit_kmh: null,
    });
  });

  it('an unknown name is accepted, and the vehicle rejects it with a reason', async () => {
    const id = await sendCommand(base, 'vehicle_01', {
      name: 'self_destruct',
      params: { now: true },
    });
    const done = await waitForStatus(base, id, ['rejected']);
    expect(done.error).toMatch(/^unknown command/);
    expect(statusesOf(id)).toEqual(['queued', 'sent', 'rejected']);
  });

  it('failed: the vehicle cannot store the setting (injected, as a full disk), so it does not apply it', async () => {
    const faultyConfig = testConfig(tempDir('faulty-'), broker.port, {
      FAULT_INJECTION: 'command-store-error',
    });
    await vehicle('vehicle_02', faultyConfig);
    const id = await sendCommand(base, 'vehicle_02', {
      name: 'set_speed_limit',
      params: { speed_kmh: 40 },
    });
    const done = await waitForStatus(base, id, ['failed']);
    expect(done.error).toBe('the vehicle could not store the setting');
    expect(done.result).toBeUndefined();
    const queues = faultyConfig.devices.queueDir;
    expect(journalSettings(queues, 'vehicle_02')).toBeUndefined(); // no setting stored
    // The failure is its first answer: recorded like any other.
    expect(journalRows(queues, 'vehicle_02').map((r) => JSON.parse(r.answer).status)).toEqual([
      'failed',
    ]);
  });
});

describe('a vehicle that is offline', () => {
  it('stays queued (never claimed sent) until the vehicle connects, then succeeds', async () => {
    const id = await sendCommand(base, 'vehicle_03', {
      name: 'set_speed_limit',
      params: { speed_kmh: 55.5 },
    });
    await sleep(300);
    expect((await getCommand(base, id)).status).toBe('queued');
    await vehicle('vehicle_03');
    const done = await waitForStatus(base, id, ['succeeded']);
    expect(done.result).toEqual({ speed_kmh: 55.5 });
    expect(statusesOf(id)).toEqual(['queued', 'sent', 'succeeded']);
  });

  it('expires unsent while it is offline, and is never executed once it is back', async () => {
    const expiring = await sendCommand(base, 'vehicle_04', { name: 'ping', expires_in_s: 1 });
    const expired = await waitForStatus(base, expiring, ['expired']);
    expect(expired.error).toMatch(/expires_at passed before it could be sent/);
    expect(statusesOf(expiring)).toEqual(['queued', 'expired']);
    await vehicle('vehicle_04');
    // A later command goes through; the expired one, older, would have arrived first.
    const later = await sendCommand(base, 'vehicle_04', { name: 'ping' });
    await waitForStatus(base, later, ['succeeded']);
    expect(journalRows(config.devices.queueDir, 'vehicle_04').map((r) => r.command_id)).toEqual([
      later,
    ]);
    expect((await getCommand(base, expiring)).status).toBe('expired');
  });
});

describe('a vehicle that does not answer at once', () => {
  it('one command in flight, in order: the next is sent only after the answer', async () => {
    const v = await rawVehicle('vehicle_05');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await sendCommand(base, 'vehicle_05', { name: 'ping' }));
    await waitForStatus(base, ids[0] as string, ['sent']);
    await sleep(300);
    const seen = () => v.commands.map((c) => (JSON.parse(c) as { command_id: string }).command_id);
    expect(seen()).toEqual([ids[0]]);
    expect((await getCommand(base, ids[1] as string)).status).toBe('queued');
    for (const [i, id] of ids.entries()) {
      await waitFor(seen, (s) => s.includes(id));
      await answer(v.client, 'vehicle_05', {
        command_id: id,
        status: 'succeeded',
        result: { n: i },
      });
      await waitForStatus(base, id, ['succeeded']);
    }
    expect(seen()).toEqual(ids);
  });

  it('timed_out after COMMAND_TIMEOUT_S; a late answer replaces it', async () => {
    const quick = testDashboard(
      testConfig(tempDir('timeout-'), broker.port, {
        DASHBOARD_API_TOKEN: TOKEN,
        COMMAND_TIMEOUT_S: '1',
      }),
      { clientId: 'dashboard-timeout-test' },
    );
    await quick.start();
    await quick.commands.subscribed;
    const changes: string[] = [];
    quick.commands.onChange((c) => changes.push(c.status));
    const quickBase = `http://127.0.0.1:${quick.port}`;
    try {
      const v = await rawVehicle('vehicle_06');
      const id = await sendCommand(quickBase, 'vehicle_06', { name: 'ping' });
      const late = await waitForStatus(quickBase, id, ['timed_out']);
      expect(late.error).toBe('no answer within 1 s of being sent');
      await waitFor(
        () => v.commands.length,
        (n) => n === 1,
      );
      await answer(v.client, 'vehicle_06', {
        command_id: id,
        status: 'succeeded',
        result: { uptime_s: 9 },
      });
      const done = await waitForStatus(quickBase, id, ['succeeded']);
      expect(done.result).toEqual({ uptime_s: 9 });
      expect(done.error).toBeUndefined();
      expect(changes).toEqual(['queued', 'sent', 'timed_out', 'succeeded']);
    } finally {
      await quick.stop();
    }
  });

  it('a vehicle that got it too late answers "expired": shown expired (never executed)', async () => {
    const v = await rawVehicle('vehicle_07');
    const id = await sendCommand(base, 'vehicle_07', { name: 'ping' });
    await waitFor(
      () => v.commands.length,
      (n) => n === 1,
    );
    await answer(v.client, 'vehicle_07', {
      command_id: id,
      status: 'rejected',
      error: EXPIRED_ERROR,
    });
    const done = await waitForStatus(base, id, ['expired']);
    expect(done.error).toBe(EXPIRED_ERROR);
  });

  it('ignores answers from another vehicle, malformed ones, and repeats', async () => {
    const v = await rawVehicle('vehicle_08');
    const id = await sendCommand(base, 'vehicle_08', { name: 'ping' });
    await waitFor(
      () => v.commands.length,
      (n) => n === 1,
    );
    const other = await rawVehicle('vehicle_09');
    // vehicle_09 answers for vehicle_08's command on its own topic: not its command.
    await answer(other.client, 'vehicle_09', { command_id: id, status: 'failed', error: 'forged' });
    await v.client.publishAsync('vehicles/vehicle_08/command/result', '{"command_id":', { qos: 1 });
    await answer(v.client, 'vehicle_08', { command_id: id, status: 'succeeded', result: { a: 1 } });
    await waitForStatus(base, id, ['succeeded']);
    await answer(v.client, 'vehicle_08', { command_id: id, status: 'failed', error: 'second' });
    const marker = await sendCommand(base, 'vehicle_08', { name: 'ping' });
    await waitFor(
      () => v.commands.length,
      (n) => n === 2,
    );
    await answer(v.client, 'vehicle_08', { command_id: marker, status: 'succeeded' });
    await waitForStatus(base, marker, ['succeeded']);
    expect(await getCommand(base, id)).toMatchObject({ status: 'succeeded', result: { a: 1 } });
    expect(statusesOf(id)).toEqual(['queued', 'sent', 'succeeded']);
    expect(dashboard.commands.malformedAnswers).toBe(1);
  });
});
