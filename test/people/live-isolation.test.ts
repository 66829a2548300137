// Socket.IO isolation: an operator of group A never receives a reading, health, alarm, command or table row of group B's vehicles — on one dashboard and on two behind a real Redis — and a group change moves the live events with it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alarm, SpeedReading, TelemetryPayload } from '../../core/contract.js';
import type {
  ClientToServerEvents,
  CommandBody,
  FleetRowsBody,
  LatestData,
  ServerToClientEvents,
} from '../../core/dashboard-contract.js';
import { silentLogger } from '../../core/log.js';
import { RedisLink } from '../../dashboard/cluster/redis-link.js';
import type { Dashboard } from '../../dashboard/dashboard.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { RedisProcess } from '../../harness/redis.js';
import { waitFor } from '../../harness/wait.js';
import { testDashboard } from '../dashboard/helpers.js';
import { testConfig } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { Caller } from './caller.js';
import { alarmOf, PASSWORD, publishAlarms } from './fixture.js';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
const A = 'van_a1';
const B = 'van_b1';

interface Seen {
  readings: TelemetryPayload[];
  alarms: Alarm[];
  commands: CommandBody[];
  health: string[];
  latest: LatestData[];
  rows: FleetRowsBody[];
}

let broker: MosquittoProcess;
let redis: RedisProcess;
let one: Dashboard;
let two: Dashboard;
let publisher: MqttClient;
const clients: Client[] = [];
let seq = 0;

async function start(
  dir: string,
  authDb: string,
  name: string,
  link?: RedisLink,
): Promise<Dashboard> {
  const config = testConfig(dir, broker.port, {
    AUTH_MODE: 'local',
    AUTH_DB_PATH: authDb,
    DASHBOARD_RATE_LIMIT_PER_MIN: '1000000',
    DASHBOARD_STATE_PATH: join(dir, `${name}-state.db`),
    DASHBOARD_REGISTRY: name === 'one' ? 'owner' : 'follower',
  });
  const d = testDashboard(config, {
    clientId: `iso-${name}-${process.pid}`,
    ...(link ? { cluster: link } : {}),
  });
  await d.start();
  await Promise.all([d.subscribed, d.commands.subscribed]);
  return d;
}

const base = (d: Dashboard) => `http://127.0.0.1:${d.port}`;

/** A signed-in person's live connection: legacy (whole fleet it may see) or a view of both vans. */
async function connect(d: Dashboard, who: Caller, kind: 'legacy' | 'view'): Promise<Seen> {
  const seen: Seen = { readings: [], alarms: [], commands: [], health: [], latest: [], rows: [] };
  const client: Client = io(base(d), {
    transports: ['websocket'],
    extraHeaders: { cookie: who.cookie ?? '' },
    ...(kind === 'view' ? { auth: { view: true } } : {}),
  });
  clients.push(client);
  client.on('reading', (r) => seen.readings.push(r));
  client.on('alarm', (a) => seen.alarms.push(a));
  client.on('command', (c) => seen.commands.push(c));
  client.on('health', (h) => seen.health.push(h.device_id));
  client.on('latest_data', (l) => seen.latest.push(l));
  client.on('fleet_rows', (r) => seen.rows.push(r));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('connect_error', reject);
  });
  if (kind === 'view') {
    const table = {
      sort: 'id',
      order: 'asc',
      text: '',
      status: 'all',
      alarm: false,
      offset: 0,
      limit: 50,
    } as const;
    client.emit('view', { table, vehicles: [A, B] });
  }
  return seen;
}

async function publish(deviceId: string): Promise<SpeedReading> {
  seq += 1;
  const r = { device_id: deviceId, seq, timestamp: new Date().toISOString(), speed: 40 };
  await publisher.publishAsync(`vehicles/${deviceId}/speed`, JSON.stringify(r), { qos: 1 });
  const health = {
    device_id: deviceId,
    timestamp: r.timestamp,
    uptime_s: seq,
    queue_depth: 0,
    dropped_total: 0,
    reconnects: 0,
    firmware: 'test',
  };
  await publisher.publishAsync(`vehicles/${deviceId}/health`, JSON.stringify(health), {
    qos: 1,
    retain: true,
  });
  return r;
}

