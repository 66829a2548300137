// The gateway as `npm run gateway` runs it, SIGKILLed: after answering nothing is lost; before answering, the device's resend is stored once; with the broker down it keeps answering from its queue and drains later.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { freePort, waitForPort } from '../../harness/ports.js';
import { ProgramProcess } from '../../harness/program.js';
import {
  encodeAvlPacket,
  TeltonikaClient,
  type TestRecord,
} from '../../harness/teltonika-client.js';
import { waitFor } from '../../harness/wait.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { Backend, backendEnv } from './fixture.js';

const broker = new MosquittoProcess({ dir: tempDir('gw-crash-broker-') });
const dir = tempDir('gw-crash-');
const queueDir = tempDir('gw-crash-queue-');
let backend: Backend;
let osmandPort: number;
let teltonikaPort: number;
let gateway: ProgramProcess | undefined;
const T0 = Math.floor(Date.now() / 1000) - 3600;

async function startGateway(extra: Record<string, string> = {}): Promise<void> {
  gateway = ProgramProcess.fromNpmScript('gateway', [], {
    MQTT_BROKER_HOST: '127.0.0.1',
    MQTT_BROKER_PORT: String(broker.port),
    OSMAND_PORT: String(osmandPort),
    TELTONIKA_PORT: String(teltonikaPort),
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_QUEUE_DIR: queueDir,
    RESEND_AFTER_MS: '1000',
    MQTT_RECONNECT_MAX_MS: '500',
    ...extra,
  });
  gateway.start();
  await waitForPort(osmandPort, 60_000);
  await waitForPort(teltonikaPort, 60_000);
}

beforeAll(async () => {
  await broker.start();
  backend = new Backend(loadConfig(backendEnv(dir, broker.port)));
  await backend.startCollector();
  await backend.startRegistry();
  osmandPort = await freePort();
  teltonikaPort = await freePort();
}, 120_000);

afterAll(async () => {
  await gateway?.kill('SIGTERM');
  await backend?.stop();
  await broker.stop();
  removeTempDirs();
});

const phone = (id: string, t: number) =>
  `http://127.0.0.1:${osmandPort}/?id=${id}&timestamp=${t}&lat=52.5&lon=13.4&speed=${t % 50}`;
const rec = (i: number): TestRecord => ({
  timestampMs: (T0 + i) * 1000,
  lat: 54.68,
  lon: 25.28,
  altitude: 100,
  angle: 0,
  satellites: 9,
  speed: i % 100,
});

describe('the gateway SIGKILLed', () => {
  it('broker down: answers from its queue; SIGKILLed after answering; restarted with the broker back: all delivered once', async () => {
    await startGateway();
    await broker.stop();
    for (let i = 0; i < 20; i++)
      expect((await fetch(phone('kill_phone', T0 + i))).status).toBe(200);
    const tracker = new TeltonikaClient(teltonikaPort);
    await tracker.connect();
    expect(await tracker.handshake('351000000000001')).toBe(true);
    for (let i = 0; i < 10; i++) {
      expect(await tracker.send(encodeAvlPacket([rec(2 * i), rec(2 * i + 1)]))).toBe(2);
    }
    tracker.close();
    await gateway?.kill('SIGKILL');
    await broker.start();
    await startGateway();
    await waitFor(
      async () =>
        (await backend.rows('kill_phone')).length +
        (await backend.rows('imei_351000000000001')).length,
      (n) => n === 40,
      { what: 'all 40 answered fixes delivered after the restart', timeoutMs: 60_000 },
    );
    expect((await backend.rows('kill_phone')).map((r) => r.seq)).toEqual([...Array(20).keys()]);
    expect((await backend.rows('imei_351000000000001')).map((r) => r.speed)).toEqual([
      ...Array(20).keys(),
    ]);
    await gateway?.kill('SIGTERM');
  });

  it('killed after storing but before answering: the resend after the restart is stored once', async () => {
    await startGateway({ FAULT_INJECTION: 'gateway-crash-before-answer' });
    const answer = await fetch(phone('resend_phone', T0)).then(
      (r) => r.status,
      () => 'no answer',
    );
    expect(answer).toBe('no answer');
    expect(await gateway?.exited()).toBe(null); // killed by a signal
    await startGateway({ FAULT_INJECTION: 'gateway-crash-before-answer' });
    const tracker = new TeltonikaClient(teltonikaPort);
    await tracker.connect();
    expect(await tracker.handshake('351000000000002')).toBe(true);
    const packet = encodeAvlPacket([rec(100), rec(101)]); // speeds 0 and 1
    expect(await tracker.send(packet)).toBeUndefined();
    await gateway?.exited();
    await startGateway();
    // The devices resend what was not answered.
    expect((await fetch(phone('resend_phone', T0))).status).toBe(200);
    const again = new TeltonikaClient(teltonikaPort);
    await again.connect();
    expect(await again.handshake('351000000000002')).toBe(true);
    expect(await again.send(packet)).toBe(2);
    again.close();
    await waitFor(
      async () =>
        (await backend.rows('resend_phone')).length +
        (await backend.rows('imei_351000000000002')).length,
      (n) => n >= 3,
      { what: 'the three fixes delivered', timeoutMs: 30_000 },
    );
    // The first copy was on disk before the crash; the resend is recognised: one reading each.
    expect((await backend.rows('resend_phone')).map((r) => r.seq)).toEqual([0]);
    expect((await backend.rows('imei_351000000000002')).map((r) => [r.seq, r.speed])).toEqual([
      [0, 0],
      [1, 1],
    ]);
  });
});
