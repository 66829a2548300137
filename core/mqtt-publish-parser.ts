// MQTT.js's incoming parser for our sessions: PUBLISH packets decoded straight from the socket's buffers; every other packet handed, whole, to mqtt-packet's own parser.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';

/**
 * Why: mqtt-packet's parser allocated ~2.2 KB per incoming PUBLISH (a quarter of everything the
 * collector allocated under full ingest, sampled with the V8 heap profiler): a one-byte Buffer per
 * header byte read through its BufferList, a Buffer view per consume, and the rest-argument array
 * of a dozen disabled `debug()` calls. Here a PUBLISH costs its packet object, its topic string
 * and a view of the payload, nothing else. The packet has the fields mqtt-packet's has (cmd,
 * retain, qos, dup, length, topic, payload, messageId for QoS > 0).
 *
 * Scope: MQTT 3.1.1 only (a v5 PUBLISH carries properties: mqtt-packet parses those). Anything
 * this parser is not sure of (another packet type, QoS 3, a topic running past the packet, a
 * remaining length over 4 bytes) is given to mqtt-packet's parser as whole packet bytes, so its
 * packets and errors are exactly mqtt-packet's. A test holds both parsers to the same packets over
 * random chunkings of the same byte stream.
 */
export const FAST_PUBLISH_PARSER = 'fastPublishParser';

/**
 * A client option (set on `client.options` at any time, read at each socket chunk): a receiver
 * that takes PUBLISH packets straight from the parser, skipping MQTT.js's per-packet queue (a
 * process.nextTick per packet), its handlers, its 'message' event and its PUBACK: the receiver
 * answers for the PUBACK itself (collector/puback-gate.ts). It returns false for a packet it does
 * not take; that packet, and every packet after it in the same chunk, goes to MQTT.js as usual,
 * so packets are still handled in the order they came (MQTT.js's queue is empty whenever a chunk
 * begins: it asks for the next chunk only once it has handled the last packet).
 *
 * Why: in the collector under full ingest MQTT.js's path around handleMessage cost ~1 µs of CPU
 * and ~0.5 KB of garbage per message (closures, the PUBACK packet object, the queue's ticks),
 * measured with the CPU and heap profilers.
 */
export const FAST_PUBLISH_DIRECT = 'fastPublishDirect';

export type DirectPublish = (
  topic: string,
  payload: Buffer,
  qos: number,
  messageId: number | undefined,
) => boolean;

/** Installs (or, with undefined, removes) a client's direct PUBLISH receiver. */
export function setDirectPublish(
  client: { options: object },
  receiver: DirectPublish | undefined,
): void {
  (client.options as Record<string, unknown>)[FAST_PUBLISH_DIRECT] = receiver;
}

interface PacketParser extends EventEmitter {
  parse(buf: Buffer): number;
}
type ParserFactory = (options?: Record<string, unknown>) => PacketParser;

class PublishPacket {
  readonly cmd = 'publish';
  constructor(
    readonly retain: boolean,
    readonly qos: number,
    readonly dup: boolean,
    readonly length: number,
    readonly topic: string,
    readonly payload: Buffer,
    readonly messageId: number | undefined,
  ) {}
}

export class FastPublishParser extends EventEmitter {
  /** Bytes of a packet not complete yet (kept as received; joined once the packet is whole). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes the packet at the head of `pending` needs in all (0: its header is incomplete). */
  private need = 0;
  private inner: PacketParser | undefined;
  /** This chunk's direct receiver, until a packet goes to MQTT.js (see FAST_PUBLISH_DIRECT). */
  private direct: DirectPublish | undefined;

  constructor(
    private readonly createInner: () => PacketParser,
    private readonly options: Record<string, unknown> = {},
  ) {
    super();
  }