/** Publishes B then A and waits until A's reading reached every client: B's, sent first, had its chance. */
async function barrier(clientsOfA: Seen[]): Promise<void> {
  await publish(B);
  const last = await publish(A);
  await waitFor(
    () => clientsOfA.every((s) => s.readings.some((r) => r.seq === last.seq)),
    Boolean,
    {
      what: 'the barrier reading of A',
    },
  );
}

/** Waits for one more latest_data (legacy) or fleet_rows (view) on each: a tick went by. */
async function nextTick(all: Seen[]): Promise<void> {
  const counts = all.map((s) => s.latest.length + s.rows.length);
  await waitFor(
    () => all.every((s, i) => s.latest.length + s.rows.length > (counts[i] ?? 0)),
    Boolean,
    {
      what: 'one more tick of tables',
    },
  );
}

/** Every vehicle id a client was told about, through any event. */
function vehiclesIn(seen: Seen): Set<string> {
  const ids = new Set<string>();
  for (const r of seen.readings) ids.add(r.device_id);
  for (const a of seen.alarms) ids.add(a.device_id ?? '~fleet');
  for (const c of seen.commands) ids.add(c.device_id);
  for (const h of seen.health) ids.add(h);
  for (const l of seen.latest) for (const id of Object.keys(l)) ids.add(id);
  for (const r of seen.rows) for (const row of [...r.rows, ...r.vehicles]) ids.add(row.device_id);
  return ids;
}

let admin: Caller;
let opA: Caller;
let opB: Caller;

beforeAll(async () => {
  const dir = tempDir('isolation-');
  broker = new MosquittoProcess({ dir });
  redis = new RedisProcess();
  await Promise.all([broker.start(), redis.start()]);
  const authDb = join(dir, 'shared', 'auth.db');
  const link = (n: string) =>
    new RedisLink(
      { url: redis.url, reconnectMaxMs: 200, blockTimeMs: 500, publishTimeoutMs: 500 },
      silentLogger().child({ n }),
    );
  const l1 = link('1');
  const l2 = link('2');
  one = await start(dir, authDb, 'one', l1);
  two = await start(dir, authDb, 'two', l2);
  await waitFor(() => l1.available && l2.available, Boolean, { what: 'redis ready' });
  const password =
    readFileSync(join(dir, 'shared', 'admin-password.txt'), 'utf8').split('\n')[1] ?? '';
  admin = await Caller.signIn(base(one), 'admin', password);
  for (const [g, v] of [
    ['a', A],
    ['b', B],
  ]) {
    expect(
      (await admin.send('/api/groups', { method: 'POST', body: { id: g, name: g, devices: [v] } }))
        .status,
    ).toBe(201);
    const user = { username: `op_${g}`, role: 'operator', password: PASSWORD, groups: [g] };
    expect((await admin.send('/api/users', { method: 'POST', body: user })).status).toBe(201);
  }
  // Sessions live in the shared file: signed in on one, valid on two.
  opA = await Caller.signIn(base(one), 'op_a', PASSWORD);
  opB = await Caller.signIn(base(two), 'op_b', PASSWORD);
  publisher = await mqtt.connectAsync({
    host: '127.0.0.1',
    port: broker.port,
    clientId: 'iso-pub',
  });
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await publisher?.endAsync();
  await Promise.all([one?.stop(), two?.stop()]);
  await Promise.all([broker?.stop(), redis?.stop()]);
  removeTempDirs();
});

