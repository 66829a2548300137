// The device's stall watchdog: if MQTT.js loses track of in-flight publishes, the queue is republished.
import type { MqttClient } from 'mqtt';
import { Store } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { sleep, waitFor } from '../../harness/wait.js';
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

describe('device stall watchdog', () => {
  it('republishes queued readings whose PUBACK callbacks were lost, and the store keeps them once', async () => {
    const dir = tempDir();
    const broker = new MosquittoProcess({ dir });
    await broker.start();
    // Broker mode: rows leave the queue only on PUBACK, so lost callbacks would strand them.
    const config = testConfig(dir, broker.port, { DEVICE_COUNT: '1', ACK_MODE: 'broker' });
    const collector = await startedCollector(config);
    const fleet = inProcessFleet(config, { limit: 100, stallMs: 500 });
    const device = fleet.devices[0];
    if (!device) throw new Error('no device');
    try {
      await fleet.start();
      await waitFor(
        () => device.stats().acknowledged,
        (n) => n >= 10,
        { what: 'first PUBACKs' },
      );
      broker.signal('SIGSTOP'); // a hung broker: publishes stay in flight
      await sleep(300);
      expect(device.stats().queued).toBeGreaterThan(0);
      // FAKE FAULT (named as such): MQTT.js forgets its in-flight QoS 1 messages, so their
      // callbacks never fire. No real broker produces this on demand; the watchdog exists for it.
      const client = (device as unknown as { deps: { session: { mqtt: MqttClient } } }).deps.session
        .mqtt;
      client.outgoing = {};
      client.outgoingStore = new Store();
      broker.signal('SIGCONT');
      await waitForStored(config.store.sqlitePath, 100);
      await waitFor(
        () => device.stats().queued,
        (q) => q === 0,
        { what: 'queue emptied by the watchdog' },
      );
      expect(device.stats().stalls).toBeGreaterThanOrEqual(1);
    } finally {
      broker.signal('SIGCONT');
      await fleet.stop();
      await collector.stop();
      await broker.stop();
    }
    expectExactlyOnce(storedSeqs(config.store.sqlitePath), { vehicle_01: { last: 99 } });
  });
});
