// Two gateways behind a (simulated) load balancer with REDIS_URL: a tracker that reconnects to the other one, and a phone whose requests alternate, get unique contiguous seqs; a resend to the other gateway is stored once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { createLogger } from '../../core/log.js';
import { createGateway } from '../../gateway/create-gateway.js';
import type { Gateway } from '../../gateway/gateway.js';
import { RedisProcess } from '../../harness/redis.js';
import {
  encodeAvlPacket,
  TeltonikaClient,
  type TestRecord,
} from '../../harness/teltonika-client.js';
import { waitFor } from '../../harness/wait.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { type GatewayFixture, startGatewayFixture } from './fixture.js';

const redis = new RedisProcess();
let a: GatewayFixture;
let b: Gateway;
const T0 = Date.now() - 3_600_000;

beforeAll(async () => {
  await redis.start();
  a = await startGatewayFixture({ REDIS_URL: redis.url, GATEWAY_ID: 'gw-a' });
  const config = loadConfig({
    MQTT_BROKER_HOST: '127.0.0.1',
    MQTT_BROKER_PORT: String(a.broker.port),
    OSMAND_PORT: '0',
    TELTONIKA_PORT: '0',
    GATEWAY_QUEUE_DIR: tempDir('gw-b-'),
    GATEWAY_ID: 'gw-b',
    GATEWAY_HOST: '127.0.0.1',
    REDIS_URL: redis.url,
    RESEND_AFTER_MS: '1000',
  });
  b = createGateway(config, createLogger('silent', 'gateway-b'));
  await b.start();
});

afterAll(async () => {
  await b?.stop();
  await a?.stop();
  await redis.stop();
  removeTempDirs();
});

const rec = (i: number): TestRecord => ({
  timestampMs: T0 + i * 1000,
  lat: 54.68 + i / 1e4,
  lon: 25.28,
  altitude: 100,
  angle: 0,
  satellites: 9,
  speed: 10 + i,
});

async function tracker(gw: Gateway, packets: TestRecord[][]): Promise<void> {
  const c = new TeltonikaClient(gw.parts.teltonika?.port ?? 0);
  await c.connect();
  expect(await c.handshake('352093081452251')).toBe(true);
  for (const p of packets) expect(await c.send(encodeAvlPacket(p))).toBe(p.length);
  c.close();
}

describe('two gateways sharing seqs through Redis', () => {
  it('a tracker that reconnects to the other gateway continues its seqs; its resend there is stored once', async () => {
    await tracker(a.gateway, [[rec(0), rec(1), rec(2)]]);
    await tracker(b, [[rec(3)], [rec(4)]]);
    // Back on a: record 4 again (its answer from b was lost) and a new one.
    await tracker(a.gateway, [[rec(4), rec(5)]]);
    const rows = await waitFor(
      () => a.backend.rows('imei_352093081452251'),
      (r) => r.length >= 6,
      { what: "six of the tracker's readings" },
    );
    // Seqs are given at publish time, so their order may differ from the fixes' (out-of-order
    // fixes are accepted): what matters is one seq per fix, none twice, none skipped.
    expect(rows.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(rows.map((r) => r.speed).sort()).toEqual([10, 11, 12, 13, 14, 15]);
    // Both queues empty once acked: nothing waits on a seq nobody holds.
    await waitFor(
      () => a.gateway.parts.queue.totalQueued + b.parts.queue.totalQueued,
      (n) => n === 0,
      { what: 'both queues emptied' },
    );
  });

  it('a phone whose requests alternate between the gateways: every fix once, seqs 0..n-1', async () => {
    const t = Math.floor(T0 / 1000);
    for (let i = 0; i < 10; i++) {
      const gw = i % 2 === 0 ? a.gateway : b;
      const url = `http://127.0.0.1:${gw.parts.osmand?.port}/?id=rr_phone&lat=1&lon=2&speed=${i}&timestamp=${t + i}`;
      expect((await fetch(url)).status).toBe(200);
    }
    const rows = await waitFor(
      () => a.backend.rows('rr_phone'),
      (r) => r.length >= 10,
      { what: "ten of the phone's readings" },
    );
    expect(rows.map((r) => r.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(new Set(rows.map((r) => r.timestamp)).size).toBe(10);
    await waitFor(
      () => a.gateway.parts.queue.totalQueued + b.parts.queue.totalQueued,
      (n) => n === 0,
      { what: 'both queues emptied' },
    );
  });
});
