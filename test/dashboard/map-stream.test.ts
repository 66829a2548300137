// The live map's stream on a real Mosquitto and dashboard (AUTH_MODE=local) with socket.io-clients: a viewer of one group gets only that group's vehicles (and markers where an admin gets cells), a moved vehicle is sent again, bad viewports are ignored and counted.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTelemetry, telemetryTopic } from '../../core/contract.js';
import type {
  ClientToServerEvents,
  PositionsBody,
  ServerToClientEvents,
} from '../../core/dashboard-contract.js';
import { MAP_MARKERS_MAX, type MapUpdate, type MapViewRequest } from '../../core/map-wire.js';
import type { Dashboard } from '../../dashboard/dashboard.js';
import { fleetIds } from '../../devices/create-device.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { waitFor } from '../../harness/wait.js';
import { testConfig } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { Caller } from '../people/caller.js';
import { PASSWORD } from '../people/fixture.js';
import { testDashboard } from './helpers.js';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
/** Group a: three vans near Berlin. Everyone else: more than MAP_MARKERS_MAX cars around them. */
const A = ['van_a1', 'van_a2', 'van_a3'];
const OTHERS = fleetIds('car_', MAP_MARKERS_MAX + 20);
const EUROPE: MapViewRequest = { bounds: [35, -15, 65, 35], zoom: 4 };

let broker: MosquittoProcess;
let dashboard: Dashboard;
let publisher: MqttClient;
let base: string;
let admin: Caller;
let viewer: Caller;
const clients: Client[] = [];
let seq = 0;

/** The map as a client has drawn it from the updates so far. */
class MapClient {
  readonly updates: MapUpdate[] = [];
  readonly shown = new Map<string, unknown[]>();
  kind: MapUpdate['kind'] | undefined;

  constructor(readonly client: Client) {
    client.on('map', (u) => {
      this.updates.push(u);
      if (u.reset || u.kind !== this.kind) this.shown.clear();
      this.kind = u.kind;
      for (const key of u.gone) this.shown.delete(key);
      for (const t of [...(u.vehicles ?? []), ...(u.cells ?? [])]) this.shown.set(t[0], t);
    });
  }

  /** Every vehicle id in any update so far (cells carry none). */
  ids(): Set<string> {
    return new Set(this.updates.flatMap((u) => (u.vehicles ?? []).map((v) => v[0])));
  }
}

async function connect(who: Caller): Promise<MapClient> {
  const client: Client = io(base, {
    transports: ['websocket'],
    extraHeaders: { cookie: who.cookie ?? '' },
    auth: { view: true },
  });
  clients.push(client);
  const map = new MapClient(client);
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('connect_error', reject);
  });
  return map;
}

async function publishAt(deviceId: string, lat: number, lon: number): Promise<void> {
  seq += 1;
  const reading = {
    device_id: deviceId,
    seq,
    timestamp: new Date().toISOString(),
    values: { lat, lon, heading: 45, speed: 30 },
  };
  await publisher.publishAsync(telemetryTopic(deviceId), encodeTelemetry(reading), { qos: 0 });
}

beforeAll(async () => {
  const dir = tempDir('map-stream-');
  broker = new MosquittoProcess({ dir });
  await broker.start();
  const config = testConfig(dir, broker.port, {
    AUTH_MODE: 'local',
    AUTH_DB_PATH: join(dir, 'auth.db'),
    DASHBOARD_RATE_LIMIT_PER_MIN: '1000000',
  });
  dashboard = testDashboard(config);
  await dashboard.start();
  await dashboard.subscribed;
  base = `http://127.0.0.1:${dashboard.port}`;
  const password = readFileSync(join(dir, 'admin-password.txt'), 'utf8').split('\n')[1] ?? '';
  admin = await Caller.signIn(base, 'admin', password);
  const group = { id: 'a', name: 'a', devices: A };
  expect((await admin.send('/api/groups', { method: 'POST', body: group })).status).toBe(201);
  const user = { username: 'viewer_a', role: 'viewer', password: PASSWORD, groups: ['a'] };
  expect((await admin.send('/api/users', { method: 'POST', body: user })).status).toBe(201);
  viewer = await Caller.signIn(base, 'viewer_a', PASSWORD);
  publisher = await mqtt.connectAsync({
    host: '127.0.0.1',
    port: broker.port,
    clientId: 'map-pub',
  });
  await Promise.all(A.map((id, k) => publishAt(id, 52.5 + k * 0.01, 13.4)));
  await Promise.all(OTHERS.map((id, k) => publishAt(id, 50 + (k % 40) * 0.1, 8 + k * 0.02)));
  await waitFor(
    async () => ((await admin.send('/api/devices/positions')).json as PositionsBody).length,
    (n) => n === A.length + OTHERS.length,
    { what: 'every position on the live board' },
  );
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  await publisher?.endAsync();
  await dashboard?.stop();
  await broker?.stop();
  removeTempDirs();
});

