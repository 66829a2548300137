// docker/mosquitto/mosquitto.conf on a real mosquitto (paths and port rewritten): it keeps a
// persistent session's queue across a restart, queues past 1000 and allows 1000 in flight.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { type AckTicket, PubackGate } from '../../collector/puback-gate.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { freePort } from '../../harness/ports.js';
import { sleep, waitFor } from '../../harness/wait.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { DOCKER, loadCompose } from './compose-files.js';

afterAll(removeTempDirs);

/** The docker conf with only what must differ outside a container changed; each change must hit. */
function rewrittenConf(dir: string, port: number): string {
  const original = readFileSync(join(DOCKER, 'mosquitto/mosquitto.conf'), 'utf8');
  const swaps: Array<[RegExp, string]> = [
    [/^listener 1883$/m, `listener ${port} 127.0.0.1`],
    [/^persistence_location \/mosquitto\/data\/$/m, `persistence_location ${dir}/data/`],
  ];
  let conf = original;
  for (const [pattern, replacement] of swaps) {
    expect(conf, String(pattern)).toMatch(pattern);
    conf = conf.replace(pattern, replacement);
  }
  // Run as the test user (as root, mosquitto would switch to user "mosquitto").
  return `${conf}\nuser ${userInfo().username}\n`;
}

/** A persistent-session subscriber that holds every PUBACK until release() (like the collector). */
function holdingClient(port: number): {
  client: MqttClient;
  received: string[];
  release: () => void;
} {
  const client = mqtt.connect({
    host: '127.0.0.1',
    port,
    clientId: 'docker-conf-test',
    clean: false,
  });
  const gate = new PubackGate(client, () => 0);
  gate.install();
  const received: string[] = [];
  let tickets: AckTicket[] = [];
  client.handleMessage = (packet, callback) => {
    if (packet.messageId !== undefined) tickets.push(gate.hold(packet.messageId));
    received.push(packet.payload.toString());
    callback();
  };
  const release = () => {
    gate.release(tickets);
    tickets = [];
  };
  return { client, received, release };
}

describe('docker/mosquitto/mosquitto.conf', () => {
  it('is accepted by mosquitto; the compose healthcheck passes; queues 1,500 for an offline session across a restart; 1,000 in flight', async () => {
    const dir = tempDir('docker-mosquitto-');
    const port = await freePort();
    const confPath = join(dir, 'mosquitto.conf');
    writeFileSync(confPath, rewrittenConf(dir, port));
    mkdirSync(join(dir, 'data')); // the image's /mosquitto/data volume
    const broker = new MosquittoProcess({ dir });
    broker.port = port;
    await broker.spawnWith(confPath);
    try {
      // The compose healthcheck, pointed at this port.
      const test = loadCompose().services.mosquitto?.healthcheck?.test ?? [];
      expect(test[0]).toBe('CMD');
      const args = test.slice(2).map((a, i, all) => (all[i - 1] === '-p' ? String(port) : a));
      await promisify(execFile)(test[1] ?? 'missing', args, { timeout: 5000 });

      // A persistent session subscribes, then goes away.
      const first = holdingClient(port);
      await first.client.subscribeAsync('vehicles/+/speed', { qos: 1 });
      await first.client.endAsync();

      const publisher = await mqtt.connectAsync({ host: '127.0.0.1', port, clientId: 'pub' });
      await Promise.all(
        Array.from({ length: 1500 }, (_, i) =>
          publisher.publishAsync('vehicles/v1/speed', String(i), { qos: 1 }),
        ),
      );
      await publisher.endAsync();

      // SIGTERM saves the persistence file; a new process must find the session and its queue.
      await broker.stop('SIGTERM');
      expect(existsSync(join(dir, 'data', 'mosquitto.db'))).toBe(true);
      await broker.spawnWith(confPath);

      const again = holdingClient(port);
      await waitFor(
        () => again.received.length,
        (n) => n >= 1000,
        { what: '1000 messages in flight' },
      );
      await sleep(300);
      expect(again.received.length).toBe(1000); // max_inflight_messages 1000: then it waits
      again.release();
      await waitFor(
        () => again.received.length,
        (n) => n >= 1500,
        { what: 'the whole queue' },
      );
      again.release();
      // All 1,500 (more than the default max_queued_messages of 1000), in order, once.
      expect(again.received).toEqual(Array.from({ length: 1500 }, (_, i) => String(i)));
      await again.client.endAsync();
    } finally {
      await broker.stop();
    }
  });
});
