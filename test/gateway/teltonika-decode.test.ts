// Teltonika decoding against the example packets of Teltonika's own protocol page (wiki.teltonika-gps.com/view/Codec), framing under any TCP split, and hostile bytes.
import { describe, expect, it } from 'vitest';
import { BUILTIN_CATALOG, customSignal, SignalCatalog } from '../../core/signals/catalog.js';
import { AvlError, decodeAvl } from '../../gateway/teltonika/avl.js';
import { crc16Ibm } from '../../gateway/teltonika/crc16.js';
import {
  type FrameEvent,
  MAX_DATA_LENGTH,
  TeltonikaFramer,
} from '../../gateway/teltonika/framing.js';
import { customIoSignals, recordValues } from '../../gateway/teltonika/io-map.js';
import { encodeAvlPacket, imeiHandshake } from '../../harness/teltonika-client.js';

/** The handshake of the protocol page: length 0x000F, then IMEI 356307042441013 in ASCII. */
const HANDSHAKE = '000F333536333037303432343431303133';
/** Codec 8, example 1: one record, IO elements of 1, 2, 4 and 8 bytes. */
const C8_EX1 =
  '000000000000003608010000016B40D8EA30010000000000000000000000000000000105021503010101425E0F01F10000601A014E0000000000000000010000C7CF';
/** Codec 8, example 2: one record, 1- and 2-byte IO elements. */
const C8_EX2 =
  '000000000000002808010000016B40D9AD80010000000000000000000000000000000103021503010101425E100000010000F22A';
/** Codec 8, example 3: two records. */
const C8_EX3 =
  '000000000000004308020000016B40D57B480100000000000000000000000000000001010101000000000000016B40D5C198010000000000000000000000000000000101010101000000020000252C';
/** Codec 8 Extended example: 2-byte IO ids, 1/2/4/8-byte elements, no NX element. */
const C8E_EX =
  '000000000000004A8E010000016B412CEE000100000000000000000000000000000000010005000100010100010011001D00010010015E2C880002000B000000003544C87A000E000000001DD7E06A00000100002994';

const hex = (h: string) => Buffer.from(h, 'hex');

function frames(...chunks: Buffer[]): FrameEvent[] {
  const f = new TeltonikaFramer();
  return chunks.flatMap((c) => f.push(c));
}

function avlOf(h: string) {
  const [event] = frames(hex(HANDSHAKE), hex(h)).slice(1);
  if (event?.kind !== 'avl') throw new Error(`expected an avl frame, got ${event?.kind}`);
  return decodeAvl(event.data);
}

const ioObject = (io: Map<number, { value: number | undefined }>) =>
  Object.fromEntries([...io].map(([id, v]) => [id, v.value]));

describe('CRC-16/IBM', () => {
  it('matches the CRC each example packet carries', () => {
    for (const [h, crc] of [
      [C8_EX1, 0xc7cf],
      [C8_EX2, 0xf22a],
      [C8_EX3, 0x252c],
      [C8E_EX, 0x2994],
    ] as const) {
      const b = hex(h);
      const data = b.subarray(8, b.length - 4);
      expect(crc16Ibm(data)).toBe(crc);
      expect(b.readUInt32BE(b.length - 4)).toBe(crc);
    }
  });

  it('is the CRC-16/ARC check value for "123456789"', () => {
    expect(crc16Ibm(Buffer.from('123456789'))).toBe(0xbb3d);
  });
});