describe('the live map stream', () => {
  it("a group's viewer gets that group's vehicles only: markers, where an admin gets cells", async () => {
    const mine = await connect(viewer);
    const all = await connect(admin);
    mine.client.emit('map_view', EUROPE);
    all.client.emit('map_view', EUROPE);
    await waitFor(() => mine.shown.size === A.length && all.kind === 'cells', Boolean, {
      what: 'both maps drawn',
    });
    expect(mine.kind).toBe('vehicles');
    expect([...mine.shown.keys()].sort()).toEqual(A);
    expect(mine.updates[0]?.extent?.[0]).toBeCloseTo(52.5, 6);
    expect(mine.updates[0]?.extent?.[2]).toBeCloseTo(52.52, 6);
    const cells = [...all.shown.values()] as number[][];
    expect(cells.reduce((s, c) => s + (c[3] ?? 0), 0)).toBe(A.length + OTHERS.length);
    // Vehicles of others move and a van moves: the viewer hears of the van, never of the others.
    const count = mine.updates.length;
    await Promise.all(OTHERS.slice(0, 50).map((id) => publishAt(id, 51, 9)));
    await publishAt('van_a2', 52.6, 13.5);
    await waitFor(
      () => mine.shown.get('van_a2')?.[1],
      (lat) => lat === 5_260_000,
      {
        what: 'the moved van sent again',
      },
    );
    const moved = mine.updates.slice(count).flatMap((u) => (u.vehicles ?? []).map((v) => v[0]));
    // (The vans' status may turn while this runs: a recoloured van is sent again too.)
    expect(moved).toContain('van_a2');
    expect(moved.every((id) => A.includes(id))).toBe(true);
    expect(mine.ids()).toEqual(new Set(A));
    // Zoomed into a corner of the cars: the admin gets markers there; the viewer an empty map.
    const corner: MapViewRequest = { bounds: [49.9, 7.9, 50.5, 8.5], zoom: 9 };
    mine.client.emit('map_view', corner);
    all.client.emit('map_view', corner);
    await waitFor(() => all.kind === 'vehicles' && mine.shown.size === 0, Boolean, {
      what: 'the corner on both maps',
    });
    expect([...all.shown.keys()].every((id) => id.startsWith('car_'))).toBe(true);
    expect(mine.ids()).toEqual(new Set(A));
  });

  it('a bad viewport is ignored and counted; the connection and its map go on', async () => {
    const map = await connect(viewer);
    const before = dashboard.views.map.rejected;
    const bad: unknown[] = [
      null,
      'everything',
      42,
      [],
      {},
      { bounds: [35, -15, 65, 35] },
      { bounds: [65, -15, 35, 35], zoom: 4 },
      { bounds: [35, -15, 65, 35], zoom: 99 },
      { bounds: [35, -15, 65, null], zoom: 4 },
      { bounds: [-1000, -15, 65, 35], zoom: 4 },
      { bounds: [35, -15, 65, 35], zoom: 4, admin: true },
      { bounds: Array.from({ length: 2000 }, () => 1), zoom: 4 },
      { bounds: { 0: 35, 1: -15, 2: 65, 3: 35 }, zoom: 4 },
      { ['__proto__']: { zoom: 4 }, bounds: [35, -15, 65, 35] },
    ];
    for (const b of bad) map.client.emit('map_view', b as MapViewRequest);
    map.client.emit('map_view', EUROPE);
    await waitFor(
      () => map.shown.size,
      (n) => n === A.length,
      { what: 'the valid view answered' },
    );
    expect(dashboard.views.map.rejected - before).toBe(bad.length);
    expect(map.client.connected).toBe(true);
    expect(map.updates[0]?.reset).toBe(true);
    expect(map.ids()).toEqual(new Set(A));
  });
});
