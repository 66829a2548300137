// Hostile text from devices (MQTT topics and payloads) never reaches the dashboard's REST answers or Socket.IO events.
import mqtt, { type MqttClient } from 'mqtt';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../core/store/sqlite-store.js';
import type { Dashboard } from '../../dashboard/dashboard.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { waitFor } from '../../harness/wait.js';
import { getJson, testDashboard } from '../dashboard/helpers.js';
import { testConfig } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

let broker: MosquittoProcess;
let dashboard: Dashboard;
let publisher: MqttClient;
let client: Socket;
let base: string;
/** Every Socket.IO event the page would receive, serialised. */
const received: string[] = [];

beforeAll(async () => {
  const dir = tempDir();
  broker = new MosquittoProcess({ dir });
  await broker.start();
  const config = testConfig(dir, broker.port);
  const store = new SqliteStore({ path: config.store.sqlitePath });
  await store.start();
  await store.stop();
  dashboard = testDashboard(config);
  await dashboard.start();
  await dashboard.subscribed;
  base = `http://127.0.0.1:${dashboard.port}`;
  publisher = await mqtt.connectAsync({
    host: '127.0.0.1',
    port: broker.port,
    clientId: 'hostile',
  });
  client = io(base, { transports: ['websocket'], forceNew: true });
  client.onAny((event: string, payload: unknown) =>
    received.push(`${event} ${JSON.stringify(payload)}`),
  );
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
});

afterAll(async () => {
  client?.close();
  await publisher?.endAsync();
  await dashboard?.stop();
  await broker?.stop();
  removeTempDirs();
});

const now = () => new Date().toISOString();
const LONG = 'a'.repeat(10_240);
/** Markers that must appear in no answer and no event. */
const MARKERS = [
  '<script',
  'onerror',
  'DROP TABLE',
  '=~',
  '\u0000',
  '\u202e',
  '０１',
  '🚗',
  LONG.slice(0, 100),
  'polluted',
];
const speed = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ device_id: id, seq: 0, timestamp: now(), speed: 10, ...extra });

/** [topic, payload]: every place a device can put text. */
const HOSTILE: Array<[string, string]> = [
  // The device id in the topic (the payload agrees with it).
  ...[
    '<script>alert(1)</script>',
    "'; DROP TABLE readings; --",
    "' OR device_id =~ /.*/",
    'vehicle_０１',
    'vehicle_\u202e01',
    'vehicle_🚗',
    LONG,
  ].map((id): [string, string] => [`vehicles/${id}/speed`, speed(id)]),
  // The device id in the payload only.
  ['vehicles/vehicle_50/speed', speed('<img src=x onerror=alert(1)>')],
  ['vehicles/vehicle_50/speed', speed('vehicle_50\u0000')],
  ['vehicles/vehicle_50/speed', speed(LONG)],
  // Other fields.
  [
    'vehicles/vehicle_50/speed',
    JSON.stringify({ device_id: 'vehicle_50', seq: 0, timestamp: '<script>', speed: 1 }),
  ],
  [
    'vehicles/vehicle_50/speed',
    JSON.stringify({
      device_id: 'vehicle_50',
      seq: '0; DROP TABLE readings',
      timestamp: now(),
      speed: 1,
    }),
  ],
  [
    'vehicles/vehicle_50/speed',
    JSON.stringify({ device_id: 'vehicle_50', seq: 0, timestamp: now(), speed: '<script>' }),
  ],
  [
    'vehicles/vehicle_50/speed',
    `{"device_id":"vehicle_50","seq":0,"timestamp":"${now()}","speed":1e999}`,
  ],
  [
    'vehicles/vehicle_50/speed',
    `{"device_id":"vehicle_50","seq":0,"timestamp":"${now()}","speed":1,"label":"${LONG}"}`,
  ],
  ['vehicles/vehicle_50/speed', '<script>alert(1)</script>'],
  ['vehicles/vehicle_50/speed', `"${LONG}"`],
  // Status messages.
  [
    'vehicles/<script>/status',
    JSON.stringify({ device_id: '<script>', status: 'online', timestamp: now() }),
  ],
  [
    'vehicles/vehicle_51/status',
    JSON.stringify({ device_id: 'vehicle_51', status: '<script>', timestamp: now() }),
  ],
  [
    'vehicles/vehicle_51/status',
    JSON.stringify({
      device_id: 'vehicle_51',
      status: 'online',
      timestamp: "'; DROP TABLE readings; --",
    }),
  ],
  [
    'vehicles/vehicle_51/status',
    JSON.stringify({ device_id: '🚗', status: 'online', timestamp: now() }),
  ],
  // Topics beyond the contract.
  ['vehicles/vehicle_52/speed/<script>', speed('vehicle_52')],
  ['vehicles/vehicle_52/<script>', speed('vehicle_52')],
];

/**
 * The dashboard subscribes to vehicles/+/speed and vehicles/+/status only: a topic with more levels
 * (a `/` in the id, a suffix) never reaches it at all.
 */
const subscribed = (topic: string) => /^vehicles\/[^/]+\/(speed|status)$/.test(topic);

describe('hostile device text', () => {
  it('is rejected and counted, and a reading with extra fields is forwarded with the four contract fields only', async () => {
    for (const [topic, payload] of HOSTILE)
      await publisher.publishAsync(topic, payload, { qos: 1 });
    // Extra fields, an own "__proto__" key and markup ride along a valid reading: all are dropped.
    const valid = { device_id: 'vehicle_53', seq: 1, timestamp: now(), speed: 42 };
    await publisher.publishAsync(
      'vehicles/vehicle_53/speed',
      `{"device_id":"vehicle_53","seq":1,"timestamp":"${valid.timestamp}","speed":42,"label":"<script>alert(1)</script>","__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}`,
      { qos: 1 },
    );
    const rejected = () => [...dashboard.live.rejected.values()].reduce((a, b) => a + b, 0);
    await waitFor(
      () => received.filter((e) => e.startsWith('reading ')),
      (r) => r.length === 1,
      {
        what: 'the valid reading',
      },
    );
    await waitFor(rejected, (n) => n === HOSTILE.filter(([t]) => subscribed(t)).length, {
      what: 'every hostile message counted',
    });
    expect(received.filter((e) => e.startsWith('reading '))).toEqual([
      `reading ${JSON.stringify(valid)}`,
    ]);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('appears in no REST answer and no Socket.IO event', async () => {
    await waitFor(
      () => received.filter((e) => e.startsWith('latest_data ')).at(-1) ?? '',
      (e) => e.includes('vehicle_53'),
      {
        what: 'a latest_data with vehicle_53',
      },
    );
    const status = await getJson(base, '/api/devices/status');
    expect(Object.keys(status.body as object)).toEqual(['vehicle_53']);
    const answers = [JSON.stringify(status.body), ...received];
    for (const marker of MARKERS) {
      expect(
        answers.filter((a) => a.includes(marker)),
        JSON.stringify(marker),
      ).toEqual([]);
    }
  });
});