describe('Codec 8 and 8 Extended: the protocol page examples', () => {
  it('decodes the handshake IMEI', () => {
    expect(frames(hex(HANDSHAKE))).toEqual([{ kind: 'imei', imei: '356307042441013' }]);
  });

  it('example 1: one record, time, priority and every IO element', () => {
    const p = avlOf(C8_EX1);
    expect(p.codec).toBe(8);
    expect(p.records).toHaveLength(1);
    const r = p.records[0];
    expect(new Date(r?.timestampMs ?? 0).toISOString()).toBe('2019-06-10T10:04:46.000Z');
    expect(r?.priority).toBe(1);
    expect(r?.eventIoId).toBe(1);
    expect(ioObject(r?.io ?? new Map())).toEqual({ 21: 3, 1: 1, 66: 0x5e0f, 241: 0x601a, 78: 0 });
  });

  it('example 2: one record', () => {
    const r = avlOf(C8_EX2).records[0];
    expect(new Date(r?.timestampMs ?? 0).toISOString()).toBe('2019-06-10T10:05:36.000Z');
    expect(ioObject(r?.io ?? new Map())).toEqual({ 21: 3, 1: 1, 66: 0x5e10 });
  });

  it('example 3: two records', () => {
    const p = avlOf(C8_EX3);
    expect(p.records.map((r) => new Date(r.timestampMs).toISOString())).toEqual([
      '2019-06-10T10:01:01.000Z',
      '2019-06-10T10:01:19.000Z',
    ]);
    expect(p.records.map((r) => ioObject(r.io))).toEqual([{ 1: 0 }, { 1: 1 }]);
  });

  it('Codec 8 Extended example: 2-byte ids and an 8-byte element', () => {
    const p = avlOf(C8E_EX);
    expect(p.codec).toBe(0x8e);
    const r = p.records[0];
    expect(new Date(r?.timestampMs ?? 0).toISOString()).toBe('2019-06-10T11:36:32.000Z');
    expect(ioObject(r?.io ?? new Map())).toEqual({
      1: 1,
      17: 0x1d,
      16: 0x015e2c88,
      11: 0x3544c87a,
      14: 0x1dd7e06a,
    });
  });

  it('maps the examples onto the catalog: external voltage, odometer; no position without satellites', () => {
    const none = customIoSignals(BUILTIN_CATALOG);
    expect(recordValues(avlOf(C8_EX1).records[0] as never, none)).toEqual({ battery_v: 24.079 });
    // IO 16, total odometer, 22,949,000 m.
    expect(recordValues(avlOf(C8E_EX).records[0] as never, none)).toEqual({
      odometer_km: 22949,
    });
  });

  it('gives unmapped IO elements to io_<id> custom signals', () => {
    const catalog = new SignalCatalog([
      customSignal({ name: 'io_21', type: 'number', unit: 'bars' }),
      customSignal({ name: 'io_1', type: 'boolean' }),
    ]);
    const values = recordValues(avlOf(C8_EX2).records[0] as never, customIoSignals(catalog));
    expect(values).toEqual({ battery_v: 24.08, io_21: 3, io_1: true });
  });
});

describe('our encoder (harness) against the decoder', () => {
  const record = {
    timestampMs: Date.UTC(2026, 0, 2, 3, 4, 5, 678),
    lat: 52.5200066,
    lon: 13.404954,
    altitude: -12,
    angle: 271,
    satellites: 9,
    speed: 63,
    io: { 239: [1, 1], 16: [4, 12_345_678], 66: [2, 14_123], 115: [2, 0xffec], 113: [1, 87] },
  } as const;

  for (const codec of [8, 0x8e] as const) {
    it(`round-trips a positioned record (codec 0x${codec.toString(16)})`, () => {
      const packet = encodeAvlPacket([record], codec);
      const [event] = frames(imeiHandshake('356307042441013'), packet).slice(1);
      if (event?.kind !== 'avl') throw new Error('no avl frame');
      const r = decodeAvl(event.data).records[0];
      expect(recordValues(r as never, new Map())).toEqual({
        speed: 63,
        lat: 52.5200066,
        lon: 13.404954,
        alt: -12,
        heading: 271,
        ignition: true,
        odometer_km: 12345.678,
        battery_v: 14.123,
        battery_pct: 87,
        coolant_c: -2,
      });
    });
  }
});

