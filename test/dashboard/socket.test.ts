// Socket.IO on a real Mosquitto with a real socket.io-client: hello, `reading` per message, `latest_data` every second, offline.
import mqtt, { type MqttClient } from 'mqtt';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encodeHealth,
  encodeStatus,
  type HealthMessage,
  type SpeedReading,
  type TelemetryPayload,
} from '../../core/contract.js';
import type {
  ClientToServerEvents,
  HelloPayload,
  LatestData,
  ServerToClientEvents,
} from '../../core/dashboard-contract.js';
import type { Dashboard } from '../../dashboard/dashboard.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { waitFor } from '../../harness/wait.js';
import { testConfig } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { getJson, TEST_VERSION, testDashboard } from './helpers.js';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

interface Received {
  readings: TelemetryPayload[];
  latest: Array<{ at: number; data: LatestData }>;
  hello: HelloPayload[];
  health: HealthMessage[];
}

let broker: MosquittoProcess;
let dashboard: Dashboard;
let publisher: MqttClient;
let client: Client;
const got: Received = { readings: [], latest: [], hello: [], health: [] };

beforeAll(async () => {
  const dir = tempDir();
  broker = new MosquittoProcess({ dir });
  await broker.start();
  // Short threshold so going stale takes a second, not ten.
  dashboard = testDashboard(testConfig(dir, broker.port, { OFFLINE_AFTER_S: '1' }));
  await dashboard.start();
  await dashboard.subscribed;
  publisher = await mqtt.connectAsync({ host: '127.0.0.1', port: broker.port, clientId: 'pub' });
  client = io(`http://127.0.0.1:${dashboard.port}`, { transports: ['websocket'] });
  client.on('reading', (r) => got.readings.push(r));
  client.on('latest_data', (data) => got.latest.push({ at: Date.now(), data }));
  client.on('hello', (h) => got.hello.push(h));
  client.on('health', (h) => got.health.push(h));
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
});

afterAll(async () => {
  client?.close();
  await publisher?.endAsync();
  await dashboard?.stop();
  await broker?.stop();
  removeTempDirs();
});

const reading = (device_id: string, seq: number, speed: number, at = Date.now()): SpeedReading => ({
  device_id,
  seq,
  timestamp: new Date(at).toISOString(),
  speed,
});
const publishReading = (r: SpeedReading, topicId = r.device_id) =>
  publisher.publishAsync(`vehicles/${topicId}/speed`, JSON.stringify(r), { qos: 1 });
const lastLatest = () => got.latest.at(-1)?.data ?? {};

