// Teltonika AVL data (Codec 8 and Codec 8 Extended): the bytes from the codec id to the second record count, decoded into records; a precise error otherwise.

export const CODEC_8 = 0x08;
export const CODEC_8E = 0x8e;

/** One IO element's value: unsigned as sent (signedness is the IO's, see io-map.ts). */
export interface IoValue {
  /** 1, 2, 4 or 8 bytes; 0 for a variable-length (NX) element, whose bytes are in `bytes`. */
  size: number;
  /** Unsigned value; undefined for an 8-byte value above 2^53 or an NX element. */
  value: number | undefined;
  bytes?: Buffer;
}

export interface AvlRecord {
  /** ms since the epoch (UTC), the device's clock. */
  timestampMs: number;
  priority: number;
  /** Degrees, WGS 84. */
  lon: number;
  lat: number;
  /** Metres. */
  altitude: number;
  /** Degrees from north. */
  angle: number;
  satellites: number;
  /** km/h. */
  speed: number;
  /** The IO element that caused the record (0: none). */
  eventIoId: number;
  io: Map<number, IoValue>;
}

export interface AvlPacket {
  codec: number;
  records: AvlRecord[];
}

export type AvlErrorCode =
  | 'unsupported_codec'
  | 'no_records'
  | 'truncated'
  | 'count_mismatch'
  | 'trailing_bytes';

export class AvlError extends Error {
  constructor(
    readonly code: AvlErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'AvlError';
  }
}

/** A bounds-checked big-endian reader: every read past the end is a `truncated` error. */
class Reader {
  offset = 0;
  constructor(private readonly buf: Buffer) {}

  private need(n: number, what: string): void {
    if (this.offset + n > this.buf.length) {
      throw new AvlError(
        'truncated',
        `${what}: needs ${n} bytes at offset ${this.offset}, packet has ${this.buf.length}`,
      );
    }
  }

  u8(what: string): number {
    this.need(1, what);
    return this.buf.readUInt8(this.offset++);
  }

  u16(what: string): number {
    this.need(2, what);
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  i16(what: string): number {
    this.need(2, what);
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  u32(what: string): number {
    this.need(4, what);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  i32(what: string): number {
    this.need(4, what);
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  u64(what: string): number | undefined {
    this.need(8, what);
    const v = this.buf.readBigUInt64BE(this.offset);
    this.offset += 8;
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
  }

  bytes(n: number, what: string): Buffer {
    this.need(n, what);
    const b = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }

  get remaining(): number {
    return this.buf.length - this.offset;
  }
}

const SIZES = [1, 2, 4, 8] as const;

function readIo(r: Reader, extended: boolean, io: Map<number, IoValue>): number {
  const id = (what: string) => (extended ? r.u16(what) : r.u8(what));
  const eventIoId = id('event IO id');
  id('IO count');
  for (const size of SIZES) {
    const n = id(`N${size} count`);
    for (let i = 0; i < n; i++) {
      const ioId = id(`N${size} IO id`);
      const what = `IO ${ioId} value`;
      const value =
        size === 1 ? r.u8(what) : size === 2 ? r.u16(what) : size === 4 ? r.u32(what) : r.u64(what);
      io.set(ioId, { size, value });
    }
  }
  if (extended) {
    const n = r.u16('NX count');
    for (let i = 0; i < n; i++) {
      const ioId = r.u16('NX IO id');
      const len = r.u16(`IO ${ioId} length`);
      io.set(ioId, { size: 0, value: undefined, bytes: r.bytes(len, `IO ${ioId} value`) });
    }
  }
  return eventIoId;
}

function readRecord(r: Reader, extended: boolean): AvlRecord {
  const timestampMs = r.u64('timestamp');
  if (timestampMs === undefined) throw new AvlError('truncated', 'timestamp beyond 2^53 ms');
  const priority = r.u8('priority');
  const lon = r.i32('longitude') / 1e7;
  const lat = r.i32('latitude') / 1e7;
  const altitude = r.i16('altitude');
  const angle = r.u16('angle');
  const satellites = r.u8('satellites');
  const speed = r.u16('speed');
  const io = new Map<number, IoValue>();
  const eventIoId = readIo(r, extended, io);
  return { timestampMs, priority, lon, lat, altitude, angle, satellites, speed, eventIoId, io };
}

/**
 * Decodes `data`: codec id, record count, records, record count again (the packet without its
 * zero preamble, length and CRC, which framing.ts has checked).
 */
export function decodeAvl(data: Buffer): AvlPacket {
  const r = new Reader(data);
  const codec = r.u8('codec id');
  if (codec !== CODEC_8 && codec !== CODEC_8E) {
    throw new AvlError(
      'unsupported_codec',
      `codec 0x${codec.toString(16).padStart(2, '0')} (only Codec 8 0x08 and 8 Extended 0x8e)`,
    );
  }
  const count = r.u8('record count');
  if (count === 0) throw new AvlError('no_records', 'record count 0');
  const records: AvlRecord[] = [];
  for (let i = 0; i < count; i++) records.push(readRecord(r, codec === CODEC_8E));
  const count2 = r.u8('second record count');
  if (count2 !== count) {
    throw new AvlError('count_mismatch', `record counts differ: ${count} then ${count2}`);
  }
  if (r.remaining !== 0) {
    throw new AvlError('trailing_bytes', `${r.remaining} bytes after the second record count`);
  }
  return { codec, records };
}