describe('framing under TCP', () => {
  const stream = Buffer.concat([hex(HANDSHAKE), hex(C8_EX1), hex(C8_EX3), hex(C8E_EX)]);
  const kinds = (events: FrameEvent[]) => events.map((e) => e.kind);

  it('frames the same packets whatever the segment sizes', () => {
    const whole = frames(stream);
    expect(kinds(whole)).toEqual(['imei', 'avl', 'avl', 'avl']);
    for (const size of [1, 2, 3, 7, 13, 64]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < stream.length; i += size) chunks.push(stream.subarray(i, i + size));
      expect(frames(...chunks)).toEqual(whole);
    }
  });

  it('skips a 0xFF keep-alive between packets', () => {
    expect(kinds(frames(hex(HANDSHAKE), hex('FF'), hex(C8_EX2)))).toEqual(['imei', 'ping', 'avl']);
  });

  it('reports a bad CRC without answering it, and keeps framing', () => {
    const bad = hex(C8_EX2);
    bad.writeUInt8((bad.at(-1) ?? 0) ^ 0x01, bad.length - 1);
    const events = frames(hex(HANDSHAKE), bad, hex(C8_EX2));
    expect(kinds(events)).toEqual(['imei', 'bad_crc', 'avl']);
  });
});

describe('hostile input', () => {
  const errorOf = (...chunks: Buffer[]) => {
    const events = frames(...chunks);
    const last = events.at(-1);
    return last?.kind === 'error' ? last.code : undefined;
  };

  it('refuses an IMEI that is not digits, or of an absurd length', () => {
    expect(errorOf(Buffer.from('\x00\x0fGET / HTTP/1.1\r\n', 'latin1'))).toBe('bad_imei');
    expect(errorOf(hex('FFFF'))).toBe('bad_imei');
    expect(errorOf(hex('0002'))).toBe('bad_imei');
    // Refused on the first non-digit, before the announced length has arrived.
    expect(errorOf(hex('000F33'), Buffer.from('x'))).toBe('bad_imei');
  });

  it('refuses a missing preamble and an absurd length before buffering it', () => {
    expect(errorOf(hex(HANDSHAKE), Buffer.from('POST /'))).toBe('bad_preamble');
    expect(errorOf(hex(HANDSHAKE), hex('000000007FFFFFFF'))).toBe('bad_length');
    const over = Buffer.alloc(8);
    over.writeUInt32BE(MAX_DATA_LENGTH + 1, 4);
    expect(errorOf(hex(HANDSHAKE), over)).toBe('bad_length');
  });

  it('holds a truncated packet without a frame, and buffers no more than it announced', () => {
    const f = new TeltonikaFramer();
    f.push(hex(HANDSHAKE));
    const full = hex(C8_EX1);
    expect(f.push(full.subarray(0, full.length - 1))).toEqual([]);
    expect(f.buffered).toBe(full.length - 1);
  });

  it('refuses a wrong codec, a count mismatch, trailing bytes and truncated records', () => {
    const code = (data: Buffer) => {
      try {
        decodeAvl(data);
        return 'decoded';
      } catch (err) {
        return err instanceof AvlError ? err.code : 'other';
      }
    };
    const data = hex(C8_EX2).subarray(8, -4);
    const wrong = Buffer.from(data);
    wrong[0] = 0x0c; // Codec 12 (commands)
    expect(code(wrong)).toBe('unsupported_codec');
    const counts = Buffer.from(data);
    counts[counts.length - 1] = 2;
    expect(code(counts)).toBe('count_mismatch');
    expect(code(Buffer.concat([data, hex('00')]))).toBe('trailing_bytes');
    expect(code(data.subarray(0, 20))).toBe('truncated');
    const many = Buffer.from(data);
    many[1] = 200; // 200 records announced, one present
    expect(code(many)).toBe('truncated');
    const zero = Buffer.from(data);
    zero[1] = 0;
    expect(code(zero)).toBe('no_records');
  });
});
