// The SQLite writer's latest values (one per signal, the newest by device time, ties to the later arrival) equal a reading-by-reading reference over batches with late, tied and partial readings.
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { Reading } from '../../../core/contract.js';
import { SqliteStore } from '../../../core/store/sqlite-store.js';
import type { TimedValue } from '../../../core/store/types.js';
import { rng as random } from '../../../harness/random.js';
import { removeTempDirs, tempDir } from '../../helpers/tmp.js';

afterAll(removeTempDirs);

const T0 = Date.UTC(2026, 10, 24, 10);
const SIGNALS = ['speed', 'fuel_pct', 'battery_v', 'ignition', 'rpm'] as const;

it('latest values equal the reading-by-reading reference (late, tied and partial readings)', async () => {
  const store = new SqliteStore({ path: join(tempDir('sqlite-latest-'), 'latest.db') });
  await store.start();
  try {
    const next = random(20);
    const devices = ['a', 'b', 'c'];
    const seqs = new Map(devices.map((d) => [d, 0]));
    const reference = new Map(devices.map((d) => [d, new Map<string, TimedValue>()]));
    for (let batch = 0; batch < 40; batch++) {
      const readings: Reading[] = [];
      for (let i = Math.floor(next() * 30); i >= 0; i--) {
        const device = devices[Math.floor(next() * devices.length)] as string;
        const seq = seqs.get(device) as number;
        seqs.set(device, seq + 1);
        // Times within 20 s in whole seconds: many ties, many readings older than the latest.
        const time = T0 + Math.floor(next() * 20) * 1000;
        const values: Reading['values'] = {};
        for (const s of SIGNALS) {
          if (next() < 0.5) continue;
          values[s] = s === 'ignition' ? next() < 0.5 : Math.round(next() * 1000) / 10;
        }
        if (Object.keys(values).length === 0) values.speed = seq;
        readings.push({ device_id: device, seq, timestamp: new Date(time).toISOString(), values });
      }
      await store.write(readings);
      for (const r of readings) {
        const latest = reference.get(r.device_id) as Map<string, TimedValue>;
        const time = Date.parse(r.timestamp);
        for (const [key, value] of Object.entries(r.values)) {
          const had = latest.get(key);
          if (!had || time >= had.time) latest.set(key, { value, time });
        }
      }
    }
    for (const d of devices) {
      const got = (await store.latest(d))?.signals ?? {};
      expect(got, d).toEqual(Object.fromEntries(reference.get(d) as Map<string, TimedValue>));
    }
  } finally {
    await store.stop();
  }
});
