// A simulated vehicle on a real Mosquitto publishes its readings as telemetry: every signal of the catalog, one seq sequence, through its on-disk queue.
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  TELEMETRY_SUBSCRIPTION,
  type TelemetryPayload,
  telemetryTopic,
} from '../../core/contract.js';
import { silentLogger } from '../../core/log.js';
import { createDevice } from '../../devices/create-device.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { waitFor } from '../../harness/wait.js';
import { testConfig } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

let broker: MosquittoProcess;

beforeAll(async () => {
  broker = new MosquittoProcess({ dir: tempDir() });
  await broker.start();
});

afterAll(async () => {
  await broker?.stop();
  removeTempDirs();
});

describe('telemetry from a simulated vehicle', () => {
  it('publishes each reading on vehicles/{id}/telemetry at QoS 1 with position and vehicle signals', async () => {
    const watcher = await mqtt.connectAsync({ host: '127.0.0.1', port: broker.port });
    const got: Array<{ topic: string; qos: number; payload: TelemetryPayload }> = [];
    watcher.on('message', (topic, payload, packet) => {
      got.push({ topic, qos: packet.qos, payload: JSON.parse(payload.toString()) });
    });
    await watcher.subscribeAsync(TELEMETRY_SUBSCRIPTION, { qos: 1 });
    const config = testConfig(tempDir(), broker.port, { ACK_MODE: 'broker', SEED: '5' });
    const device = createDevice(config, 'vehicle_07', silentLogger());
    await device.start();
    try {
      await waitFor(
        () => got.length,
        (n) => n >= 30,
        { what: '30 telemetry messages' },
      );
    } finally {
      await device.stop();
      await watcher.endAsync();
    }
    const first = got.slice(0, 30);
    expect(new Set(first.map((m) => m.topic))).toEqual(new Set([telemetryTopic('vehicle_07')]));
    expect(new Set(first.map((m) => m.qos))).toEqual(new Set([1]));
    expect(first.map((m) => m.payload.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    for (const { payload } of first) {
      // Every built-in signal but battery_pct (a phone's or tracker's own battery).
      expect(Object.keys(payload).sort()).toEqual(
        [
          'device_id',
          'seq',
          'timestamp',
          'speed',
          'position',
          'ignition',
          'odometer_km',
          'fuel_pct',
          'battery_v',
          'coolant_c',
          'rpm',
        ].sort(),
      );
      expect(Object.keys(payload.position ?? {})).toEqual(['lat', 'lon', 'alt', 'acc', 'heading']);
      expect(payload.device_id).toBe('vehicle_07');
      // A run starts with the engine on, about to drive off, in Berlin (the default SIM_CENTER).
      expect(payload.ignition).toBe(true);
      expect(payload.position?.lat).toBeCloseTo(52.52, 1);
      expect(payload.position?.lon).toBeCloseTo(13.405, 1);
      expect(Date.parse(payload.timestamp)).toBeLessThanOrEqual(Date.now());
    }
  });
});
