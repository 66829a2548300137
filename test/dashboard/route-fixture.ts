// A dashboard over a real SQLite store holding known readings, a real Mosquitto and a fixed clock.

import type { ConfigOverrides } from '../../core/config.js';
import type { SpeedReading } from '../../core/contract.js';
import { readingOfSpeed } from '../../core/contract.js';
import { SqliteStore } from '../../core/store/sqlite-store.js';
import type { Dashboard } from '../../dashboard/dashboard.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { testConfig } from '../helpers/pipeline.js';
import { tempDir } from '../helpers/tmp.js';
import { type TestDashboardOptions, testDashboard } from './helpers.js';

export const BASE = Date.parse('2026-01-01T00:00:00.000Z');
export const NOW = BASE + 10 * 60_000;
export const iso = (ms: number) => new Date(ms).toISOString();
export const reading = (
  device_id: string,
  seq: number,
  at: number,
  speed: number,
): SpeedReading => ({
  device_id,
  seq,
  timestamp: iso(at),
  speed,
});
export const DAY = 86_400_000;

/** vehicle_01: one old reading, then two pairs 2 s apart; vehicle_02: one a second ago; vehicle_03: 24 h at 1 Hz. */
export const READINGS: SpeedReading[] = [
  reading('vehicle_01', 0, BASE + 60_000, 99),
  reading('vehicle_01', 1, BASE + 540_000, 10),
  reading('vehicle_01', 2, BASE + 541_000, 20),
  reading('vehicle_01', 3, BASE + 542_000, 30),
  reading('vehicle_01', 4, BASE + 543_500, 50),
  reading('vehicle_02', 7, NOW - 1000, 42.5),
  ...Array.from({ length: DAY / 1000 }, (_, i) =>
    reading('vehicle_03', i, NOW - DAY + 1000 + i * 1000, (i % 120) + 0.25),
  ),
];

export interface RouteFixture {
  broker: MosquittoProcess;
  dashboard: Dashboard;
  base: string;
  sqlitePath: string;
  /** The test's directory (the auth file and the first admin's password file are here). */
  dir: string;
  stop: () => Promise<void>;
}

/** The clock stands still at NOW, so statuses and default ranges are exact. */
export async function startRouteFixture(
  overrides: ConfigOverrides = {},
  options: TestDashboardOptions = {},
): Promise<RouteFixture> {
  const dir = tempDir();
  const broker = new MosquittoProcess({ dir });
  await broker.start();
  const config = testConfig(dir, broker.port, { OFFLINE_AFTER_S: '10', ...overrides });
  const seedStore = new SqliteStore({ path: config.store.sqlitePath, catalog: config.signals });
  await seedStore.start();
  await seedStore.write(READINGS.map(readingOfSpeed));
  await seedStore.stop();
  const dashboard = testDashboard(config, { now: () => NOW, ...options });
  await dashboard.start();
  await dashboard.subscribed;
  return {
    broker,
    dashboard,
    base: `http://127.0.0.1:${dashboard.port}`,
    sqlitePath: config.store.sqlitePath,
    dir,
    stop: async () => {
      await dashboard.stop();
      await broker.stop();
    },
  };
}
