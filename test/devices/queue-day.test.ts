// The default QUEUE_MAX holds one day of telemetry at the default rate; what that takes on disk (docs/delivery.md, "Queue limit").
import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { encodeTelemetry } from '../../core/contract.js';
import type { SignalValue } from '../../core/signals/catalog.js';
import { createVehicle } from '../../devices/create-device.js';
import { perDeviceQueueFile } from '../../devices/offline-queue.js';
import { createRandom } from '../../devices/rng.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

/** docs/delivery.md's figure for a full default queue (one vehicle, a day of readings at 1 Hz). */
const DOCUMENTED_MAX_MB = 30;

describe('QUEUE_MAX default', () => {
  it('is one day at PUBLISH_INTERVAL_MS; a full queue of driving telemetry stays within the documented size', () => {
    const config = loadConfig({});
    expect(config.devices.queueMax).toBe((24 * 3600 * 1000) / config.devices.intervalMs);
    // The worst case: a whole day of readings taken driving (the simulator's are 1 Hz only then).
    const vehicle = createVehicle(config, createRandom(1));
    const driving: Array<Record<string, SignalValue>> = [];
    for (let t = Date.parse('2026-12-07T06:00:00Z'); driving.length < 3600; t += 1000) {
      const values = vehicle.read(t);
      if (values?.ignition) driving.push(values);
    }
    const dir = tempDir();
    const file = perDeviceQueueFile(dir, 'vehicle_01').open();
    const queue = file.queue('vehicle_01', config.devices.queueMax);
    const start = Date.parse('2026-12-07T06:00:00Z');
    file.batch(() => {
      for (let i = 0; i < config.devices.queueMax; i++) {
        const timestamp = new Date(start + i * 1000).toISOString();
        const values = driving[i % driving.length] as Record<string, SignalValue>;
        queue.append((seq) => encodeTelemetry({ device_id: 'vehicle_01', seq, timestamp, values }));
      }
    });
    expect(queue.size).toBe(config.devices.queueMax);
    expect(queue.dropped).toBe(0);
    queue.close();
    const path = join(dir, 'vehicle_01.db');
    const db = new Database(path);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const mb = statSync(path).size / 1e6;
    expect(mb).toBeLessThan(DOCUMENTED_MAX_MB);
    expect(mb).toBeGreaterThan(DOCUMENTED_MAX_MB / 3); // the figure is not stale the other way
    removeTempDirs();
  });
});