  /** mqtt-packet's contract: emits 'packet' for each complete packet; returns the bytes held. */
  parse(chunk: Buffer): number {
    const direct = this.options[FAST_PUBLISH_DIRECT];
    this.direct = typeof direct === 'function' ? (direct as DirectPublish) : undefined;
    let buf = chunk;
    if (this.pendingBytes > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      // The header was cut: its size is known once it is whole (it is at most 5 bytes).
      if (this.need === 0) this.need = this.sizeOf(Buffer.concat(this.pending), 0);
      if (this.need === 0 || this.pendingBytes < this.need) return this.pendingBytes;
      buf = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
    }
    this.need = 0;
    let pos = 0;
    const end = buf.length;
    while (pos < end) {
      const size = this.sizeOf(buf, pos);
      if (size < 0) {
        // A remaining length over 4 bytes: mqtt-packet reports the malformed packet.
        this.delegate(buf.subarray(pos));
        return 0;
      }
      if (size === 0 || pos + size > end) {
        this.need = size;
        this.pending = [buf.subarray(pos)];
        this.pendingBytes = end - pos;
        return this.pendingBytes;
      }
      if (!this.publish(buf, pos, pos + size)) this.delegate(buf.subarray(pos, pos + size));
      pos += size;
    }
    return 0;
  }

  /** Whole packet size at `pos`: 0 when its fixed header is not complete yet, -1 when malformed. */
  private sizeOf(buf: Buffer, pos: number): number {
    let length = 0;
    let mul = 1;
    for (let i = pos + 1; i < pos + 5; i++) {
      if (i >= buf.length) return 0;
      const b = buf[i] as number;
      length += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return i + 1 - pos + length;
      mul *= 128;
    }
    return -1;
  }

  /** Emits the PUBLISH at buf[start, stop), or returns false for mqtt-packet to parse it. */
  private publish(buf: Buffer, start: number, stop: number): boolean {
    const header = buf[start] as number;
    if (header >> 4 !== 3) return false;
    const qos = (header >> 1) & 3;
    if (qos === 3) return false;
    let p = start + 1;
    while ((buf[p] as number) & 0x80) p++;
    p++;
    const length = stop - p;
    if (length < 2) return false;
    const topicEnd = p + 2 + (((buf[p] as number) << 8) | (buf[p + 1] as number));
    if (topicEnd > stop) return false;
    const topic = buf.toString('utf8', p + 2, topicEnd);
    p = topicEnd;
    let messageId: number | undefined;
    if (qos > 0) {
      if (stop - p < 2) return false;
      messageId = ((buf[p] as number) << 8) | (buf[p + 1] as number);
      p += 2;
    }
    const payload = buf.subarray(p, stop);
    if (this.direct?.(topic, payload, qos, messageId)) return true;
    this.direct = undefined;
    const packet = new PublishPacket(
      (header & 1) !== 0,
      qos,
      (header & 8) !== 0,
      length,
      topic,
      payload,
      messageId,
    );
    this.emit('packet', packet);
    return true;
  }

  private delegate(bytes: Buffer): void {
    this.direct = undefined;
    if (!this.inner) {
      const inner = this.createInner();
      inner.on('packet', (packet) => this.emit('packet', packet));
      inner.on('error', (err) => this.emit('error', err));
      this.inner = inner;
    }
    this.inner.parse(bytes);
  }
}

let installed = false;

/**
 * Makes mqtt-packet's `parser(options)` return a FastPublishParser for MQTT.js clients created
 * with `{ fastPublishParser: true }` (MQTT.js passes its client options to it) on MQTT 3.1.1; any
 * other client keeps mqtt-packet's own parser. Idempotent.
 */
export function installFastPublishParser(): void {
  if (installed) return;
  const fromHere = createRequire(import.meta.url);
  const mqttPacket = createRequire(fromHere.resolve('mqtt'))('mqtt-packet') as {
    parser?: ParserFactory;
  };
  const original = mqttPacket.parser;
  if (typeof original !== 'function') {
    throw new Error('mqtt-packet internals changed: parser() not found');
  }
  mqttPacket.parser = (options) =>
    options?.[FAST_PUBLISH_PARSER] === true && options.protocolVersion !== 5
      ? (new FastPublishParser(() => original(options), options) as unknown as PacketParser)
      : original(options);
  installed = true;
}
