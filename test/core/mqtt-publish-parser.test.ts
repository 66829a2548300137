// The fast PUBLISH parser against mqtt-packet's own: the same packets (and errors) from the same byte stream, however the socket cuts it into chunks.
import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import {
  type DirectPublish,
  FAST_PUBLISH_DIRECT,
  FAST_PUBLISH_PARSER,
  FastPublishParser,
  installFastPublishParser,
  setDirectPublish,
} from '../../core/mqtt-publish-parser.js';
import { rng } from '../../harness/random.js';

interface Parser extends EventEmitter {
  parse(buf: Buffer): number;
}
const require = createRequire(createRequire(import.meta.url).resolve('mqtt'));
const mqttPacket = require('mqtt-packet') as {
  parser(options?: object): Parser;
  generate(packet: object, options?: object): Buffer;
};
const V4 = { protocolVersion: 4 };
// Taken before any install: mqtt-packet's own parser.
const reference = mqttPacket.parser.bind(mqttPacket);

function packets(random: () => number, n: number): object[] {
  const out: object[] = [];
  for (let i = 0; i < n; i++) {
    const r = random();
    const id = 1 + Math.floor(random() * 65535);
    if (r < 0.7) {
      const qos = Math.floor(random() * 3);
      const size = random() < 0.05 ? Math.floor(random() * 300_000) : Math.floor(random() * 400);
      const payload = Buffer.alloc(size);
      for (let k = 0; k < size; k += 97) payload[k] = Math.floor(random() * 256);
      out.push({
        cmd: 'publish',
        topic: random() < 0.1 ? `vehicles/ü_${i}/telemetry` : `vehicles/v${i % 50}/telemetry`,
        payload,
        qos,
        retain: random() < 0.1,
        dup: qos > 0 && random() < 0.1,
        ...(qos > 0 ? { messageId: id } : {}),
      });
    } else if (r < 0.8) out.push({ cmd: 'puback', messageId: id });
    else if (r < 0.85) out.push({ cmd: 'suback', messageId: id, granted: [1, 0] });
    else if (r < 0.9) out.push({ cmd: 'pingresp' });
    else if (r < 0.95) out.push({ cmd: 'pubrel', messageId: id });
    else out.push({ cmd: 'connack', returnCode: 0, sessionPresent: random() < 0.5 });
  }
  return out;
}

/** What a parser emitted, as plain data (Buffers as hex). */
function collect(parser: Parser, chunks: Buffer[]): unknown[] {
  const seen: unknown[] = [];
  parser.on('packet', (p) => {
    const plain: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(p as object)) {
      if (v === undefined) continue;
      plain[k] = Buffer.isBuffer(v) ? v.toString('hex') : v;
    }
    seen.push(plain);
  });
  parser.on('error', (e) => seen.push({ error: (e as Error).message }));
  for (const c of chunks) parser.parse(c);
  return seen;
}

function cut(stream: Buffer, random: () => number, mode: 'bytes' | 'small' | 'large'): Buffer[] {
  const chunks: Buffer[] = [];
  for (let pos = 0; pos < stream.length; ) {
    const size =
      mode === 'bytes'
        ? 1
        : mode === 'small'
          ? 1 + Math.floor(random() * 40)
          : 1 + Math.floor(random() * 70_000);
    chunks.push(Buffer.from(stream.subarray(pos, pos + size)));
    pos += size;
  }
  return chunks;
}

