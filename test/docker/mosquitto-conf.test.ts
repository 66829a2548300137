// docker/mosquitto/mosquitto.conf on a real mosquitto (paths and ports rewritten, users from mqtt-users, an openssl certificate):
// logins on all three listeners, the compose healthcheck, a persistent session's queue across a restart, 1,000 in flight.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AckTicket, PubackGate } from '../../collector/puback-gate.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { freePort } from '../../harness/ports.js';
import { sleep, waitFor } from '../../harness/wait.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import {
  connectOutcome,
  makeCertificates,
  makeUsers,
  type TestCertificates,
  type Users,
} from '../security/mqtt-helpers.js';
import { DOCKER, loadCompose } from './compose-files.js';

afterAll(removeTempDirs);

interface Ports {
  mqtt: number;
  tls: number;
  ws: number;
  /** 1884: the collectors' listener (client ids kept as sent). */
  collectors: number;
}

/** The docker conf with only what must differ outside a container changed; each change must hit. */
function rewrittenConf(dir: string, ports: Ports, users: Users, certs: TestCertificates): string {
  const original = readFileSync(join(DOCKER, 'mosquitto/mosquitto.conf'), 'utf8');
  const swaps: Array<[RegExp, string]> = [
    [/^listener 1883$/m, `listener ${ports.mqtt} 127.0.0.1`],
    [/^listener 8883$/m, `listener ${ports.tls} 127.0.0.1`],
    [/^listener 9001$/m, `listener ${ports.ws} 127.0.0.1`],
    [/^listener 1884$/m, `listener ${ports.collectors} 127.0.0.1`],
    [/^password_file \/mosquitto\/secrets\/password_file$/m, `password_file ${users.passwordFile}`],
    [/^acl_file \/mosquitto\/secrets\/acl_file$/m, `acl_file ${users.aclFile}`],
    [/^certfile \/mosquitto\/certs\/server\.crt$/m, `certfile ${certs.cert}`],
    [/^keyfile \/mosquitto\/certs\/server\.key$/m, `keyfile ${certs.key}`],
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

describe('docker/mosquitto/mosquitto.conf', () => {
  let dir: string;
  let users: Users;
  let certs: TestCertificates;
  let ports: Ports;
  let confPath: string;
  const broker = () => {
    const b = new MosquittoProcess({ dir });
    b.port = ports.mqtt;
    return b;
  };
  let running: MosquittoProcess;

  beforeAll(async () => {
    dir = tempDir('docker-mosquitto-');
    users = await makeUsers(join(dir, 'secrets'), 2);
    certs = makeCertificates(dir);
    ports = {
      mqtt: await freePort(),
      tls: await freePort(),
      ws: await freePort(),
      collectors: await freePort(),
    };
    confPath = join(dir, 'mosquitto.conf');
    writeFileSync(confPath, rewrittenConf(dir, ports, users, certs));
    mkdirSync(join(dir, 'data')); // the image's /mosquitto/data volume
    running = broker();
    await running.spawnWith(confPath);
  });

  afterAll(async () => {
    await running?.stop();
  });

  const healthcheck = async (): Promise<number> => {
    const test = loadCompose().services.mosquitto?.healthcheck?.test ?? [];
    expect(test[0]).toBe('CMD-SHELL');
    const command = (test[1] ?? '').replace('-p 1883', `-p ${ports.mqtt}`);
    expect(command).toContain(`-p ${ports.mqtt}`);
    return promisify(execFile)('sh', ['-c', command], { timeout: 5000 }).then(
      () => 0,
      (err: { code?: number }) => err.code ?? -1,
    );
  };

  it('takes logins on mqtt://, mqtts:// (TLS) and ws://, refuses anonymous and unverified clients; the healthcheck passes', async () => {
    const login = { username: 'vehicle_01', password: users.password('vehicle_01') };
    const ca = readFileSync(certs.ca, 'utf8');
    const at = (url: string, options: IClientOptions = {}) =>
      mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options }).then(
        async (c) => {
          await c.endAsync(true);
          return 'connected';
        },
        (err: Error & { code?: unknown }) =>
          typeof err.code === 'number' ? `refused ${err.code}` : err.message,
      );
    const urls = [
      `mqtt://127.0.0.1:${ports.mqtt}`,
      `mqtts://localhost:${ports.tls}`,
      `ws://127.0.0.1:${ports.ws}/mqtt`,
    ];
    for (const url of urls) {
      expect(await at(url, { ...login, ca: [ca] }), url).toBe('connected');
      expect(await at(url, { ca: [ca] }), `${url} anonymous`).toBe('refused 5');
      expect(await at(url, { ...login, password: 'wrong', ca: [ca] }), url).toBe('refused 5');
    }
    expect(await at(`mqtts://localhost:${ports.tls}`, login)).toMatch(/unable to verify/);
    expect(await connectOutcome(ports.mqtt, { username: 'nobody', password: 'x' })).toBe(
      'refused 5',
    );
    expect(await healthcheck()).toBe(0);
  });

  it('1884 keeps client ids: partition sessions of one collector user coexist; logins and the ACL still apply', async () => {
    const collector = {
      host: '127.0.0.1',
      port: ports.collectors,
      username: 'collector',
      password: users.password('collector'),
      reconnectPeriod: 0,
    };
    const p0 = await mqtt.connectAsync({ ...collector, clientId: 'collector-p0', clean: false });
    const p1 = await mqtt.connectAsync({ ...collector, clientId: 'collector-p1', clean: false });
    try {
      const got: string[] = [];
      p0.on('message', (topic) => got.push(`p0 ${topic}`));
      p1.on('message', (topic) => got.push(`p1 ${topic}`));
      await p0.subscribeAsync('vehicles/vehicle_01/speed', { qos: 1 });
      await p1.subscribeAsync('vehicles/vehicle_02/speed', { qos: 1 });
      for (const id of ['vehicle_01', 'vehicle_02']) {
        const device = await mqtt.connectAsync({
          host: '127.0.0.1',
          port: ports.mqtt,
          username: id,
          password: users.password(id),
        });
        await device.publishAsync(`vehicles/${id}/speed`, '{}', { qos: 1 });
        // The ACL holds here too: a vehicle publishing as another is dropped.
        await device.publishAsync('vehicles/vehicle_03/speed', '{}', { qos: 1 });
        await device.endAsync();
      }
      await waitFor(
        () => got.length,
        (n) => n >= 2,
        { what: 'both partitions' },
      );
      await sleep(300);
      // Both sessions stayed connected (with use_username_as_clientid the second login would
      // have taken the first one over), each got its own vehicle, nothing forged arrived.
      expect(p0.connected && p1.connected).toBe(true);
      expect(got.sort()).toEqual(['p0 vehicles/vehicle_01/speed', 'p1 vehicles/vehicle_02/speed']);
      expect(await connectOutcome(ports.collectors, { username: 'nobody', password: 'x' })).toBe(
        'refused 5',
      );
    } finally {
      await Promise.all([p0.endAsync(true), p1.endAsync(true)]);
    }
  });

  it('queues 1,500 for an offline collector session across a restart, 1,000 in flight; the healthcheck fails while down', async () => {
    const logins = (user: string): IClientOptions => ({
      host: '127.0.0.1',
      port: ports.mqtt,
      username: user,
      password: users.password(user),
    });
    // A persistent session subscribes, then goes away.
    const first = holdingClient(logins('collector'));
    await first.client.subscribeAsync('vehicles/+/speed', { qos: 1 });
    await first.client.endAsync();

    const publisher = await mqtt.connectAsync({ ...logins('vehicle_01'), clientId: 'pub' });
    await Promise.all(
      Array.from({ length: 1500 }, (_, i) =>
        publisher.publishAsync('vehicles/vehicle_01/speed', String(i), { qos: 1 }),
      ),
    );
    await publisher.endAsync();

    // SIGTERM saves the persistence file; a new process must find the session and its queue.
    await running.stop('SIGTERM');
    expect(existsSync(join(dir, 'data', 'mosquitto.db'))).toBe(true);
    expect(await healthcheck()).not.toBe(0);
    running = broker();
    await running.spawnWith(confPath);

    const again = holdingClient(logins('collector'));
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
  });
});

/** A persistent-session subscriber that holds every PUBACK until release() (like the collector). */
function holdingClient(options: IClientOptions): {
  client: MqttClient;
  received: string[];
  release: () => void;
} {
  // The broker replaces the client id by the username (use_username_as_clientid).
  const client = mqtt.connect({ ...options, clientId: 'docker-conf-test', clean: false });
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
