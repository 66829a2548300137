// (2) broker SIGTERM outage, (3) device SIGKILL with a backlog, (4) collector SIGKILL: nothing lost, nothing twice.
import { afterAll, describe, expect, it } from 'vitest';
import { fleetIds } from '../../devices/create-device.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { ProgramProcess } from '../../harness/program.js';
import { sleep, waitFor } from '../../harness/wait.js';
import {
  expectExactlyOnce,
  inProcessCollector,
  inProcessFleet,
  queueRows,
  storedSeqs,
  testConfig,
  waitForStored,
} from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(removeTempDirs);

describe('outages', () => {
  it('(2) broker stopped with SIGTERM for 3 s while devices publish: every reading stored once', async () => {
    const dir = tempDir();
    const broker = new MosquittoProcess({ dir });
    await broker.start();
    const config = testConfig(dir, broker.port, { DEVICE_COUNT: '5' });
    const collector = inProcessCollector(config);
    const limit = 300; // 6 s at 20 ms
    const fleet = inProcessFleet(config, { limit });
    try {
      await collector.start();
      await collector.subscribed;
      await fleet.start();
      await waitFor(
        () => fleet.stats().acknowledged,
        (n) => n >= 200,
        { what: 'traffic before the outage' },
      );
      await broker.stop('SIGTERM');
      await sleep(3000);
      const during = fleet.stats();
      expect(during.connected).toBe(0);
      expect(during.queued).toBeGreaterThan(5 * 50); // 3 s of readings waited in the SQLite queues
      await broker.start();
      await waitForStored(config.store.sqlitePath, 5 * limit);
      await waitFor(
        () => fleet.stats().queued,
        (q) => q === 0,
        { what: 'queues drained' },
      );
    } finally {
      await fleet.stop();
      await collector.stop();
      await broker.stop();
    }
    const expected = Object.fromEntries(fleet.devices.map((d) => [d.id, { last: limit - 1 }]));
    expectExactlyOnce(storedSeqs(config.store.sqlitePath), expected);
  });

  it('(3) a devices process SIGKILLed with a backlog and restarted: its backlog arrives', async () => {
    const dir = tempDir();
    const broker = new MosquittoProcess({ dir });
    await broker.start();
    const config = testConfig(dir, broker.port, { DEVICE_COUNT: '1' });
    const collector = inProcessCollector(config);
    await collector.start();
    await collector.subscribed;
    const ids = fleetIds('killme_', 2);
    const env = {
      MQTT_BROKER_HOST: '127.0.0.1',
      MQTT_BROKER_PORT: String(broker.port),
      MQTT_RECONNECT_MAX_MS: '1000',
      QUEUE_DIR: config.devices.queueDir,
    };
    const devices = ProgramProcess.fromNpmScript(
      'devices',
      ['--count', '2', '--interval', '20', '--prefix', 'killme_', '--quiet'],
      env,
    );
    try {
      devices.start();
      await waitForStored(config.store.sqlitePath, 40);
      await broker.stop('SIGTERM');
      await sleep(1500); // ~75 readings per device pile up in the queues
      await devices.kill('SIGKILL');
      const backlog = ids.map((id) => queueRows(config.devices.queueDir, id));
      for (const b of backlog) expect(b.rows).toBeGreaterThan(40);
      await broker.start();
      // Restarted with --limit 0: it takes no new readings, so what arrives is the old backlog.
      const again = ProgramProcess.fromNpmScript(
        'devices',
        ['--count', '2', '--interval', '20', '--prefix', 'killme_', '--limit', '0', '--quiet'],
        env,
      );
      again.start();
      const total = backlog.reduce((n, b) => n + b.nextSeq, 0);
      await waitForStored(config.store.sqlitePath, total);
      await waitFor(
        () => ids.map((id) => queueRows(config.devices.queueDir, id).rows),
        (r) => r.every((n) => n === 0),
        {
          what: 'backlog acknowledged',
        },
      );
      await again.kill('SIGTERM');
      const expected = Object.fromEntries(
        ids.map((id, i) => [id, { last: (backlog[i]?.nextSeq ?? 0) - 1 }]),
      );
      expectExactlyOnce(storedSeqs(config.store.sqlitePath), expected);
    } finally {
      await devices.kill('SIGKILL');
      await collector.stop();
      await broker.stop();
    }
  });

  it('(4) the collector SIGKILLed while devices publish, then restarted: nothing lost', async () => {
    const dir = tempDir();
    const broker = new MosquittoProcess({ dir });
    await broker.start();
    const config = testConfig(dir, broker.port, { DEVICE_COUNT: '5' });
    const limit = 300;
    const fleet = inProcessFleet(config, { limit });
    const env = {
      MQTT_BROKER_HOST: '127.0.0.1',
      MQTT_BROKER_PORT: String(broker.port),
      MQTT_RECONNECT_MAX_MS: '1000',
      SQLITE_PATH: config.store.sqlitePath,
      COLLECTOR_STATE_PATH: config.collectorStatePath,
    };
    const collector = ProgramProcess.fromNpmScript('collector', [], {
      ...env,
      LOG_LEVEL: 'info',
    });
    const subscribed = () =>
      waitFor(() => collector.stderr.includes('"msg":"subscribed"'), Boolean, {
        what: 'collector subscribed',
      });
    try {
      collector.start();
      await subscribed();
      await fleet.start();
      await waitForStored(config.store.sqlitePath, 150);
      await collector.kill('SIGKILL');
      await sleep(2000); // the broker queues for the collector's persistent session meanwhile
      const whileDown = storedSeqs(config.store.sqlitePath);
      collector.start();
      await waitForStored(config.store.sqlitePath, 5 * limit);
      await collector.kill('SIGTERM');
      expect([...whileDown.values()].flat().length).toBeLessThan(5 * limit);
    } finally {
      await fleet.stop();
      await collector.kill('SIGKILL');
      await broker.stop();
    }
    const expected = Object.fromEntries(fleet.devices.map((d) => [d.id, { last: limit - 1 }]));
    expectExactlyOnce(storedSeqs(config.store.sqlitePath), expected);
  });
});
