// (5) Each bad-input class is rejected and counted while valid traffic continues, and none is stored.
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { waitFor } from '../../harness/wait.js';
import {
  expectExactlyOnce,
  inProcessFleet,
  startedCollector,
  storedSeqs,
  testConfig,
  waitForStored,
} from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(removeTempDirs);

const now = () => new Date().toISOString();
const valid = (seq: number) => ({ device_id: 'vehicle_01', seq, timestamp: now(), speed: 50 });

/** [topic, payload, expected reason]; seq 900000+ marks readings that must never be stored. */
function hostileMessages(): Array<[string, string | Buffer, string]> {
  const speed = 'vehicles/vehicle_01/speed';
  return [
    [speed, Buffer.alloc(1024 * 1024, 'x'), 'too_large'],
    [speed, JSON.stringify({ ...valid(900_001), pad: 'y'.repeat(4100) }), 'too_large'],
    [speed, '{"device_id":"vehicle_01","seq":', 'invalid_json'],
    [speed, 'NaN', 'invalid_json'],
    [speed, '{"device_id":"vehicle_01","seq":900002,"timestamp":"x","speed":NaN}', 'invalid_json'],
    [speed, JSON.stringify({ ...valid(900_003), speed: '50' }), 'invalid_fields'],
    [speed, JSON.stringify({ ...valid(900_004), seq: 2 ** 70 }), 'invalid_fields'],
    [speed, JSON.stringify({ ...valid(900_005), seq: -3 }), 'invalid_fields'],
    [speed, JSON.stringify({ device_id: 'vehicle_01', seq: 900_006 }), 'invalid_fields'],
    [speed, JSON.stringify(['vehicle_01', 900_007]), 'invalid_fields'],
    [
      speed,
      '{"device_id":"vehicle_01","seq":900008,"timestamp":"2026-01-01T00:00:00Z","speed":1e999}',
      'non_finite',
    ],
    [speed, JSON.stringify({ ...valid(900_009), speed: 301 }), 'out_of_range'],
    [speed, JSON.stringify({ ...valid(900_010), device_id: 'vehicle_02' }), 'device_mismatch'],
    [
      speed,
      JSON.stringify({
        ...valid(900_011),
        timestamp: new Date(Date.now() + 3_600_000).toISOString(),
      }),
      'future_timestamp',
    ],
    [
      'vehicles/<script>alert(1)<\\script>/speed',
      JSON.stringify(valid(900_012)),
      'invalid_device_id',
    ],
    [
      'vehicles/vehicle_01/status',
      '{"device_id":"vehicle_01","status":"hacked"}',
      'invalid_fields',
    ],
    ['vehicles/vehicle_01/temperature', JSON.stringify(valid(900_013)), 'unknown_topic'],
    ['vehicles/vehicle_01/speed/extra', JSON.stringify(valid(900_014)), 'unknown_topic'],
    ['vehicles', JSON.stringify(valid(900_015)), 'unknown_topic'],
    [
      'vehicles/vehicle_01/dropped',
      JSON.stringify({ device_id: 'vehicle_01', from: 5, to: 1, timestamp: now() }),
      'invalid_fields',
    ],
  ];
}

describe('bad input', () => {
  it('(5) rejects and counts each class by reason while 3 devices keep flowing', async () => {
    const dir = tempDir();
    const broker = new MosquittoProcess({ dir });
    await broker.start();
    const config = testConfig(dir, broker.port, { DEVICE_COUNT: '3' });
    const collector = await startedCollector(config);
    const limit = 150;
    const fleet = inProcessFleet(config, { limit });
    const attacker = await mqtt.connectAsync({
      host: '127.0.0.1',
      port: broker.port,
      clientId: 'attacker',
    });
    const messages = hostileMessages();
    const expectedCounts: Record<string, number> = {};
    try {
      await fleet.start();
      for (let round = 0; round < 5; round++) {
        for (const [topic, payload, reason] of messages) {
          await attacker.publishAsync(topic, payload, { qos: 1 });
          expectedCounts[reason] = (expectedCounts[reason] ?? 0) + 1;
        }
      }
      await waitForStored(config.store.sqlitePath, 3 * limit);
      const total = Object.values(expectedCounts).reduce((a, b) => a + b, 0);
      await waitFor(
        () => collector.stats().rejectedTotal,
        (n) => n >= total,
        { what: 'all rejects counted' },
      );
      const stats = collector.stats();
      for (const [reason, n] of Object.entries(expectedCounts)) {
        expect(stats.rejected[reason as keyof typeof stats.rejected], reason).toBe(n);
      }
      expect(stats.rejectedTotal).toBe(total);
    } finally {
      await attacker.endAsync();
      await fleet.stop();
      await collector.stop();
      await broker.stop();
    }
    // Valid traffic complete and exactly once; nothing hostile stored (no seq >= 900000, no odd device).
    const expected = Object.fromEntries(fleet.devices.map((d) => [d.id, { last: limit - 1 }]));
    expectExactlyOnce(storedSeqs(config.store.sqlitePath), expected);
  });
});
