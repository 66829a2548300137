// Live views on a real Mosquitto with real socket.io-clients: a view client gets only its rows and vehicles, a legacy client the whole fleet; bad views are ignored and counted.
import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAlarmMessage } from '../../core/alarm-wire.js';
import { alarmTopic, type TelemetryPayload } from '../../core/contract.js';
import type {
  ClientToServerEvents,
  FleetRowsBody,
  FleetSummaryBody,
  FleetTableQuery,
  LatestData,
  ServerToClientEvents,
} from '../../core/dashboard-contract.js';
import type { Dashboard } from '../../dashboard/dashboard.js';
import { fleetIds } from '../../devices/create-device.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { waitFor } from '../../harness/wait.js';
import { testConfig } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { testDashboard } from './helpers.js';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
interface Got {
  latest: LatestData[];
  readings: TelemetryPayload[];
  rows: FleetRowsBody[];
  summaries: FleetSummaryBody[];
}

const IDS = fleetIds('vehicle_', 30);
let broker: MosquittoProcess;
let dashboard: Dashboard;
let publisher: MqttClient;
const clients: Client[] = [];
let seq = 0;

function connect(auth?: { view: boolean }): { client: Client; got: Got } {
  const got: Got = { latest: [], readings: [], rows: [], summaries: [] };
  const client: Client = io(`http://127.0.0.1:${dashboard.port}`, {
    transports: ['websocket'],
    ...(auth ? { auth } : {}),
  });
  client.on('latest_data', (d) => got.latest.push(d));
  client.on('reading', (r) => got.readings.push(r));
  client.on('fleet_rows', (r) => got.rows.push(r));
  client.on('fleet_summary', (s) => got.summaries.push(s));
  clients.push(client);
  return { client, got };
}
const connected = (c: Client) => new Promise<void>((resolve) => c.once('connect', () => resolve()));
/** vehicle_NN drives at NN × 3 km/h: sorting by speed is sorting by id. */
const speedOf = (id: string) => Number(id.slice(-2)) * 3;
async function publishAll(): Promise<void> {
  seq += 1;
  await Promise.all(
    IDS.map((id) =>
      publisher.publishAsync(
        `vehicles/${id}/speed`,
        JSON.stringify({
          device_id: id,
          seq,
          timestamp: new Date().toISOString(),
          speed: speedOf(id),
        }),
        { qos: 1 },
      ),
    ),
  );
}
const query = (q: Partial<FleetTableQuery>): FleetTableQuery => ({
  sort: 'id',
  order: 'asc',
  text: '',
  status: 'all',
  alarm: false,
  offset: 0,
  limit: 5,
  ...q,
});
/** The next fleet_rows after now (the answer to a view, or the next tick). */
async function nextRows(got: Got, accept: (r: FleetRowsBody) => boolean = () => true) {
  const from = got.rows.length;
  return waitFor(
    () => got.rows.slice(from).find(accept),
    (r) => r !== undefined,
    { what: 'fleet_rows', timeoutMs: 5000 },
  ) as Promise<FleetRowsBody>;
}

beforeAll(async () => {
  const dir = tempDir();
  broker = new MosquittoProcess({ dir });
  await broker.start();
  dashboard = testDashboard(testConfig(dir, broker.port, {}));
  await dashboard.start();
  await dashboard.subscribed;
  publisher = await mqtt.connectAsync({ host: '127.0.0.1', port: broker.port, clientId: 'pub' });
  await publishAll();
  await waitFor(
    () => Object.keys(dashboard.board.latestData(Date.now())).length,
    (n) => n === 30,
    { what: '30 vehicles on the board' },
  );
});

afterAll(async () => {
  for (const c of clients) c.close();
  await publisher?.endAsync();
  await dashboard?.stop();
  await broker?.stop();
  removeTempDirs();
});