describe('live events reach only those who may see the vehicle', () => {
  it('on one dashboard and across two behind Redis: readings, health, alarms, commands, tables', async () => {
    const onOne = {
      a: await connect(one, opA, 'legacy'),
      aView: await connect(one, opA, 'view'),
      b: await connect(one, opB, 'view'),
      admin: await connect(one, admin, 'legacy'),
    };
    const onTwo = {
      a: await connect(two, opA, 'view'),
      b: await connect(two, opB, 'legacy'),
      admin: await connect(two, admin, 'view'),
    };
    const everyone = [...Object.values(onOne), ...Object.values(onTwo)];
    const [ra, rb] = [await publish(A), await publish(B)];
    await publishAlarms(broker.port, [alarmOf(A), alarmOf(B), alarmOf(null, 'fleet_silent')]);
    // A command each, sent on dashboard one: its status changes reach dashboard two's clients through Redis.
    for (const v of [A, B]) {
      expect(
        (await admin.send(`/api/devices/${v}/commands`, { method: 'POST', body: { name: 'ping' } }))
          .status,
      ).toBe(202);
    }
    const adminsSee = (s: Seen) =>
      s.readings.length >= 2 &&
      s.alarms.length >= 3 &&
      s.commands.length >= 2 &&
      vehiclesIn(s).has(B);
    await waitFor(() => [onOne.admin, onTwo.admin].every(adminsSee), Boolean, {
      what: 'admins got everything',
    });
    const got = (s: Seen, v: string) =>
      s.readings.some((r) => r.device_id === v) &&
      s.alarms.some((a) => a.device_id === v) &&
      s.commands.some((c) => c.device_id === v);
    await waitFor(() => got(onOne.a, A) && got(onOne.aView, A) && got(onTwo.a, A), Boolean, {
      what: 'group A got A',
    });
    await waitFor(() => got(onOne.b, B) && got(onTwo.b, B), Boolean, { what: 'group B got B' });
    // One more reading round and tick of tables and latest_data for everyone.
    await barrier([onOne.a, onOne.aView, onTwo.a]);
    await nextTick(everyone);
    for (const s of [onOne.a, onOne.aView, onTwo.a]) expect([...vehiclesIn(s)].sort()).toEqual([A]);
    for (const s of [onOne.b, onTwo.b]) expect([...vehiclesIn(s)].sort()).toEqual([B]);
    for (const s of [onOne.admin, onTwo.admin])
      expect(vehiclesIn(s)).toEqual(new Set([A, B, '~fleet']));
    // The reading itself, once per client (no duplicate through Redis).
    expect(onOne.a.readings.filter((r) => r.seq === ra.seq)).toHaveLength(1);
    expect(onTwo.b.readings.filter((r) => r.seq === rb.seq)).toHaveLength(1);
    // The table of a group-A viewer counts only its own vehicle.
    const lastRows = onOne.aView.rows.at(-1);
    expect(lastRows?.total).toBe(1);
    expect(everyone.every((s) => s.readings.length > 0)).toBe(true);
  });

  it('moving a vehicle into a group moves its live events at once, on both dashboards', async () => {
    const a1 = await connect(one, opA, 'legacy');
    const a2 = await connect(two, opA, 'legacy');
    await barrier([a1, a2]);
    expect(vehiclesIn(a1).has(B)).toBe(false);
    expect(vehiclesIn(a2).has(B)).toBe(false);
    const put = await admin.send('/api/groups/a', { method: 'PUT', body: { devices: [A, B] } });
    expect(put.status).toBe(200);
    await waitFor(
      async () => {
        await publish(B);
        return (
          a1.readings.some((r) => r.device_id === B) && a2.readings.some((r) => r.device_id === B)
        );
      },
      Boolean,
      { what: 'group A now gets B on both dashboards', timeoutMs: 15_000 },
    );
    // And out again: after a round without B, none comes any more.
    await admin.send('/api/groups/a', { method: 'PUT', body: { devices: [A] } });
    const gotB = async () => {
      const before = [a1.readings.length, a2.readings.length];
      await barrier([a1, a2]);
      return [a1, a2].some((s, i) => s.readings.slice(before[i]).some((r) => r.device_id === B));
    };
    await waitFor(gotB, (b) => !b, { what: 'B no longer reaches group A', timeoutMs: 15_000 });
    expect(await gotB()).toBe(false);
    // The person, not the vehicle, changes group: their open connections follow within a tick.
    expect(
      (await admin.send('/api/users/op_a', { method: 'PUT', body: { groups: ['a', 'b'] } })).status,
    ).toBe(200);
    await waitFor(gotB, Boolean, { what: 'op_a, now also in group b, gets B', timeoutMs: 15_000 });
    expect(
      (await admin.send('/api/users/op_a', { method: 'PUT', body: { groups: ['a'] } })).status,
    ).toBe(200);
    await waitFor(gotB, (b) => !b, {
      what: 'op_a, out of group b again, no longer gets B',
      timeoutMs: 15_000,
    });
    expect(await gotB()).toBe(false);
  });
});