describe('fast PUBLISH parser', () => {
  it.each([1, 2, 3, 4, 5, 6])(
    'seed %i: the same packets as mqtt-packet, whole or cut into 1-byte, small and large chunks',
    (seed) => {
      const random = rng(seed);
      const list = packets(random, 300);
      const encoded = list.map((p) => mqttPacket.generate(p, V4));
      const stream = Buffer.concat(encoded);
      const ends: number[] = [];
      for (const e of encoded) ends.push((ends.at(-1) ?? 0) + e.length);
      const expected = collect(reference(V4), [stream]);
      expect(expected.length).toBe(list.length);
      for (const mode of ['whole', 'bytes', 'small', 'large'] as const) {
        const chunks = mode === 'whole' ? [stream] : cut(stream, random, mode);
        const fast = new FastPublishParser(() => reference(V4));
        let emitted = 0;
        fast.on('packet', () => {
          emitted += 1;
        });
        // Each packet comes out with the chunk that completes it, not later.
        let fed = 0;
        const timely = chunks.every((c) => {
          fast.parse(c);
          fed += c.length;
          return emitted === ends.filter((e) => e <= fed).length;
        });
        expect(timely, `${mode}: a packet held past its last byte`).toBe(true);
        const again = new FastPublishParser(() => reference(V4));
        expect(collect(again, chunks), `${mode}`).toEqual(expected);
      }
    },
  );

  it.each([1, 2, 3])(
    'seed %i: a direct receiver takes PUBLISHes until it refuses one; the rest of that chunk goes to MQTT.js, in order, nothing lost',
    (seed) => {
      const random = rng(100 + seed);
      const list = packets(random, 300);
      const stream = Buffer.concat(list.map((p) => mqttPacket.generate(p, V4)));
      const key = (p: Record<string, unknown>) =>
        `${p.cmd}|${p.topic ?? ''}|${p.messageId ?? ''}|${Buffer.isBuffer(p.payload) ? p.payload.toString('hex') : ''}`;
      const expected: string[] = [];
      reference(V4)
        .on('packet', (p) => expected.push(key(p)))
        .parse(stream);
      for (const mode of ['whole', 'small', 'large'] as const) {
        const chunks = mode === 'whole' ? [stream] : cut(stream, random, mode);
        const seen: Array<{ how: 'direct' | 'emit'; chunk: number; key: string }> = [];
        let chunk = 0;
        // Refuses about one PUBLISH in ten (as the collector refuses the registry's topic).
        const receiver: DirectPublish = (topic, payload, qos, messageId) => {
          if (topic.endsWith('7/telemetry')) return false;
          seen.push({
            how: 'direct',
            chunk,
            key: key({ cmd: 'publish', topic, messageId, payload }),
          });
          expect(qos === 0).toBe(messageId === undefined);
          return true;
        };
        const client = { options: { ...V4 } as Record<string, unknown> };
        const fast = new FastPublishParser(() => reference(V4), client.options);
        fast.on('packet', (p) => seen.push({ how: 'emit', chunk, key: key(p) }));
        for (const c of chunks) {
          // Installed after the first chunk: the option is read at each chunk.
          if (chunk === 1 || mode === 'whole') setDirectPublish(client, receiver);
          fast.parse(c);
          chunk += 1;
        }
        expect(client.options[FAST_PUBLISH_DIRECT]).toBe(receiver);
        expect(
          seen.map((s) => s.key),
          mode,
        ).toEqual(expected);
        const direct = seen.filter((s) => s.how === 'direct').length;
        expect(direct, mode).toBeGreaterThan(mode === 'small' ? 20 : 0);
        // Within a chunk, nothing is taken directly after a packet went to MQTT.js.
        for (let i = 1; i < seen.length; i++) {
          const [a, b] = [seen[i - 1], seen[i]];
          if (a?.chunk === b?.chunk && a?.how === 'emit')
            expect(b?.how, `${mode} #${i}`).toBe('emit');
        }
        setDirectPublish(client, undefined);
        const after: string[] = [];
        fast.on('packet', (p) => after.push(key(p)));
        fast.parse(mqttPacket.generate(list.find((p) => 'topic' in p) as object, V4));
        expect(after.length, 'removed: MQTT.js gets every packet again').toBe(1);
      }
    },
  );

  it('malformed input: the same error as mqtt-packet (remaining length over 4 bytes, QoS 3, a topic past the packet)', () => {
    const cases = [
      Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff, 0x01]),
      Buffer.from([0x36, 0x04, 0x00, 0x01, 0x61, 0x62]),
      Buffer.from([0x30, 0x03, 0x00, 0x09, 0x61]),
    ];
    for (const bytes of cases) {
      const expected = collect(reference(V4), [bytes]);
      expect(expected.length, bytes.toString('hex')).toBeGreaterThan(0);
      const fast = new FastPublishParser(() => reference(V4));
      expect(collect(fast, [bytes]), bytes.toString('hex')).toEqual(expected);
    }
  });

  it('is what MQTT.js gets for clients that ask for it (our sessions), and only for those', () => {
    installFastPublishParser();
    installFastPublishParser();
    expect(mqttPacket.parser({ ...V4, [FAST_PUBLISH_PARSER]: true })).toBeInstanceOf(
      FastPublishParser,
    );
    expect(mqttPacket.parser(V4)).not.toBeInstanceOf(FastPublishParser);
    expect(
      mqttPacket.parser({ protocolVersion: 5, [FAST_PUBLISH_PARSER]: true }),
    ).not.toBeInstanceOf(FastPublishParser);
  });
});
