// The embedded broker's stop ends every connection it holds, in bounded time. Before, a TCP peer
// that never sent CONNECT (not yet one of Aedes's clients, so aedes.close() left it open) held
// server.close() until Aedes's 30 s connect timeout: the demo's stop ran past its 15 s bound with
// the broker the part "still stopping". A subscriber that stopped reading is covered too.

import { type Socket, connect as tcpConnect } from 'node:net';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { EmbeddedBroker } from '../../broker/embedded-broker.js';
import { silentLogger } from '../../core/log.js';

const open: Array<{ end(): void }> = [];
afterEach(() => {
  for (const o of open.splice(0)) o.end();
});

function rawSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
    open.push({ end: () => socket.destroy() });
  });
}

function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.destroyed) resolve();
    else socket.once('close', () => resolve());
  });
}

async function client(port: number, id: string): Promise<mqtt.MqttClient> {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
    clientId: id,
    reconnectPeriod: 0,
  });
  c.on('error', () => {});
  open.push({ end: () => c.end(true) });
  return c;
}

describe('embedded broker stop', () => {
  it('ends a peer that never sent CONNECT and a subscriber that stopped reading, within 3 s', async () => {
    const broker = new EmbeddedBroker({ port: 0, host: '127.0.0.1', log: silentLogger() });
    await broker.start();
    const port = broker.port;

    // A TCP peer that never speaks MQTT (Aedes's own connect timeout is 30 s).
    const silent = await rawSocket(port);

    // A subscriber that stops reading while 2 MB of QoS 1 messages queue for it.
    const stalled = await client(port, 'stalled');
    await stalled.subscribeAsync('load/#', { qos: 1 });
    const stream = (stalled as unknown as { stream: Socket }).stream;
    stream.pause();
    const publisher = await client(port, 'publisher');
    const body = Buffer.alloc(16 * 1024, 7);
    for (let i = 0; i < 128; i++) publisher.publish(`load/${i}`, body, { qos: 1 });
    // Setup only (the outcome is asserted below): let the load reach the broker.
    await new Promise((r) => setTimeout(r, 500));

    const started = Date.now();
    await broker.stop();
    const ms = Date.now() - started;
    expect(ms).toBeLessThan(3000);
    // The stalled subscriber sees its connection end once it reads again.
    stream.resume();
    await Promise.all([closed(silent), closed(stream)]);
    expect(silent.destroyed).toBe(true);
    // Nothing listens any more.
    await expect(rawSocket(port)).rejects.toThrow(/ECONNREFUSED/);
  }, 20_000);
});
