// Hostile input on every input (truncated packets, absurd lengths, wrong codec, 1 MB lines, slow senders, non-numeric values): refused, while a well-behaved device on another connection keeps being answered.
import { connect, type Socket } from 'node:net';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAvlPacket, imeiHandshake, TeltonikaClient } from '../../harness/teltonika-client.js';
import { sleep, waitFor } from '../../harness/wait.js';
import { removeTempDirs } from '../helpers/tmp.js';
import { type GatewayFixture, osmandUrl, startGatewayFixture } from './fixture.js';

let f: GatewayFixture;
const T0 = Date.now() - 3_600_000;

beforeAll(async () => {
  f = await startGatewayFixture(
    {},
    {
      teltonikaTimeouts: { handshakeMs: 600, frameMs: 600 },
      osmandTimeouts: { headersMs: 600, requestMs: 1200 },
    },
  );
});

afterAll(async () => {
  await f?.stop();
  removeTempDirs();
});

const record = (i: number) => ({
  timestampMs: T0 + i * 1000,
  lat: 54.68,
  lon: 25.28,
  altitude: 100,
  angle: 10,
  satellites: 7,
  speed: 40,
});

/** A raw TCP connection: its bytes back, and whether (and when) the server closed it. */
function rawConnection(port: number): Promise<{ socket: Socket; closed: Promise<Buffer> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const closed = new Promise<Buffer>((done) => {
      socket.on('data', (d: Buffer) => chunks.push(d));
      socket.on('close', () => done(Buffer.concat(chunks)));
    });
    socket.on('error', () => {});
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

/** A tracker that behaves: handshaken once, one packet per call, answered with its count. */
let good: TeltonikaClient;
let goodRecords = 0;
async function goodTrackerStillAnswered(): Promise<void> {
  const i = goodRecords++;
  expect(await good.send(encodeAvlPacket([record(i)]))).toBe(1);
}

describe('Teltonika', () => {
  const port = () => f.gateway.parts.teltonika?.port ?? 0;

  beforeAll(async () => {
    good = new TeltonikaClient(port());
    await good.connect();
    expect(await good.handshake('350000000000001')).toBe(true);
  });

  afterAll(() => good.close());

  it('closes on garbage instead of an IMEI, and on an absurd IMEI length', async () => {
    for (const bytes of [Buffer.from('GET / HTTP/1.1\r\n\r\n'), Buffer.from([0xff, 0xff, 1, 2])]) {
      const c = await rawConnection(port());
      c.socket.write(bytes);
      expect((await c.closed).length).toBe(0);
    }
    await goodTrackerStillAnswered();
  });

  it('closes on a missing preamble, an absurd length (nothing buffered) and a wrong codec', async () => {
    /** Handshaken, then `bytes`: closed without anything more than the handshake's 0x01. */
    const closedAfter = async (bytes: Buffer) => {
      const c = new TeltonikaClient(port());
      await c.connect();
      expect(await c.handshake('350000000000002')).toBe(true);
      c.write(bytes);
      return c.read(1);
    };
    expect(await closedAfter(Buffer.from('hello world'))).toBeUndefined();
    expect(await closedAfter(Buffer.from('000000007fffffff', 'hex'))).toBeUndefined();
    const codec12 = encodeAvlPacket([record(0)]);
    codec12[8] = 0x0c;
    // Re-sign it so it passes the CRC and reaches the decoder.
    const { crc16Ibm } = await import('../../gateway/teltonika/crc16.js');
    codec12.writeUInt32BE(crc16Ibm(codec12.subarray(8, codec12.length - 4)), codec12.length - 4);
    expect(await closedAfter(codec12)).toBeUndefined();
    await goodTrackerStillAnswered();
  });

  it('does not answer a packet with a bad CRC (the tracker resends it), then answers the resend', async () => {
    const c = new TeltonikaClient(port());
    await c.connect();
    expect(await c.handshake('350000000000003')).toBe(true);
    const packet = encodeAvlPacket([record(100)]);
    const bad = Buffer.from(packet);
    bad.writeUInt8((bad.at(-1) ?? 0) ^ 0xff, bad.length - 1);
    c.write(bad);
    // The well-behaved tracker is answered meanwhile; the bad packet is not.
    await goodTrackerStillAnswered();
    expect(await c.send(packet)).toBe(1);
    c.close();
    expect(f.gateway.stats().teltonika?.badCrc).toBe(1);
  });

  it('cuts off a truncated packet and a slow sender trickling bytes, whatever it keeps sending', async () => {
    const truncated = await rawConnection(port());
    truncated.socket.write(imeiHandshake('350000000000004'));
    const packet = encodeAvlPacket([record(200)]);
    truncated.socket.write(packet.subarray(0, packet.length - 5));
    const slow = await rawConnection(port());
    slow.socket.write(imeiHandshake('350000000000005'));
    let open = true;
    slow.closed.then(() => {
      open = false;
    });
    // One byte every 100 ms: each byte alone would be in time; the packet as a whole is not.
    for (let i = 0; i < 40 && open; i++) {
      slow.socket.write(packet.subarray(i, i + 1));
      await sleep(100);
    }
    expect(open).toBe(false);
    expect([...(await truncated.closed)]).toEqual([1]);
    const silent = await rawConnection(port()); // never sends its IMEI
    expect((await silent.closed).length).toBe(0);
    await goodTrackerStillAnswered();
    const closedFor = f.gateway.stats().teltonika?.closedFor ?? {};
    expect(closedFor.frame_timeout).toBeGreaterThanOrEqual(2);
    expect(closedFor.handshake_timeout).toBeGreaterThanOrEqual(1);
  });

  it('closes on 1 MB of zeros (a length of 0 is refused at once)', async () => {
    const c = await rawConnection(port());
    c.socket.write(imeiHandshake('350000000000006'));
    c.socket.write(Buffer.alloc(1024 * 1024));
    await c.closed;
    await goodTrackerStillAnswered();
  });
});

describe('OsmAnd', () => {
  it('refuses a 1 MB request line (431) and a 2 MB body (413), and keeps serving', async () => {
    const long = await fetch(osmandUrl(f, `id=x&pad=${'a'.repeat(1024 * 1024)}`)).catch(
      () => undefined,
    );
    expect([undefined, 431, 400]).toContain(long?.status);
    const big = await fetch(osmandUrl(f, ''), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `id=x&pad=${'a'.repeat(2 * 1024 * 1024)}`,
    }).catch(() => undefined);
    expect([undefined, 413]).toContain(big?.status);
    const ok = await fetch(
      osmandUrl(f, `id=phone_ok&lat=1&lon=2&timestamp=${Math.floor(T0 / 1000)}`),
    );
    expect(ok.status).toBe(200);
  });

  it('refuses non-numeric and malformed values with 400 and a reason', async () => {
    for (const [query, reason] of [
      ['id=p&lat=1;DROP TABLE&lon=2', 'lat: not a number'],
      ['id=p&lat=1&lon=2&timestamp=1e400', 'timestamp: out of range'],
      ['id=p&lat=1&lon=2&timestamp=noon', 'timestamp: not epoch seconds, milliseconds or ISO 8601'],
      ['id=p&lat=1&lon=2&batt=%00', 'batt: not a number'],
      ['id=p&location=1,2,3', 'location: not "lat,lon"'],
    ] as const) {
      const r = await fetch(osmandUrl(f, query));
      expect(r.status, query).toBe(400);
      expect(await r.text()).toBe(`${reason}\n`);
    }
    const json = await fetch(osmandUrl(f, ''), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"device_id":"p","location":',
    });
    expect(json.status).toBe(400);
    expect(await json.text()).toBe('body: not valid JSON\n');
  });

  it('cuts off a slow-loris request (headers never finished), and keeps serving', async () => {
    const c = await rawConnection(f.gateway.parts.osmand?.port ?? 0);
    c.socket.write('GET /?id=slow&lat=1&lon=2 HTTP/1.1\r\nHost: x\r\n');
    let open = true;
    c.closed.then(() => {
      open = false;
    });
    for (let i = 0; i < 50 && open; i++) {
      c.socket.write(`X-${i}: y\r\n`);
      await sleep(100);
    }
    expect(open).toBe(false);
    const ok = await fetch(
      osmandUrl(f, `id=phone_ok&lat=1&lon=2&timestamp=${Math.floor(T0 / 1000) + 1}`),
    );
    expect(ok.status).toBe(200);
  });
});

describe('OwnTracks', () => {
  it('counts and drops a 1 MB message, non-JSON and bad fields; stores the good one after them', async () => {
    const phone = await mqtt.connectAsync(`mqtt://127.0.0.1:${f.broker.port}`, { clean: true });
    const topic = 'owntracks/mallory/phone';
    await phone.publishAsync(topic, Buffer.alloc(1024 * 1024, 0x7b), { qos: 1 });
    await phone.publishAsync(topic, 'not json', { qos: 1 });
    await phone.publishAsync(
      topic,
      JSON.stringify({ _type: 'location', lat: 'x', lon: 1, tst: 1 }),
      {
        qos: 1,
      },
    );
    await phone.publishAsync(
      topic,
      JSON.stringify({ _type: 'location', lat: 1, lon: 2, tst: Math.floor(T0 / 1000) }),
      { qos: 1 },
    );
    await phone.endAsync();
    await waitFor(
      async () => (await f.backend.rows('mallory_phone')).length,
      (n) => n === 1,
      { what: 'the good OwnTracks location' },
    );
    expect(f.gateway.stats().ownTracks?.invalid).toBe(3);
  });
});