describe('Socket.IO events', () => {
  it('hello on connect carries the server clock and thresholds', () => {
    expect(got.hello).toHaveLength(1);
    const hello = got.hello[0] as HelloPayload;
    expect(hello).toMatchObject({ offline_after_s: 1, late_after_ms: 5000, version: TEST_VERSION });
    expect(Math.abs(Date.parse(hello.server_time) - Date.now())).toBeLessThan(5000);
  });

  it('`reading` carries the published payload exactly, as it arrives', async () => {
    const r = reading('vehicle_01', 0, 12.34);
    const before = got.readings.length;
    await publishReading(r);
    await waitFor(
      () => got.readings.length,
      (n) => n > before,
      { what: 'a reading event' },
    );
    expect(got.readings.slice(before)).toEqual([r]);
    expect(Object.keys(got.readings.at(-1) as object)).toEqual([
      'device_id',
      'seq',
      'timestamp',
      'speed',
    ]);
  });

  it('invalid MQTT messages are not forwarded; unknown extra fields are dropped', async () => {
    const before = got.readings.length;
    const now = Date.now();
    const topic = (id: string) => `vehicles/${id}/speed`;
    await publisher.publishAsync(topic('vehicle_02'), '{not json', { qos: 1 });
    await publisher.publishAsync(topic('vehicle_02'), JSON.stringify({ device_id: 'vehicle_02' }));
    await publishReading(reading('vehicle_03', 0, 10), 'vehicle_02'); // device_id ≠ topic
    await publishReading(reading('vehicle_02', 0, 500)); // out of range
    await publishReading(reading('vehicle_02', 0, 10, now + 3_600_000)); // an hour ahead
    await publisher.publishAsync(
      topic('vehicle_02'),
      `{"device_id":"vehicle_02","seq":0,"timestamp":"${new Date(now).toISOString()}","speed":1e999}`,
    );
    const hostile = '<img src=x onerror=alert(1)>';
    await publishReading(reading(hostile, 0, 10), hostile); // id outside the contract's pattern
    await publisher.publishAsync(topic('vehicle_02'), 'x'.repeat(5000));
    // A valid one with a label the contract does not know: forwarded without it.
    const marker = reading('vehicle_02', 1, 22.5);
    await publisher.publishAsync(
      topic('vehicle_02'),
      JSON.stringify({ ...marker, label: '<script>alert(1)</script>' }),
      { qos: 1 },
    );
    await waitFor(
      () => got.readings.length,
      (n) => n > before,
      { what: 'the valid marker reading' },
    );
    expect(got.readings.slice(before)).toEqual([marker]);
    expect(Object.fromEntries(dashboard.live.rejected)).toEqual({
      invalid_json: 1,
      invalid_fields: 1,
      device_mismatch: 1,
      out_of_range: 1,
      future_timestamp: 1,
      non_finite: 1,
      invalid_device_id: 1,
      too_large: 1,
    });
    expect(Object.keys(lastLatest())).not.toContain(hostile);
  });

  it('`latest_data` arrives about every second with speed, timestamp and status', async () => {
    const start = got.latest.length;
    await waitFor(
      () => got.latest.length,
      (n) => n >= start + 4,
      { what: '4 latest_data events', timeoutMs: 6000 },
    );
    const times = got.latest.slice(start).map((l) => l.at);
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
    // Generous per gap (other test files load the CPU), tight on average.
    for (const gap of gaps) {
      expect(gap).toBeGreaterThan(500);
      expect(gap).toBeLessThan(1700);
    }
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    expect(mean).toBeGreaterThan(900);
    expect(mean).toBeLessThan(1200);
    expect(lastLatest().vehicle_02).toEqual({
      speed: 22.5,
      timestamp: expect.any(String),
      status: expect.stringMatching(/^(online|offline)$/),
    });
  });

  it('a device that stops publishing turns offline after OFFLINE_AFTER_S, and back online on data', async () => {
    await publishReading(reading('vehicle_04', 0, 40));
    await waitFor(lastLatest, (d) => d.vehicle_04?.status === 'online', {
      what: 'vehicle_04 online',
    });
    const sawOnlineAt = Date.now();
    await waitFor(lastLatest, (d) => d.vehicle_04?.status === 'offline', {
      what: 'vehicle_04 offline',
      timeoutMs: 5000,
    });
    // 1 s threshold, checked every second: between ~0 and ~2.5 s after we saw it online.
    expect(Date.now() - sawOnlineAt).toBeLessThan(3000);
    expect(lastLatest().vehicle_04).toMatchObject({ speed: 40, status: 'offline' });
    const status = (await getJson(`http://127.0.0.1:${dashboard.port}`, '/api/devices/status'))
      .body as Record<string, { status: string; time_since_last_seen: number }>;
    expect(status.vehicle_04?.status).toBe('offline');
    expect(status.vehicle_04?.time_since_last_seen).toBeGreaterThan(1);

    await publishReading(reading('vehicle_04', 1, 41));
    await waitFor(lastLatest, (d) => d.vehicle_04?.status === 'online', {
      what: 'vehicle_04 back online',
    });
  });

  it('a retained offline status turns a device offline at once, even with fresh data', async () => {
    const base = `http://127.0.0.1:${dashboard.port}`;
    const statusOf = async () =>
      ((await getJson(base, '/api/devices/status')).body as Record<string, { status: string }>)
        .vehicle_05?.status;
    const t0 = Date.now();
    await publishReading(reading('vehicle_05', 0, 50));
    const offline = {
      device_id: 'vehicle_05',
      status: 'offline' as const,
      timestamp: new Date().toISOString(),
    };
    await publisher.publishAsync('vehicles/vehicle_05/status', encodeStatus(offline), {
      qos: 1,
      retain: true,
    });
    await waitFor(statusOf, (s) => s === 'offline', {
      what: 'vehicle_05 offline',
      timeoutMs: 3000,
    });
    // Sooner than going stale could (1 s of silence): the status topic did it.
    expect(Date.now() - t0).toBeLessThan(900);
    await waitFor(lastLatest, (d) => d.vehicle_05?.status === 'offline', {
      what: 'latest_data saying so',
      timeoutMs: 1500,
    });
  });

  it('a new client gets `latest_data` immediately on connect, not after up to a second', async () => {
    const second: Client = io(`http://127.0.0.1:${dashboard.port}`, { transports: ['websocket'] });
    try {
      const t0 = Date.now();
      const data = await new Promise<LatestData>((resolve) => second.once('latest_data', resolve));
      expect(Date.now() - t0).toBeLessThan(900);
      expect(Object.keys(data)).toEqual(
        expect.arrayContaining(['vehicle_01', 'vehicle_02', 'vehicle_04', 'vehicle_05']),
      );
    } finally {
      second.close();
    }
  });

  it('`health` per health message, each device’s latest to a new client on connect, an older one ignored', async () => {
    const health: HealthMessage = {
      device_id: 'vehicle_06',
      timestamp: new Date().toISOString(),
      uptime_s: 12.5,
      queue_depth: 3,
      dropped_total: 1,
      reconnects: 2,
      firmware: 'sim-9.9.9',
    };
    await publishReading(reading('vehicle_06', 0, 30));
    await publisher.publishAsync('vehicles/vehicle_06/health', encodeHealth(health), {
      qos: 1,
      retain: true,
    });
    await waitFor(
      () => got.health.filter((h) => h.device_id === 'vehicle_06'),
      (l) => l.length === 1,
      {
        what: 'health event',
      },
    );
    expect(got.health.find((h) => h.device_id === 'vehicle_06')).toEqual(health);
    const second: Client = io(`http://127.0.0.1:${dashboard.port}`, { transports: ['websocket'] });
    try {
      const first = await new Promise<HealthMessage>((resolve) => second.once('health', resolve));
      expect(first).toEqual(health);
    } finally {
      second.close();
    }
    // HEALTH_INTERVAL_S is 30 by default: only a very old health message makes a warning here.
    const old = { ...health, timestamp: new Date(Date.now() - 61_000).toISOString() };
    const board = dashboard.board;
    board.onHealth(old, Date.now()); // older than the one kept: ignored
    expect(board.statusOf('vehicle_06', Date.now())).toBe('online');
  });
});
