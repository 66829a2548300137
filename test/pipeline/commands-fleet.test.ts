// Commands to vehicles of `npm run devices` (shared fleet.db layout), with the collector storing readings: set_speed_limit visible in the store, before and after a restart.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Collector } from '../../collector/collector.js';
import type { Config } from '../../core/config.js';
import type { Dashboard } from '../../dashboard/dashboard.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { ProgramProcess } from '../../harness/program.js';
import { waitFor } from '../../harness/wait.js';
import { testDashboard } from '../dashboard/helpers.js';
import { sendCommand, TOKEN, waitForStatus } from '../helpers/commands.js';
import { startedCollector, testConfig } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const LIMIT = 10;

let broker: MosquittoProcess;
let config: Config;
let collector: Collector;
let dashboard: Dashboard;
let base: string;
let fleet: ProgramProcess | undefined;

beforeAll(async () => {
  const dir = tempDir('commands-fleet-');
  broker = new MosquittoProcess({ dir });
  await broker.start();
  config = testConfig(dir, broker.port, { DASHBOARD_API_TOKEN: TOKEN, ACK_INTERVAL_MS: '100' });
  collector = await startedCollector(config);
  dashboard = testDashboard(config, { clientId: 'dashboard-fleet-test' });
  await dashboard.start();
  await Promise.all([dashboard.subscribed, dashboard.commands.subscribed]);
  base = `http://127.0.0.1:${dashboard.port}`;
});

afterAll(async () => {
  await fleet?.kill('SIGKILL');
  await dashboard?.stop();
  await collector?.stop();
  await broker?.stop();
  removeTempDirs();
});

/** `npm run devices -- --count 3` with every queue in one fleet.db. */
async function startFleet(): Promise<ProgramProcess> {
  const p = ProgramProcess.fromNpmScript('devices', ['--count', '3', '--quiet'], {
    MQTT_BROKER_HOST: '127.0.0.1',
    MQTT_BROKER_PORT: String(broker.port),
    MQTT_RECONNECT_MAX_MS: '500',
    QUEUE_DIR: config.devices.queueDir,
    QUEUE_LAYOUT: 'shared',
    PUBLISH_INTERVAL_MS: '50',
    SEED: '1',
  });
  p.start();
  fleet = p;
  for (const id of ['vehicle_01', 'vehicle_02', 'vehicle_03']) {
    await waitFor(
      () => dashboard.board.statusOf(id, Date.now()),
      (s) => s === 'online',
      { what: `${id} online` },
    );
  }
  return p;
}

/** Stored speeds of a vehicle measured after `after` (ms). */
function storedSince(deviceId: string, after: number, before = Number.POSITIVE_INFINITY): number[] {
  const db = new Database(config.store.sqlitePath, { readonly: true });
  try {
    return (
      db
        .prepare(
          'SELECT speed FROM readings WHERE device_id = ? AND ts > ? AND ts < ? ORDER BY seq',
        )
        .all(deviceId, after, Math.min(before, Number.MAX_SAFE_INTEGER)) as Array<{ speed: number }>
    ).map((r) => r.speed);
  } finally {
    db.close();
  }
}

const fleetDb = () => join(config.devices.queueDir, 'fleet.db');

describe('commands to a fleet process (shared queue file)', () => {
  it('set_speed_limit: every stored speed measured after the result is at or below it, also after a restart', async () => {
    let p = await startFleet();
    // A run starts with the engine idling a few seconds before the vehicle drives off: wait
    // until it has driven faster than the limit, so the limit visibly changes something.
    await waitFor(
      () => storedSince('vehicle_02', 0),
      (s) => s.length >= 20 && Math.max(...s) > LIMIT,
      { timeoutMs: 60_000, what: 'vehicle_02 faster than the limit' },
    );
    const sentAt = Date.now();
    const limit = await sendCommand(base, 'vehicle_02', {
      name: 'set_speed_limit',
      params: { speed_kmh: LIMIT },
    });
    const interval = await sendCommand(base, 'vehicle_03', {
      name: 'set_interval',
      params: { interval_ms: 200 },
    });
    const answered = Date.parse((await waitForStatus(base, limit, ['succeeded'])).updated_at);
    await waitForStatus(base, interval, ['succeeded']);
    const after = await waitFor(
      () => storedSince('vehicle_02', answered),
      (s) => s.length >= 40,
    );
    expect(Math.max(...after)).toBeLessThanOrEqual(LIMIT);
    // Before it, the vehicle drove faster; the others still do (once past any red light).
    expect(Math.max(...storedSince('vehicle_02', 0, sentAt))).toBeGreaterThan(LIMIT);
    await waitFor(
      () => storedSince('vehicle_01', answered),
      (s) => Math.max(...s) > LIMIT,
      { timeoutMs: 60_000, what: 'vehicle_01 faster than the limit' },
    );

    // Killed and restarted: the limit comes back from fleet.db with the vehicle.
    await p.kill('SIGKILL');
    const restarted = Date.now();
    p = await startFleet();
    const later = await waitFor(
      () => storedSince('vehicle_02', restarted),
      (s) => s.length >= 40,
    );
    expect(Math.max(...later)).toBeLessThanOrEqual(LIMIT);

    const db = new Database(fleetDb(), { readonly: true });
    try {
      expect(
        db
          .prepare(
            'SELECT device_id, interval_ms, speed_limit_kmh FROM settings ORDER BY device_id',
          )
          .all(),
      ).toEqual([
        { device_id: 'vehicle_02', interval_ms: null, speed_limit_kmh: LIMIT },
        { device_id: 'vehicle_03', interval_ms: 200, speed_limit_kmh: null },
      ]);
      expect(
        db.prepare('SELECT device_id, command_id FROM commands ORDER BY device_id').all(),
      ).toEqual([
        { device_id: 'vehicle_02', command_id: limit },
        { device_id: 'vehicle_03', command_id: interval },
      ]);
    } finally {
      db.close();
    }

    // Lifted: the vehicle may drive faster again.
    const lifted = await sendCommand(base, 'vehicle_02', {
      name: 'set_speed_limit',
      params: { speed_kmh: null },
    });
    expect((await waitForStatus(base, lifted, ['succeeded'])).result).toEqual({ speed_kmh: null });
    await p.kill('SIGTERM');
  });
});
