// Two dashboards behind a real redis-server and a real Mosquitto: live events once per client, commands and alarm acks on one reach clients of the other, a Redis outage survived.
import mqtt, { type MqttClient } from 'mqtt';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpeedReading } from '../../../core/contract.js';
import { alarmAckPath } from '../../../core/dashboard-contract.js';
import { MosquittoProcess } from '../../../harness/mosquitto.js';
import { RedisProcess } from '../../../harness/redis.js';
import { waitFor } from '../../../harness/wait.js';
import { sendCommand, TOKEN } from '../../helpers/commands.js';
import { removeTempDirs, tempDir } from '../../helpers/tmp.js';
import {
  type Client,
  connectClient,
  emptySeen,
  FakeCollector,
  fakeVehicle,
  type Instance,
  type Seen,
  startInstance,
} from './fixture.js';

let broker: MosquittoProcess;
let redis: RedisProcess;
let a: Instance;
let b: Instance;
let late: Instance | undefined;
let publisher: MqttClient;
let vehicle: MqttClient;
let collector: FakeCollector;
const clients: Client[] = [];
const seenA = emptySeen();
const seenB = emptySeen();
let seq = 0;

beforeAll(async () => {
  const dir = tempDir('cluster-');
  broker = new MosquittoProcess({ dir });
  redis = new RedisProcess();
  await Promise.all([broker.start(), redis.start()]);
  [a, b] = await Promise.all([
    startInstance(broker.port, redis.url, 'a', 'owner'),
    startInstance(broker.port, redis.url, 'b'),
  ]);
  await waitFor(() => a.link.available && b.link.available, Boolean, { what: 'redis ready' });
  clients.push(await connectClient(a, seenA), await connectClient(b, seenB));
  publisher = await mqtt.connectAsync({ host: '127.0.0.1', port: broker.port, clientId: 'pub' });
  vehicle = await fakeVehicle(broker.port, 'vehicle_01');
  collector = await FakeCollector.start(broker.port);
  for (const instance of [a, b]) {
    await waitFor(
      () => instance.dashboard.board.statusOf('vehicle_01', Date.now()),
      (s) => s === 'online',
      { what: 'vehicle_01 online' },
    );
  }
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.close();
  await publisher?.endAsync();
  await vehicle?.endAsync(true);
  await collector?.stop();
  await Promise.all([a?.dashboard.stop(), b?.dashboard.stop(), late?.dashboard.stop()]);
  await Promise.all([broker?.stop(), redis?.stop()]);
  removeTempDirs();
});

async function publishReading(deviceId = 'vehicle_02'): Promise<SpeedReading> {
  seq += 1;
  const reading = { device_id: deviceId, seq, timestamp: new Date().toISOString(), speed: 50 };
  await publisher.publishAsync(`vehicles/${deviceId}/speed`, JSON.stringify(reading), { qos: 1 });
  return reading;
}

const statuses = (seen: Seen, id: string) =>
  seen.commands.filter((c) => c.command_id === id).map((c) => c.status);
const readingsOf = (seen: Seen, r: SpeedReading) => seen.readings.filter((x) => x.seq === r.seq);

async function commandEverywhere(on: Instance, seens: Seen[]): Promise<string> {
  const id = await sendCommand(on.base, 'vehicle_01', { name: 'ping' });
  for (const seen of seens) {
    await waitFor(
      () => statuses(seen, id),
      (s) => s.includes('succeeded'),
      { what: `command ${id} succeeded on a client` },
    );
  }
  return id;
}

