// Teltonika TCP framing as a state machine: the IMEI handshake, then AVL packets (zero preamble, length, data, CRC) however TCP splits or joins them.
import { crc16Ibm } from './crc16.js';

/**
 * Far above a real packet (a Codec 8 packet of one record is at most ~800 bytes, a full buffer
 * of Codec 8 Extended records a few KB) and far below what would hurt: a longer announced length
 * is refused before anything is buffered.
 */
export const MAX_DATA_LENGTH = 64 * 1024;
/** Codec id, record count, a record of at least 24 bytes, the second count. */
const MIN_DATA_LENGTH = 3;
/** An IMEI has 15 digits; some devices send a 16-digit IMEISV, none send fewer than 8. */
const IMEI_PATTERN = /^[0-9]{8,17}$/;

export type FrameEvent =
  | { kind: 'imei'; imei: string }
  /** A one-byte 0xFF keep-alive some firmwares send between packets: nothing to answer. */
  | { kind: 'ping' }
  /** One AVL packet's data (codec id .. second record count) whose CRC matched. */
  | { kind: 'avl'; data: Buffer }
  /** A complete packet whose CRC did not match: not acknowledged, so the device sends it again. */
  | { kind: 'bad_crc'; expected: number; actual: number }
  /** The stream cannot be framed any more: the connection is closed. */
  | { kind: 'error'; code: FramingErrorCode; message: string };

export type FramingErrorCode = 'bad_imei' | 'bad_preamble' | 'bad_length';

type State = 'imei' | 'avl' | 'failed';

export class TeltonikaFramer {
  private state: State = 'imei';
  private buf: Buffer = Buffer.alloc(0);

  /** Bytes received but not yet a whole frame (a slow sender shows here). */
  get buffered(): number {
    return this.buf.length;
  }

  get handshaken(): boolean {
    return this.state === 'avl';
  }

  /** Feeds one TCP segment; returns the frames it completed, in order. */
  push(chunk: Buffer): FrameEvent[] {
    if (this.state === 'failed') return [];
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const events: FrameEvent[] = [];
    for (;;) {
      const event = this.state === 'imei' ? this.nextImei() : this.nextAvl();
      if (!event) break;
      events.push(event);
      if (event.kind === 'error') {
        this.state = 'failed';
        this.buf = Buffer.alloc(0);
        break;
      }
    }
    return events;
  }

  private take(n: number): Buffer {
    const head = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return head;
  }

  private nextImei(): FrameEvent | undefined {
    if (this.buf.length < 2) return undefined;
    const len = this.buf.readUInt16BE(0);
    if (len < 8 || len > 17) {
      return { kind: 'error', code: 'bad_imei', message: `IMEI length ${len} (8 to 17 digits)` };
    }
    if (this.buf.length < 2 + len) {
      // Refuse a non-digit as soon as it arrives rather than wait for the rest.
      const partial = this.buf.subarray(2).toString('latin1');
      if (/[^0-9]/.test(partial)) {
        return { kind: 'error', code: 'bad_imei', message: 'IMEI is not digits' };
      }
      return undefined;
    }
    const imei = this.take(2 + len)
      .subarray(2)
      .toString('latin1');
    if (!IMEI_PATTERN.test(imei)) {
      return { kind: 'error', code: 'bad_imei', message: 'IMEI is not digits' };
    }
    this.state = 'avl';
    return { kind: 'imei', imei };
  }

  private nextAvl(): FrameEvent | undefined {
    if (this.buf.length === 0) return undefined;
    if (this.buf[0] === 0xff) {
      this.take(1);
      return { kind: 'ping' };
    }
    // The preamble is checked byte by byte as it arrives: garbage is refused at once.
    const seen = Math.min(4, this.buf.length);
    for (let i = 0; i < seen; i++) {
      if (this.buf[i] !== 0) {
        return {
          kind: 'error',
          code: 'bad_preamble',
          message: 'an AVL packet starts with four zero bytes',
        };
      }
    }
    if (this.buf.length < 8) return undefined;
    const len = this.buf.readUInt32BE(4);
    if (len < MIN_DATA_LENGTH || len > MAX_DATA_LENGTH) {
      return {
        kind: 'error',
        code: 'bad_length',
        message: `data length ${len} (${MIN_DATA_LENGTH} to ${MAX_DATA_LENGTH})`,
      };
    }
    const total = 8 + len + 4;
    if (this.buf.length < total) return undefined;
    const packet = this.take(total);
    // Copied out: the connection's later segments must not keep this one's memory alive.
    const data = Buffer.from(packet.subarray(8, 8 + len));
    const actual = packet.readUInt32BE(8 + len);
    const expected = crc16Ibm(data);
    if (actual !== expected) return { kind: 'bad_crc', expected, actual };
    return { kind: 'avl', data };
  }
}