describe('live views', () => {
  it('a legacy client (never sends view) keeps getting latest_data of the whole fleet and every reading', async () => {
    const { client, got } = connect();
    await connected(client);
    await waitFor(
      () => got.latest.length,
      (n) => n >= 2,
      { what: 'two latest_data' },
    );
    expect(Object.keys(got.latest.at(-1) ?? {})).toHaveLength(30);
    await publishAll();
    await waitFor(
      () => got.readings.length,
      (n) => n >= 30,
      { what: 'every reading' },
    );
    expect(new Set(got.readings.map((r) => r.device_id)).size).toBe(30);
    expect(got.rows).toEqual([]);
    expect(got.summaries).toEqual([]);
  });

  it('a view client gets only its window of rows, its vehicles readings, the summary, and no latest_data', async () => {
    const { client, got } = connect();
    await connected(client);
    client.emit('view', {
      table: query({ sort: 'speed', order: 'desc', offset: 2, limit: 5 }),
      vehicles: ['vehicle_03'],
    });
    const rows = await nextRows(got);
    expect(rows.total).toBe(30);
    expect(rows.offset).toBe(2);
    expect(rows.rows.map((r) => r.device_id)).toEqual([
      'vehicle_28',
      'vehicle_27',
      'vehicle_26',
      'vehicle_25',
      'vehicle_24',
    ]);
    expect(rows.rows[0]).toMatchObject({ speed: 84, status: 'online', alarms: 0, name: null });
    // Rows new to this client carry their last minute (sampled each tick: at least one sample).
    expect(rows.rows.every((r) => (r.spark?.length ?? 0) >= 1 && r.spark?.at(-1) === r.speed)).toBe(
      true,
    );
    expect(rows.vehicles.map((v) => v.device_id)).toEqual(['vehicle_03']);
    const latestSoFar = got.latest.length;
    const readingsSoFar = got.readings.length;
    await publishAll();
    // Two ticks later: rows again, no latest_data, and only vehicle_03's reading.
    await nextRows(got);
    const again = await nextRows(got);
    // Same window: the client has those sparklines already.
    expect(again.rows.map((r) => r.spark)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    expect(got.latest.length).toBe(latestSoFar);
    expect(got.readings.slice(readingsSoFar).map((r) => r.device_id)).toEqual(['vehicle_03']);
    const summary = got.summaries.at(-1) as FleetSummaryBody;
    expect(summary).toMatchObject({ devices: 30, online: 30, warning: 0, offline: 0 });
    expect(summary.speed_histogram.reduce((a, b) => a + b, 0)).toBe(30);
    // 3..90 km/h in 20 km/h buckets: 3–18 (6), 21–39 (7), 42–57 (6), 60–78 (7), 81–90 (4).
    expect(summary.speed_histogram.slice(0, 5)).toEqual([6, 7, 6, 7, 4]);
  });

  it('a client whose handshake says auth.view gets no whole-fleet event at all, not even on connect', async () => {
    const { client, got } = connect({ view: true });
    await connected(client);
    await publishAll();
    await new Promise((r) => setTimeout(r, 1500)); // a tick and the readings have passed
    expect(got.latest).toEqual([]);
    expect(got.readings).toEqual([]);
    client.emit('view', { table: query({ limit: 2 }), vehicles: ['vehicle_30'] });
    const rows = await nextRows(got);
    expect(rows.rows.map((r) => r.device_id)).toEqual(['vehicle_01', 'vehicle_02']);
    await publishAll();
    await waitFor(
      () => got.readings.length,
      (n) => n >= 1,
      { what: "vehicle_30's reading" },
    );
    expect(got.readings.map((r) => r.device_id)).toEqual(['vehicle_30']);
    expect(got.latest).toEqual([]);
  });

  it('filters by text (id and registry name), status and alarm, server side', async () => {
    const { client, got } = connect();
    await connected(client);
    client.emit('view', { table: query({ text: 'VEHICLE_1', limit: 50 }), vehicles: [] });
    const byText = await nextRows(got);
    expect(byText.total).toBe(10);
    expect(byText.rows.every((r) => r.device_id.startsWith('vehicle_1'))).toBe(true);

    await dashboard.registry.put('vehicle_07', { name: 'Red Van' });
    client.emit('view', { table: query({ text: 'red v' }), vehicles: [] });
    const byName = await nextRows(got, (r) => r.total === 1);
    expect(byName.rows[0]).toMatchObject({ device_id: 'vehicle_07', name: 'Red Van' });

    const now = new Date().toISOString();
    await publisher.publishAsync(
      'vehicles/vehicle_09/status',
      JSON.stringify({ device_id: 'vehicle_09', status: 'offline', timestamp: now }),
      { qos: 1, retain: true },
    );
    client.emit('view', { table: query({ status: 'offline' }), vehicles: [] });
    const offline = await nextRows(got, (r) => r.total === 1);
    expect(offline.rows.map((r) => [r.device_id, r.status])).toEqual([['vehicle_09', 'offline']]);

    const alarm = {
      id: randomUUID(),
      device_id: 'vehicle_12',
      rule: 'overspeed',
      severity: 'major' as const,
      state: 'open' as const,
      started_at: now,
      updated_at: now,
      cleared_at: null,
      acknowledged_at: null,
      value: 150,
      message: 'speed 150 km/h over the limit',
      version: 1,
    };
    await publisher.publishAsync(alarmTopic('vehicle_12', 'overspeed'), encodeAlarmMessage(alarm), {
      qos: 1,
      retain: true,
    });
    client.emit('view', { table: query({ alarm: true }), vehicles: [] });
    const withAlarm = await nextRows(got, (r) => r.total === 1);
    expect(withAlarm.rows.map((r) => [r.device_id, r.alarms])).toEqual([['vehicle_12', 1]]);
    expect(got.summaries.at(-1)?.active_alarms).toBe(1);
  });

  it('bad views are ignored and counted, never a crash; the client keeps its last good view', async () => {
    const { client, got } = connect();
    await connected(client);
    client.emit('view', { table: query({ limit: 3 }), vehicles: [] });
    await nextRows(got, (r) => r.rows.length === 3);
    const before = dashboard.views.rejected;
    const hostile: unknown[] = [
      null,
      'view',
      42,
      { table: query({ text: 'x'.repeat(5000) }), vehicles: [] },
      { table: query({ limit: 201 }), vehicles: [] },
      { table: query({ offset: -1 }), vehicles: [] },
      { table: query({ sort: '<script>alert(1)</script>' as 'id' }), vehicles: [] },
      { table: null, vehicles: ['"><img src=x onerror=alert(1)>'] },
      { table: null, vehicles: IDS.slice(0, 25) },
      { table: null, vehicles: [], extra: true },
    ];
    for (const h of hostile) (client.emit as (e: string, v: unknown) => void)('view', h);
    await waitFor(
      () => dashboard.views.rejected - before,
      (n) => n === hostile.length,
      { what: 'every bad view counted' },
    );
    const after = await nextRows(got);
    expect(after.rows).toHaveLength(3);
    expect(client.connected).toBe(true);
  });
});
