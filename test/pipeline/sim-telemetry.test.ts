// Simulated vehicles through Mosquitto and the collector into SQLite: every signal stored, odometers that only grow, and the simulator's bad fixes flagged by the collector (zero_fix, jump).
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { waitFor } from '../../harness/wait.js';
import { haversineM } from '../devices/drive/day.js';
import {
  expectExactlyOnce,
  inProcessCollector,
  inProcessFleet,
  storedSeqs,
  testConfig,
  waitForStored,
} from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(removeTempDirs);

const N = 300;
const RATE = 0.05;

interface Row {
  device_id: string;
  seq: number;
  speed: number;
  lat: number;
  lon: number;
  acc: number;
  ignition: number;
  odometer_km: number;
  fuel_pct: number;
  battery_v: number;
  coolant_c: number;
  rpm: number;
  pos_flag: number;
}

describe('simulated telemetry, stored', () => {
  it('3 vehicles x 300 readings: every signal stored; bad fixes at SIM_BAD_FIX_RATE flagged, good ones not', async () => {
    const dir = tempDir();
    const broker = new MosquittoProcess({ dir });
    await broker.start();
    const config = testConfig(dir, broker.port, {
      DEVICE_COUNT: '3',
      SIM_BAD_FIX_RATE: String(RATE),
    });
    const collector = inProcessCollector(config);
    const fleet = inProcessFleet(config, { limit: N });
    try {
      await collector.start();
      await collector.subscribed;
      await fleet.start();
      await waitForStored(config.store.sqlitePath, 3 * N);
      await waitFor(
        () => fleet.stats().queued,
        (q) => q === 0,
        { what: 'empty device queues' },
      );
    } finally {
      await fleet.stop();
      await collector.stop();
      await broker.stop();
    }
    expectExactlyOnce(storedSeqs(config.store.sqlitePath), {
      vehicle_01: { last: N - 1 },
      vehicle_02: { last: N - 1 },
      vehicle_03: { last: N - 1 },
    });
    const db = new Database(config.store.sqlitePath, { readonly: true });
    const rows = db
      .prepare(
        'SELECT device_id, seq, speed, lat, lon, acc, ignition, odometer_km, fuel_pct, battery_v, coolant_c, rpm, pos_flag FROM readings ORDER BY device_id, seq',
      )
      .all() as Row[];
    db.close();
    expect(rows).toHaveLength(3 * N);
    const center = config.sim.center;
    let zero = 0;
    let jumps = 0;
    for (const r of rows) {
      for (const k of [
        'speed',
        'lat',
        'lon',
        'acc',
        'odometer_km',
        'fuel_pct',
        'battery_v',
      ] as const) {
        expect(r[k], `${r.device_id} ${r.seq} ${k}`).not.toBeNull();
      }
      expect(r.ignition).toBe(1); // the first minutes of a run are driving
      if (r.lat === 0 && r.lon === 0) {
        zero += 1;
        expect(r.pos_flag).toBe(1); // zero_fix
      } else if (haversineM(r, center) > 10_000) {
        jumps += 1;
        expect(r.pos_flag).toBe(2); // jump
      } else {
        expect(r.pos_flag, `${r.device_id} ${r.seq}`).toBe(0);
      }
    }
    // 3 × 299 readings that may be bad (never a run's first): 5 % of them, within 4 sigma.
    const expected = 3 * (N - 1) * RATE;
    expect(Math.abs(zero + jumps - expected)).toBeLessThan(4 * Math.sqrt(expected));
    expect(zero).toBeGreaterThan(0);
    expect(jumps).toBeGreaterThan(0);
    for (const id of ['vehicle_01', 'vehicle_02', 'vehicle_03']) {
      const odo = rows.filter((r) => r.device_id === id).map((r) => r.odometer_km);
      expect(odo).toEqual([...odo].sort((a, b) => a - b));
    }
  });
});
