// DEVICE_ALLOWLIST with the collector and the dashboard as separate processes (as their npm scripts run them), sharing nothing but the broker.
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeReading, speedTopic } from '../../core/contract.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { freePort, waitForPort } from '../../harness/ports.js';
import { ProgramProcess } from '../../harness/program.js';
import { waitFor } from '../../harness/wait.js';
import { storedSeqs } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const TOKEN = 'processes-test-token-0123456789';
const DEVICE = 'vehicle_07';
const collectorHost = tempDir('collector-host-');
const dashboardHost = tempDir('dashboard-host-');
const sqlitePath = join(collectorHost, 'telemetry.db');
const broker = new MosquittoProcess({ dir: tempDir('broker-') });
let collector: ProgramProcess;
let dashboard: ProgramProcess;
let device: MqttClient;
let base: string;
let nextSeq = 0;

async function publishNext(): Promise<number> {
  const seq = nextSeq++;
  const timestamp = new Date().toISOString();
  await device.publishAsync(
    speedTopic(DEVICE),
    encodeReading({ device_id: DEVICE, seq, timestamp, speed: 30 }),
    { qos: 1 },
  );
  return seq;
}

beforeAll(async () => {
  await broker.start();
  const common = {
    MQTT_BROKER_HOST: '127.0.0.1',
    MQTT_BROKER_PORT: String(broker.port),
    DEVICE_ALLOWLIST: 'true',
    // The dashboard reads the store file (it would be InfluxDB across hosts); the registry never
    // leaves the dashboard's own state file except as the retained snapshot.
    SQLITE_PATH: sqlitePath,
  };
  collector = ProgramProcess.fromNpmScript('collector', [], {
    ...common,
    COLLECTOR_STATE_PATH: join(collectorHost, 'collector-state.db'),
    DASHBOARD_STATE_PATH: join(collectorHost, 'unused-dashboard-state.db'),
    LOG_LEVEL: 'info',
  });
  const port = await freePort();
  dashboard = ProgramProcess.fromNpmScript('dashboard', [], {
    ...common,
    DASHBOARD_STATE_PATH: join(dashboardHost, 'dashboard-state.db'),
    COLLECTOR_STATE_PATH: join(dashboardHost, 'unused-collector-state.db'),
    DASHBOARD_HOST: '127.0.0.1',
    DASHBOARD_PORT: String(port),
    DASHBOARD_API_TOKEN: TOKEN,
    // Not a test of accounts: the open dashboard (reads open, DASHBOARD_API_TOKEN writes).
    AUTH_MODE: 'none',
  });
  collector.start();
  await waitFor(
    () => collector.stderr,
    (e) => e.includes('"msg":"subscribed"') || !collector.running,
    { timeoutMs: 30_000, what: 'collector subscribed' },
  );
  dashboard.start();
  await waitForPort(port, 60_000);
  base = `http://127.0.0.1:${port}`;
  await waitFor(
    () => collector.stderr,
    (e) => e.includes('"msg":"registry received"'),
    { timeoutMs: 30_000, what: "the dashboard's first snapshot at the collector" },
  );
  device = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, {
    clientId: DEVICE,
    clean: true,
  });
}, 120_000);

afterAll(async () => {
  await device?.endAsync();
  await dashboard?.kill('SIGTERM');
  await collector?.kill('SIGTERM');
  await broker.stop();
  removeTempDirs();
});

describe('collector and dashboard as separate processes', () => {
  it('an unregistered vehicle is rejected, then accepted once registered, with no restart', async () => {
    const pid = collector.pid;
    for (let i = 0; i < 5; i++) await publishNext();
    await waitFor(
      () => collector.stderr,
      (e) => e.includes('"reason":"unknown_device"'),
      { what: 'unknown_device in the collector log' },
    );
    expect(storedSeqs(sqlitePath).get(DEVICE)).toBeUndefined();

    const res = await fetch(`${base}/api/devices/${DEVICE}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Truck 7', speed_limit_kmh: 80 }),
    });
    expect(res.status).toBe(201);
    // Keep driving until the collector stores one: the change reached it through the broker.
    await waitFor(
      async () => {
        await publishNext();
        return storedSeqs(sqlitePath).get(DEVICE) ?? [];
      },
      (seqs) => seqs.length > 0,
      { intervalMs: 100, what: `${DEVICE} stored after registering` },
    );
    const last = await publishNext();
    const stored = await waitFor(
      () => storedSeqs(sqlitePath).get(DEVICE) ?? [],
      (s) => s.at(-1) === last,
      { what: 'the last reading stored' },
    );
    const firstStored = stored[0] ?? -1;
    expect(firstStored).toBeGreaterThanOrEqual(5);
    // From the first accepted reading on, every one: nothing judged with a stale registry after.
    expect(stored).toEqual(
      Array.from({ length: last - firstStored + 1 }, (_, i) => firstStored + i),
    );
    expect(collector.pid).toBe(pid);
    expect(collector.running).toBe(true);

    const listed = (await (await fetch(`${base}/api/devices`)).json()) as unknown[];
    expect(listed).toContainEqual(
      expect.objectContaining({ device_id: DEVICE, registered: true, name: 'Truck 7' }),
    );
  });
});
