// Device health on a real Mosquitto: retained at every connect and every HEALTH_INTERVAL_S, counts reconnects, from one vehicle and from a fleet process.
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEALTH_SUBSCRIPTION, type HealthMessage } from '../../core/contract.js';
import { silentLogger } from '../../core/log.js';
import { BUILTIN_CATALOG } from '../../core/signals/catalog.js';
import { validateMessage } from '../../core/validate.js';
import { packageVersion } from '../../dashboard/create-dashboard.js';
import { createDevice } from '../../devices/create-device.js';
import type { Device } from '../../devices/device.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { ProgramProcess } from '../../harness/program.js';
import { waitFor } from '../../harness/wait.js';
import { testConfig } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

let broker: MosquittoProcess;
let watcher: MqttClient;
const seen: Array<{ health: HealthMessage; retained: boolean; at: number }> = [];

beforeAll(async () => {
  broker = new MosquittoProcess({ dir: tempDir() });
  await broker.start();
});

afterAll(async () => {
  await watcher?.endAsync(true);
  await broker?.stop();
  removeTempDirs();
});

async function watch(): Promise<MqttClient> {
  const client = await mqtt.connectAsync({
    host: '127.0.0.1',
    port: broker.port,
    reconnectPeriod: 200,
  });
  client.on('message', (topic, payload, packet) => {
    const v = validateMessage(topic, payload, Date.now(), BUILTIN_CATALOG);
    if (!v.ok || v.kind !== 'health') throw new Error(`not a valid health message on ${topic}`);
    seen.push({ health: v.health, retained: packet.retain, at: Date.now() });
  });
  await client.subscribeAsync(HEALTH_SUBSCRIPTION, { qos: 1 });
  return client;
}

const of = (id: string) => seen.filter((s) => s.health.device_id === id);

describe('health messages', () => {
  it('one vehicle: at connect and every interval, valid, with its queue, drops, reconnects and firmware', async () => {
    watcher = await watch();
    const dir = tempDir();
    const config = testConfig(dir, broker.port, {
      HEALTH_INTERVAL_S: '0.3',
      PUBLISH_INTERVAL_MS: '100',
    });
    const device: Device = createDevice(config, 'vehicle_01', silentLogger());
    await device.start();
    try {
      await waitFor(
        () => of('vehicle_01').length,
        (n) => n >= 4,
        { what: 'four health messages' },
      );
      const list = of('vehicle_01').map((s) => s.health);
      expect(list[0]).toMatchObject({
        reconnects: 0,
        dropped_total: 0,
        firmware: `sim-${packageVersion()}`,
      });
      const uptimes = list.map((h) => h.uptime_s);
      expect(uptimes).toEqual([...uptimes].sort((a, b) => a - b));
      expect(uptimes.at(-1)).toBeGreaterThan(0.5);
      for (const h of list) expect(h.queue_depth).toBeGreaterThanOrEqual(0);
      // About every 0.3 s once running (timing is loose: only that it is periodic at all).
      const gaps = of('vehicle_01')
        .slice(1)
        .map((s, i) => s.at - (of('vehicle_01')[i]?.at ?? 0));
      expect(Math.max(...gaps.slice(1))).toBeLessThan(2000);

      // The broker restarts: the device reconnects and says so in its next health.
      await broker.restart();
      await waitFor(
        () => of('vehicle_01').at(-1)?.health.reconnects,
        (r) => r === 1,
        {
          what: 'reconnects 1',
          timeoutMs: 15_000,
        },
      );
      // A late subscriber gets the latest at once: it is retained.
      const late = await mqtt.connectAsync({ host: '127.0.0.1', port: broker.port });
      const first = new Promise<{ retain: boolean; health: HealthMessage }>((resolve) =>
        late.once('message', (_t, payload, packet) =>
          resolve({
            retain: packet.retain,
            health: JSON.parse(payload.toString()) as HealthMessage,
          }),
        ),
      );
      await late.subscribeAsync('vehicles/vehicle_01/health', { qos: 1 });
      expect(await first).toMatchObject({ retain: true, health: { device_id: 'vehicle_01' } });
      await late.endAsync(true);
    } finally {
      await device.stop();
    }
  });

  it('npm run devices (a fleet on one shared queue file and timer) reports health for every vehicle', async () => {
    const dir = tempDir();
    const fleet = ProgramProcess.fromNpmScript(
      'devices',
      ['--count', '3', '--interval', '200', '--quiet'],
      {
        MQTT_BROKER_HOST: '127.0.0.1',
        MQTT_BROKER_PORT: String(broker.port),
        QUEUE_DIR: `${dir}/queues`,
        QUEUE_LAYOUT: 'shared',
        HEALTH_INTERVAL_S: '0.5',
        ACK_MODE: 'broker',
      },
    );
    fleet.start();
    try {
      await waitFor(
        () =>
          ['vehicle_01', 'vehicle_02', 'vehicle_03'].map(
            (id) => of(id).filter((s) => !s.retained).length,
          ),
        (counts) => counts.every((n) => n >= 3),
        { what: 'three health messages from each vehicle', timeoutMs: 20_000 },
      );
    } finally {
      await fleet.kill('SIGTERM');
    }
  });
});
