// The real compositions on a secured embedded broker: per-user logins from MQTT_CREDENTIALS_FILE, e2e acks under the ACL, hostile text from a logged-in device.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Collector } from '../../collector/collector.js';
import { collectorOptions, createCollector } from '../../collector/create-collector.js';
import type { Config } from '../../core/config.js';
import { silentLogger } from '../../core/log.js';
import { DASHBOARD_USER } from '../../core/mqtt-credentials.js';
import { MqttSession } from '../../core/mqtt-session.js';
import { npmCommand } from '../../harness/program.js';
import { sleep, waitFor } from '../../harness/wait.js';
import {
  expectExactlyOnce,
  inProcessFleet,
  storedSeqs,
  testConfig,
  waitForStored,
} from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import {
  awaitLine,
  connect,
  makeUsers,
  type RunningBroker,
  record,
  securedAedes,
  type Users,
} from './mqtt-helpers.js';

afterAll(removeTempDirs);

const READINGS = 20;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('collector, devices and a dashboard session on the secured embedded broker', () => {
  let dir: string;
  let users: Users;
  let broker: RunningBroker;
  let config: Config;
  let collector: Collector;

  beforeAll(async () => {
    dir = tempDir('mqtt-pipeline-');
    users = await makeUsers(dir, 2);
    broker = await securedAedes(users);
    // Every session logs in as its own user from the JSON file; no MQTT_USERNAME anywhere.
    config = testConfig(dir, broker.port, {
      MQTT_CREDENTIALS_FILE: users.credentialsFile,
      DEVICE_COUNT: '2',
    });
    collector = createCollector(config, silentLogger());
    await collector.start();
    await collector.subscribed;
  });

  afterAll(async () => {
    await collector?.stop();
    await broker?.stop();
  });

  it('stores every reading once; e2e acks and statuses flow under the ACL', async () => {
    expect(collectorOptions(config).endToEndAcks).toBe(true);
    const dashboard = new MqttSession({
      mqtt: config.mqtt,
      clientId: 'dashboard-0badc0de',
      user: DASHBOARD_USER,
      clean: true,
      log: silentLogger(),
    });
    const live: string[] = [];
    const client = dashboard.create();
    client.on('message', (topic) => live.push(topic));
    const subscribed = new Promise<number[]>((resolve) =>
      client.on('connect', () =>
        client.subscribe(['vehicles/+/telemetry', 'vehicles/+/status'], { qos: 0 }, (_e, granted) =>
          resolve((granted ?? []).map((g) => g.qos)),
        ),
      ),
    );
    dashboard.start();
    expect(await subscribed).toEqual([0, 0]);

    const fleet = inProcessFleet(config, { limit: READINGS });
    await fleet.start();
    try {
      await waitForStored(config.store.sqlitePath, 2 * READINGS);
      await waitFor(
        () => fleet.stats(),
        (s) => s.queued === 0 && s.confirmed === 2 * READINGS,
        { what: 'every reading confirmed by an e2e ack' },
      );
      expectExactlyOnce(storedSeqs(config.store.sqlitePath), {
        vehicle_01: { last: READINGS - 1 },
        vehicle_02: { last: READINGS - 1 },
      });
      const c = collector.stats();
      expect(c.rejectedTotal).toBe(0);
      expect(c.acksSent).toBeGreaterThan(0);
      expect(c.devices.vehicle_01?.status).toBe('online');
      // Vehicles publish telemetry (position and signals), which the dashboard may read.
      for (const topic of ['vehicles/vehicle_01/telemetry', 'vehicles/vehicle_02/status']) {
        expect(live).toContain(topic);
      }
    } finally {
      await fleet.stop();
      await dashboard.stop();
    }
  });

  it('a logged-in device sending hostile text in its payloads is rejected and counted; the collector keeps storing', async () => {
    const before = collector.stats();
    const device = await connect(broker.port, {
      username: 'vehicle_01',
      password: users.password('vehicle_01'),
      clientId: 'vehicle_01',
    });
    const observer = await connect(broker.port, {
      username: 'dashboard',
      password: users.password('dashboard'),
    });
    const seen = record(observer);
    await observer.subscribeAsync('vehicles/+/speed', { qos: 0 });
    const now = new Date().toISOString();
    const hostileIds = [
      '<script>alert(1)</script>',
      '"\'; DROP TABLE readings; --',
      'x'.repeat(5000),
    ];
    const speed = 'vehicles/vehicle_01/speed';
    for (const id of hostileIds) {
      const payload = JSON.stringify({ device_id: id, seq: 900_000, timestamp: now, speed: 1 });
      await device.publishAsync(speed, payload, { qos: 1 });
      await device.publishAsync(
        'vehicles/vehicle_01/status',
        JSON.stringify({ device_id: id, status: 'online', timestamp: now }),
        { qos: 1 },
      );
    }
    await device.publishAsync(
      speed,
      '{"device_id":"vehicle_01","seq":"<img src=x onerror=alert(1)>"}',
      { qos: 1 },
    );
    const good = { device_id: 'vehicle_01', seq: READINGS, timestamp: now, speed: 42 };
    await device.publishAsync(speed, JSON.stringify(good), { qos: 1 });
    await awaitLine(seen, speed);
    await waitFor(
      () => collector.stats().stored,
      (n) => n >= before.stored + 1,
      { what: 'the good reading stored' },
    );
    const after = collector.stats();
    expect(after.rejectedTotal - before.rejectedTotal).toBe(2 * hostileIds.length + 1);
    const delta = (reason: keyof typeof after.rejected) =>
      (after.rejected[reason] ?? 0) - (before.rejected[reason] ?? 0);
    // Ids off the contract's pattern fail field validation; the 5,000-char one the size limit.
    expect(delta('invalid_fields')).toBe(5);
    expect(delta('too_large')).toBe(2);
    expect(storedSeqs(config.store.sqlitePath).get('vehicle_01')?.at(-1)).toBe(READINGS);
    expect([...storedSeqs(config.store.sqlitePath).keys()].sort()).toEqual([
      'vehicle_01',
      'vehicle_02',
    ]);
    await device.endAsync();
    await observer.endAsync();
  });

  it('a session whose password the broker refuses warns once (user named, password not), and keeps retrying', async () => {
    const wrong = join(dir, 'wrong.json');
    writeFileSync(wrong, JSON.stringify({ vehicle_02: `${users.password('vehicle_02')}x` }));
    const lines: string[] = [];
    const log = pino(
      { level: 'warn' },
      new Writable({
        write(chunk, _enc, done) {
          lines.push(chunk.toString());
          done();
        },
      }),
    );
    const session = new MqttSession({
      mqtt: testConfig(dir, broker.port, {
        MQTT_CREDENTIALS_FILE: wrong,
        MQTT_RECONNECT_MAX_MS: '100',
      }).mqtt,
      clientId: 'vehicle_02',
      clean: true,
      log,
    });
    session.start();
    try {
      await waitFor(
        () => lines.length,
        (n) => n >= 1,
        { what: 'a warning' },
      );
      await sleep(500);
      expect(session.connected).toBe(false);
      expect(lines).toHaveLength(1);
      const warning = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
      expect(warning).toMatchObject({ username: 'vehicle_02', clientId: 'vehicle_02' });
      expect(String(warning.err)).toMatch(/Not authorized/i);
      expect(lines[0]).not.toContain(users.password('vehicle_02'));
    } finally {
      await session.stop();
    }
  });

  it('`npm run device` refuses hostile device ids with exit code 2, before any connection', async () => {
    const hostile = ['<script>alert(1)</script>', '"quoted\'', 'x'.repeat(5000), 'a/b', '+', '#'];
    const runs = await Promise.all(
      hostile.map((id) =>
        promisify(execFile)(process.execPath, [...npmCommand('device'), id], {
          cwd: ROOT,
          env: {
            ...process.env,
            MQTT_BROKER_HOST: '127.0.0.1',
            MQTT_BROKER_PORT: String(broker.port),
          },
          timeout: 30_000,
        }).then(
          () => ({ code: 0, stderr: '' }),
          (err: { code?: number; stderr?: string }) => ({
            code: err.code,
            stderr: err.stderr ?? '',
          }),
        ),
      ),
    );
    for (const run of runs) {
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^usage: npm run device -- <device_id>/);
      expect(run.stderr).not.toContain('    at '); // no stack trace
    }
  });
});
