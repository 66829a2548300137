// DEVICE_ALLOWLIST on a real Mosquitto with the collector and the dashboard in process: held until the registry is known, unknown_device, changes without a restart.
import { Writable } from 'node:stream';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collector } from '../../collector/collector.js';
import { collectorOptions } from '../../collector/create-collector.js';
import type { Config } from '../../core/config.js';
import { encodeReading, speedTopic } from '../../core/contract.js';
import { MqttSession } from '../../core/mqtt-session.js';
import { SqliteStore } from '../../core/store/sqlite-store.js';
import type { Dashboard } from '../../dashboard/dashboard.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { waitFor } from '../../harness/wait.js';
import { SqliteRegistryStore } from '../../registry/sqlite-registry-store.js';
import { getJson, testDashboard } from '../dashboard/helpers.js';
import { storedSeqs, testConfig } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const TOKEN = 'allowlist-test-token-0123456789';
const dir = tempDir('allowlist-');
const broker = new MosquittoProcess({ dir });
let config: Config;
let publisher: MqttClient;
const logLines: string[] = [];

/** The collector as the program builds it, with a fast "still waiting" warning and a log we read. */
function collector(): Collector {
  const sink = new Writable({
    write(chunk, _enc, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const log = pino({ level: 'info' }, sink);
  return new Collector(
    {
      store: new SqliteStore({ path: config.store.sqlitePath }),
      session: new MqttSession({
        mqtt: config.mqtt,
        clientId: config.collectorClientId,
        clean: false,
        log,
      }),
      log,
      now: Date.now,
    },
    { ...collectorOptions(config), registryWarnMs: 100 },
  );
}

let seqOf = new Map<string, number>();
async function publish(deviceId: string, count: number): Promise<number[]> {
  const seqs: number[] = [];
  for (let i = 0; i < count; i++) {
    const seq = seqOf.get(deviceId) ?? 0;
    seqOf.set(deviceId, seq + 1);
    seqs.push(seq);
    const timestamp = new Date().toISOString();
    await publisher.publishAsync(
      speedTopic(deviceId),
      encodeReading({ device_id: deviceId, seq, timestamp, speed: 50 }),
      { qos: 1 },
    );
  }
  return seqs;
}

const put = (base: string, id: string, body: unknown) =>
  fetch(`${base}/api/devices/${id}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

beforeAll(async () => {
  await broker.start();
  config = testConfig(dir, broker.port, {
    DEVICE_ALLOWLIST: 'true',
    DASHBOARD_API_TOKEN: TOKEN,
  });
  publisher = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, {
    clientId: 'allowlist-publisher',
    clean: true,
  });
  seqOf = new Map();
});

afterAll(async () => {
  await publisher?.endAsync();
  await broker.stop();
  removeTempDirs();
});

describe('DEVICE_ALLOWLIST=true, collector and dashboard on one broker', () => {
  let first: Collector;
  let dashboard: Dashboard;
  let base: string;

  afterAll(async () => {
    await dashboard?.stop();
    await first?.stop();
  });

  it('holds every reading until the registry is known, then judges each by it', async () => {
    // vehicle_01 is registered while no dashboard runs: only its state file knows.
    const registry = new SqliteRegistryStore(config.dashboard.statePath);
    await registry.start();
    await registry.put('vehicle_01', { name: 'Van 1', speed_limit_kmh: 90 });
    await registry.stop();

    first = collector();
    await first.start();
    await first.subscribed;
    await publish('vehicle_01', 5);
    await publish('vehicle_02', 5);
    await waitFor(
      () => first.stats().registry.held,
      (n) => n === 10,
      { what: '10 held messages' },
    );
    await waitFor(
      () => logLines.join(''),
      (l) => l.includes('still no registry snapshot'),
      { what: 'the waiting warning' },
    );
    expect(first.stats()).toMatchObject({ stored: 0, rejectedTotal: 0 });
    expect(storedSeqs(config.store.sqlitePath).size).toBe(0);

    dashboard = testDashboard(config);
    await dashboard.start();
    base = `http://127.0.0.1:${dashboard.port}`;
    await waitFor(
      () => first.stats(),
      (s) => s.stored === 5 && s.rejected.unknown_device === 5,
      { what: 'the held readings judged' },
    );
    expect(first.registry.lookup('vehicle_01')).toMatchObject({
      name: 'Van 1',
      speed_limit_kmh: 90,
    });
    expect(first.stats().registry).toEqual({ devices: 1, received: true, held: 0 });
    expect(storedSeqs(config.store.sqlitePath)).toEqual(new Map([['vehicle_01', [0, 1, 2, 3, 4]]]));
  });

  it('registering a vehicle lets its next readings in, without a restart', async () => {
    const res = await put(base, 'vehicle_02', { plate: 'AB-123' });
    expect(res.status).toBe(201);
    await waitFor(
      () => first.registry.lookup('vehicle_02'),
      (e) => e !== undefined,
      { what: 'vehicle_02 in the collector registry' },
    );
    const seqs = await publish('vehicle_02', 3);
    await waitFor(
      () => storedSeqs(config.store.sqlitePath).get('vehicle_02') ?? [],
      (s) => s.length === 3,
      { what: 'vehicle_02 stored' },
    );
    expect(storedSeqs(config.store.sqlitePath).get('vehicle_02')).toEqual(seqs);
    expect(first.stats().rejected.unknown_device).toBe(5);
    // GET /api/devices: both registered now, with what the dashboard saw live.
    const devices = (await getJson(base, '/api/devices')).body as Array<Record<string, unknown>>;
    expect(devices.map((d) => [d.device_id, d.registered, d.plate])).toEqual([
      ['vehicle_01', true, null],
      ['vehicle_02', true, 'AB-123'],
    ]);
  });

  it('unregistering shuts a vehicle out again; readings already stored stay', async () => {
    const res = await fetch(`${base}/api/devices/vehicle_01`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(204);
    await waitFor(
      () => first.registry.lookup('vehicle_01'),
      (e) => e === undefined,
      { what: 'vehicle_01 gone from the collector registry' },
    );
    await publish('vehicle_01', 2);
    await waitFor(
      () => first.stats().rejected.unknown_device,
      (n) => n === 7,
      { what: 'two more unknown_device' },
    );
    expect(storedSeqs(config.store.sqlitePath).get('vehicle_01')).toEqual([0, 1, 2, 3, 4]);
    expect(((await getJson(base, '/api/devices')).body as unknown[])[0]).toMatchObject({
      device_id: 'vehicle_01',
      registered: false,
    });
  });

  it('rejected readings were acknowledged: a restarted collector gets none of them again', async () => {
    await first.stop();
    const second = collector();
    await second.start();
    try {
      await second.subscribed;
      await waitFor(
        () => second.stats().registry.received,
        (r) => r,
        { what: 'the retained registry' },
      );
      expect(second.registry.lookup('vehicle_02')).toMatchObject({ plate: 'AB-123' });
      await publish('vehicle_02', 1);
      await waitFor(
        () => second.stats().stored,
        (n) => n === 1,
        { what: 'the new reading' },
      );
      expect(second.stats()).toMatchObject({ stored: 1, rejectedTotal: 0, duplicates: 0 });
    } finally {
      await second.stop();
    }
  });
});
