// TLS (mqtts://) and MQTT over secure WebSockets (wss://) on a real Mosquitto with a certificate made by openssl here.
import { Writable } from 'node:stream';
import mqtt from 'mqtt';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigOverrides } from '../../core/config.js';
import { MqttSession } from '../../core/mqtt-session.js';
import type { MosquittoProcess } from '../../harness/mosquitto.js';
import { freePort } from '../../harness/ports.js';
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
import {
  makeCertificates,
  makeUsers,
  securedMosquitto,
  type TestCertificates,
  type Users,
} from './mqtt-helpers.js';

afterAll(removeTempDirs);

const READINGS = 15;

describe('mqtts:// and wss:// with a self-signed CA', () => {
  let dir: string;
  let users: Users;
  let certs: TestCertificates;
  let broker: MosquittoProcess;
  let tlsPort: number;
  let wssPort: number;
  /** MQTT_BROKER_PORT points here (nothing listens): only MQTT_URL can get a session through. */
  let deadPort: number;

  beforeAll(async () => {
    dir = tempDir('mqtt-tls-');
    users = await makeUsers(dir, 2);
    certs = makeCertificates(dir);
    tlsPort = await freePort();
    wssPort = await freePort();
    deadPort = await freePort();
    const tls = [`certfile ${certs.cert}`, `keyfile ${certs.key}`, 'use_username_as_clientid true'];
    broker = await securedMosquitto(dir, users, [
      `listener ${tlsPort} 127.0.0.1`,
      ...tls,
      `listener ${wssPort} 127.0.0.1`,
      'protocol websockets',
      ...tls,
    ]);
  });

  afterAll(async () => {
    await broker?.stop();
  });

  const secured = (url: string, extra: ConfigOverrides = {}) =>
    testConfig(dir, deadPort, {
      MQTT_URL: url,
      MQTT_CA_FILE: certs.ca,
      MQTT_CREDENTIALS_FILE: users.credentialsFile,
      ...extra,
    });

  it('a collector on mqtts:// and devices on mqtts:// and wss:// get every reading stored', async () => {
    const collector = await startedCollector(secured(`mqtts://localhost:${tlsPort}`));
    // Two fleets of one vehicle each: vehicle_01 over TLS, vehicle_02 over WSS (own queue dirs).
    const overTls = inProcessFleet(
      secured(`mqtts://localhost:${tlsPort}`, { DEVICE_COUNT: '1', QUEUE_DIR: `${dir}/q-tls` }),
      { limit: READINGS },
    );
    const overWss = inProcessFleet(
      secured(`wss://127.0.0.1:${wssPort}/mqtt`, {
        DEVICE_COUNT: '2',
        QUEUE_DIR: `${dir}/q-wss`,
      }),
      { limit: READINGS },
    );
    const wssDevice = overWss.devices[1];
    expect(wssDevice?.id).toBe('vehicle_02');
    await Promise.all([overTls.start(), wssDevice?.start()]);
    try {
      const sqlite = `${dir}/telemetry.db`;
      await waitForStored(sqlite, 2 * READINGS);
      // e2e acks came back over the same transports: each queue empties.
      await waitFor(
        () => overTls.stats().queued + (wssDevice?.stats().queued ?? 0),
        (q) => q === 0,
        { what: 'both device queues confirmed' },
      );
      expectExactlyOnce(storedSeqs(sqlite), {
        vehicle_01: { last: READINGS - 1 },
        vehicle_02: { last: READINGS - 1 },
      });
      expect(collector.stats().rejectedTotal).toBe(0);
    } finally {
      await Promise.all([overTls.stop(), wssDevice?.stop()]);
      await collector.stop();
    }
  });

  it('refuses a client that does not trust the CA, or trusts another one (certificates are verified)', async () => {
    const login = { username: 'vehicle_01', password: users.password('vehicle_01') };
    const attempt = (url: string, ca?: string) =>
      mqtt
        .connectAsync(url, {
          ...login,
          reconnectPeriod: 0,
          connectTimeout: 5000,
          ...(ca ? { ca: [ca] } : {}),
        })
        .then(
          async (c) => {
            await c.endAsync(true);
            return 'connected';
          },
          (err: Error) => err.message,
        );
    const { readFileSync } = await import('node:fs');
    const otherCa = readFileSync(certs.otherCa, 'utf8');
    const ourCa = readFileSync(certs.ca, 'utf8');
    for (const url of [`mqtts://localhost:${tlsPort}`, `wss://localhost:${wssPort}/mqtt`]) {
      expect(await attempt(url)).toMatch(/unable to verify|self.signed|certificate/i);
      expect(await attempt(url, otherCa)).toMatch(/unable to verify|self.signed|certificate/i);
      expect(await attempt(url, ourCa)).toBe('connected');
    }
  });

  it('a session without MQTT_CA_FILE never connects and warns once, naming the broker', async () => {
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
    const config = testConfig(dir, deadPort, {
      MQTT_URL: `mqtts://localhost:${tlsPort}`,
      MQTT_CREDENTIALS_FILE: users.credentialsFile,
      MQTT_RECONNECT_MAX_MS: '100',
    });
    const session = new MqttSession({
      mqtt: config.mqtt,
      clientId: 'vehicle_01',
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
      await sleep(600); // several reconnect attempts (100 ms cap)
      expect(session.connected).toBe(false);
      expect(lines).toHaveLength(1);
      const warning = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
      expect(warning.msg).toContain('certificate');
      expect(warning.broker).toBe(`mqtts://localhost:${tlsPort}`);
      expect(JSON.stringify(warning)).not.toContain(users.password('vehicle_01'));
    } finally {
      await session.stop();
    }
  });
});