describe('two dashboards behind Redis', () => {
  it('a command sent on A reaches clients of A and of B, each status once; B does not track it', async () => {
    const id = await commandEverywhere(a, [seenA, seenB]);
    expect(statuses(seenA, id)).toEqual(['queued', 'sent', 'succeeded']);
    expect(statuses(seenB, id)).toEqual(['queued', 'sent', 'succeeded']);
    // The command store is A's: B answers 404 (docs/scaling.md: commands are tracked where sent).
    expect((await fetch(`${a.base}/api/commands/${id}`)).status).toBe(200);
    expect((await fetch(`${b.base}/api/commands/${id}`)).status).toBe(404);
  });

  it('live readings reach each client once (each instance emits its own feed locally)', async () => {
    const readings = [await publishReading(), await publishReading(), await publishReading()];
    for (const seen of [seenA, seenB]) {
      await waitFor(
        () => readingsOf(seen, readings[2] as SpeedReading).length,
        (n) => n > 0,
      );
    }
    // A duplicate relayed by the other instance would come through the Redis stream before that
    // instance's next `everywhere` event: one command from each side flushes both streams.
    await commandEverywhere(b, [seenA, seenB]);
    await commandEverywhere(a, [seenA, seenB]);
    for (const seen of [seenA, seenB]) {
      for (const r of readings) expect(readingsOf(seen, r)).toHaveLength(1);
    }
  });

  it('an alarm acknowledged on A reaches the client of B, once', async () => {
    const id = await collector.open('vehicle_01');
    for (const seen of [seenA, seenB]) {
      await waitFor(
        () => seen.alarms.filter((x) => x.id === id).length,
        (n) => n === 1,
      );
    }
    const res = await fetch(`${a.base}${alarmAckPath(id)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { state: string }).state).toBe('acknowledged');
    await waitFor(
      () => seenB.alarms.filter((x) => x.id === id && x.state === 'acknowledged').length,
      (n) => n > 0,
      { what: 'acknowledged alarm on B' },
    );
    await commandEverywhere(a, [seenA, seenB]);
    await commandEverywhere(b, [seenA, seenB]);
    for (const seen of [seenA, seenB]) {
      expect(seen.alarms.filter((x) => x.id === id).map((x) => x.state)).toEqual([
        'open',
        'acknowledged',
      ]);
    }
    // B's copy is acknowledged too (from the collector's retained topic, not from A).
    const listed = (await (await fetch(`${b.base}/api/alarms?state=all`)).json()) as Array<{
      id: string;
      state: string;
    }>;
    expect(listed.find((x) => x.id === id)?.state).toBe('acknowledged');
  });

  it('one registry: changed on the owner A, shown by the followers, which refuse writes and never publish their own', async () => {
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const put = await fetch(`${a.base}/api/devices/vehicle_01`, {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({ name: 'Van 1', speed_limit_kmh: 90 }),
    });
    expect(put.status).toBe(201);
    type Listed = Array<{ device_id: string; name: string | null; registered: boolean }>;
    const registeredOn = (instance: Instance) =>
      waitFor(
        async () => (await (await fetch(`${instance.base}/api/devices`)).json()) as Listed,
        (l) => l.some((d) => d.device_id === 'vehicle_01' && d.registered),
        { what: 'vehicle_01 registered' },
      );
    expect((await registeredOn(b)).find((d) => d.device_id === 'vehicle_01')?.name).toBe('Van 1');
    for (const [method, body] of [
      ['PUT', JSON.stringify({ name: 'x' })],
      ['DELETE', undefined],
    ] as const) {
      const res = await fetch(`${b.base}/api/devices/vehicle_01`, { method, headers: auth, body });
      expect(res.status, method).toBe(409);
      const error = (await res.json()) as { error: string; message: string };
      expect(error.error).toBe('conflict');
      expect(error.message).toContain('DASHBOARD_REGISTRY=follower');
    }
    // A follower started now (an owner would publish its empty registry at connect) learns the
    // registry, and the retained snapshot is still A's.
    const extra = await startInstance(broker.port, redis.url, 'extra');
    try {
      await registeredOn(extra);
    } finally {
      await extra.dashboard.stop();
    }
    const reader = await mqtt.connectAsync({
      host: '127.0.0.1',
      port: broker.port,
      clientId: 'registry-reader',
    });
    const snapshot = await new Promise<string>((resolve) => {
      reader.on('message', (_t, payload) => resolve(payload.toString()));
      void reader.subscribeAsync('fleet/registry', { qos: 1 });
    });
    await reader.endAsync();
    const devices = (JSON.parse(snapshot) as { devices: Array<{ device_id: string }> }).devices;
    expect(devices.map((d) => d.device_id)).toEqual(['vehicle_01']);
  });

  it('a page that lost its connection for a moment gets the command events it missed (connection-state recovery)', async () => {
    const seen = emptySeen();
    const client: Client = io(b.base, { transports: ['websocket'], reconnection: false });
    clients.push(client);
    client.on('command', (c) => seen.commands.push(c));
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    // A first event gives the page an offset in the stream to resume from.
    await commandEverywhere(a, [seen]);
    const gone = new Promise<void>((resolve) => client.once('disconnect', () => resolve()));
    client.io.engine.close();
    await gone;
    const missed = await commandEverywhere(a, [seenB]);
    client.connect();
    await waitFor(
      () => statuses(seen, missed),
      (s) => s.includes('succeeded'),
    );
    expect(client.recovered).toBe(true);
    expect(statuses(seen, missed)).toEqual(['queued', 'sent', 'succeeded']);
  });

  it("Redis hung (SIGSTOP): a command's events still reach the sending instance's page; the other gets them once Redis resumes", async () => {
    redis.signal('SIGSTOP');
    try {
      // Each XADD is given up after publishTimeoutMs (500 ms here) and the event emitted locally.
      const id = await commandEverywhere(a, [seenA]);
      expect(statuses(seenA, id)).toEqual(['queued', 'sent', 'succeeded']);
      redis.signal('SIGCONT');
      // The XADDs were only waiting: B's page gets the events when Redis runs again, A's no repeat.
      await waitFor(
        () => statuses(seenB, id),
        (s) => s.includes('succeeded'),
      );
      await commandEverywhere(b, [seenA, seenB]);
      expect(statuses(seenA, id)).toEqual(['queued', 'sent', 'succeeded']);
      expect(statuses(seenB, id)).toEqual(['queued', 'sent', 'succeeded']);
    } finally {
      redis.signal('SIGCONT');
    }
  });

  it('Redis killed: each dashboard keeps its live feed, API and own commands; cross-instance events stop', async () => {
    await redis.stop('SIGKILL');
    await waitFor(
      () => a.link.available || b.link.available,
      (up) => !up,
      { what: 'redis down' },
    );
    const reading = await publishReading();
    for (const seen of [seenA, seenB]) {
      await waitFor(
        () => readingsOf(seen, reading).length,
        (n) => n === 1,
      );
    }
    const health = await fetch(`${a.base}/api/health`);
    expect(health.status).toBe(200);
    expect(await (await fetch(`${a.base}/metrics`)).text()).toContain(
      'telemetry_dashboard_redis_connected 0',
    );
    // A command on A still reaches A's client (the adapter falls back to a local emit) …
    const id = await commandEverywhere(a, [seenA]);
    expect(statuses(seenA, id)).toEqual(['queued', 'sent', 'succeeded']);
    // … and not B's: nothing carries it there while Redis is away.
    expect(statuses(seenB, id)).toEqual([]);
  });

  it('a dashboard started while Redis is down starts and serves', async () => {
    late = await startInstance(broker.port, redis.url, 'late');
    expect(late.link.available).toBe(false);
    // Serving: its store opens (the read-only link retries until the writer created the file).
    const base = late.base;
    await waitFor(
      async () => (await fetch(`${base}/api/health`)).status,
      (s) => s === 200,
    );
    const seenLate = emptySeen();
    clients.push(await connectClient(late, seenLate));
    const reading = await publishReading();
    await waitFor(
      () => readingsOf(seenLate, reading).length,
      (n) => n === 1,
    );
  });

  it('Redis back: the adapters reconnect and commands reach every instance again', async () => {
    await redis.start();
    const all = [a, b, late as Instance];
    await waitFor(() => all.every((i) => i.link.available), Boolean, { what: 'redis ready again' });
    const seenLate = emptySeen();
    clients.push(await connectClient(late as Instance, seenLate));
    // The readers resume at their own pace: wait for the first command to arrive everywhere.
    const id = await commandEverywhere(a, [seenA, seenB, seenLate]);
    for (const seen of [seenA, seenB, seenLate]) {
      expect(statuses(seen, id)).toEqual(['queued', 'sent', 'succeeded']);
    }
    const fromLate = await commandEverywhere(late as Instance, [seenA, seenB, seenLate]);
    expect(statuses(seenB, fromLate)).toEqual(['queued', 'sent', 'succeeded']);
    expect(await (await fetch(`${b.base}/metrics`)).text()).toContain(
      'telemetry_dashboard_redis_connected 1',
    );
  });
});
