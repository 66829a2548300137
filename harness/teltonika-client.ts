// A Teltonika tracker in a test or benchmark: encodes Codec 8 / 8 Extended packets (with its own CRC) and speaks the TCP handshake and acknowledgements.
import { connect, type Socket } from 'node:net';

export interface TestRecord {
  timestampMs: number;
  lat: number;
  lon: number;
  altitude: number;
  angle: number;
  satellites: number;
  /** km/h */
  speed: number;
  priority?: number;
  eventIoId?: number;
  /** IO id → [size in bytes (1, 2, 4, 8), unsigned value]. */
  io?: Readonly<Record<number, readonly [number, number]>>;
}

/**
 * CRC-16/IBM written again here on purpose: the harness must not import the gateway it tests, and
 * the decoder tests check both against the CRCs printed in Teltonika's examples.
 */
function crc16(data: Uint8Array): number {
  let crc = 0;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

export function imeiHandshake(imei: string): Buffer {
  const b = Buffer.alloc(2 + imei.length);
  b.writeUInt16BE(imei.length, 0);
  b.write(imei, 2, 'latin1');
  return b;
}

function writeUInt(size: number, value: number): Buffer {
  const b = Buffer.alloc(size);
  if (size === 8) b.writeBigUInt64BE(BigInt(value));
  else b.writeUIntBE(value, 0, size);
  return b;
}

function encodeRecord(r: TestRecord, extended: boolean): Buffer {
  const idSize = extended ? 2 : 1;
  const head = Buffer.alloc(8 + 1 + 15);
  head.writeBigUInt64BE(BigInt(r.timestampMs), 0);
  head.writeUInt8(r.priority ?? 0, 8);
  head.writeInt32BE(Math.round(r.lon * 1e7), 9);
  head.writeInt32BE(Math.round(r.lat * 1e7), 13);
  head.writeInt16BE(r.altitude, 17);
  head.writeUInt16BE(r.angle, 19);
  head.writeUInt8(r.satellites, 21);
  head.writeUInt16BE(r.speed, 22);
  const entries = Object.entries(r.io ?? {}).map(([id, [size, value]]) => ({
    id: Number(id),
    size,
    value,
  }));
  const parts: Buffer[] = [
    head,
    writeUInt(idSize, r.eventIoId ?? 0),
    writeUInt(idSize, entries.length),
  ];
  for (const size of [1, 2, 4, 8]) {
    const group = entries.filter((e) => e.size === size);
    parts.push(writeUInt(idSize, group.length));
    for (const e of group) parts.push(writeUInt(idSize, e.id), writeUInt(size, e.value));
  }
  if (extended) parts.push(writeUInt(2, 0)); // no NX elements
  return Buffer.concat(parts);
}

/** One AVL data packet: preamble, length, codec, records, count, CRC. */
export function encodeAvlPacket(records: readonly TestRecord[], codec: 0x08 | 0x8e = 0x08): Buffer {
  const extended = codec === 0x8e;
  const data = Buffer.concat([
    Buffer.from([codec, records.length]),
    ...records.map((r) => encodeRecord(r, extended)),
    Buffer.from([records.length]),
  ]);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc16(data), 0);
  return Buffer.concat([head, data, tail]);
}

/**
 * One tracker connection: `handshake()` answers the server's 0x01 / 0x00, `send()` the record
 * count the server acknowledged (or undefined when the connection closed first).
 */
export class TeltonikaClient {
  private socket: Socket | undefined;
  private received = Buffer.alloc(0);
  private waiter: { bytes: number; resolve: (b: Buffer | undefined) => void } | undefined;
  closed = false;

  constructor(
    private readonly port: number,
    private readonly host = '127.0.0.1',
  ) {}

  async connect(): Promise<void> {
    const socket = connect({ port: this.port, host: this.host });
    socket.setNoDelay(true);
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.received = Buffer.concat([this.received, d]);
      this.settle();
    });
    socket.on('close', () => {
      this.closed = true;
      this.settle();
    });
    socket.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
  }

  private settle(): void {
    const w = this.waiter;
    if (!w) return;
    if (this.received.length >= w.bytes) {
      const out = this.received.subarray(0, w.bytes);
      this.received = this.received.subarray(w.bytes);
      this.waiter = undefined;
      w.resolve(out);
    } else if (this.closed) {
      this.waiter = undefined;
      w.resolve(undefined);
    }
  }

  /** The next `bytes` bytes from the server; undefined if it closed first. */
  read(bytes: number): Promise<Buffer | undefined> {
    return new Promise((resolve) => {
      this.waiter = { bytes, resolve };
      this.settle();
    });
  }

  write(data: Buffer): void {
    this.socket?.write(data);
  }

  /** true: accepted (0x01); false: refused (0x00); undefined: closed without an answer. */
  async handshake(imei: string): Promise<boolean | undefined> {
    this.write(imeiHandshake(imei));
    const answer = await this.read(1);
    return answer === undefined ? undefined : answer[0] === 1;
  }

  /** Sends one packet and waits for the 4-byte record count. */
  async send(packet: Buffer): Promise<number | undefined> {
    this.write(packet);
    const answer = await this.read(4);
    return answer?.readUInt32BE(0);
  }

  close(): void {
    this.socket?.destroy();
  }
}
