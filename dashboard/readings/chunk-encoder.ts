// Export rows written straight into a Buffer: CSV or NDJSON bytes without a string per number (see why below).
import type { ReadingColumns } from '../../core/store/types.js';

export type ExportFormat = 'csv' | 'ndjson';

/** Years 0000..9999: toISOString's plain `YYYY-MM-DDTHH:MM:SS.mmmZ` form. */
const PLAIN_MIN = -62_167_219_200_000;
const PLAIN_MAX = 253_402_300_799_999;
/** `00`..`59` and `000`..`999`, so seconds and milliseconds are copied, never converted. */
const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const COMMA = 0x2c;
const CLOSE = 0x5d;
/** Longest row: a 64-character id, a 16-digit seq, an expanded-year timestamp, a 24-character speed. */
const MAX_ROW_BYTES = 200;

/**
 * Why bytes and not `text += \`${id},${seq},…\``: every number turned into a string goes through
 * V8's number-to-string cache, which lives in the old generation, so the strings it holds survive
 * young collections and are promoted. A 30-day export (2.6 M distinct seqs) then grew the old
 * space by 10 to 20 MB per million rows before a full collection, and the dashboard's resident
 * memory by over 100 MB (measured with bench/export.ts). Here seq is written digit by digit, the
 * timestamp from a per-minute prefix and two tables, and the speeds (doubles, whose shortest form
 * only V8 computes exactly) by one JSON.stringify per chunk. The output is byte for byte what the
 * template strings and toISOString give (a test holds the two equal). One encoder per export: it
 * keeps the last minute.
 */
export class ChunkEncoder {
  private minute = Number.NaN;
  private prefix = '';
  private readonly head: string;
  /** Reused from chunk to chunk: an export allocates its output memory once. */
  private out = Buffer.alloc(0);
  private speeds = Buffer.alloc(0);

  constructor(
    private readonly format: ExportFormat,
    deviceId: string,
  ) {
    // Device ids match ^[A-Za-z0-9_-]{1,64}$: nothing needs quoting or escaping.
    this.head = format === 'csv' ? `${deviceId},` : `{"device_id":"${deviceId}","seq":`;
  }

  /**
   * The chunk's bytes, in a buffer this encoder reuses: valid until the next call (wait for the
   * socket to take them first). Reusing it matters as much as the heap: a fresh buffer per chunk
   * is memory outside the heap that V8 frees only at its next collection, and a month of chunks
   * piled up tens of megabytes of them between collections.
   */
  encode(rows: ReadingColumns): Buffer {
    const n = rows.length;
    if (this.out.length < n * MAX_ROW_BYTES) this.out = Buffer.allocUnsafe(n * MAX_ROW_BYTES);
    const buf = this.out;
    const csv = this.format === 'csv';
    // All speeds of the chunk in one string: JSON.stringify writes each number's ToString form
    // straight into its output, with no string (and no cache entry) per number.
    const json = JSON.stringify(Array.from(rows.values.speed ?? new Float64Array(n)));
    if (this.speeds.length < json.length) this.speeds = Buffer.allocUnsafe(json.length * 2);
    const speeds = this.speeds;
    speeds.write(json, 0, 'latin1');
    let s = 1; // after '['
    let o = 0;
    for (let i = 0; i < n; i++) {
      o += buf.write(this.head, o, 'latin1');
      o = writeUint(buf, o, rows.seq[i] as number);
      o += buf.write(csv ? ',' : ',"timestamp":"', o, 'latin1');
      o = this.writeTime(buf, o, rows.timestamp[i] as number);
      o += buf.write(csv ? ',' : '","speed":', o, 'latin1');
      let end = s;
      while (speeds[end] !== COMMA && speeds[end] !== CLOSE) end++;
      o += speeds.copy(buf, o, s, end);
      s = end + 1;
      o += buf.write(csv ? '\n' : '}\n', o, 'latin1');
    }
    return buf.subarray(0, o);
  }

  private writeTime(buf: Buffer, o: number, ms: number): number {
    if (!(ms >= PLAIN_MIN && ms <= PLAIN_MAX) || !Number.isInteger(ms)) {
      return o + buf.write(new Date(ms).toISOString(), o, 'latin1');
    }
    const minute = Math.floor(ms / 60_000);
    if (minute !== this.minute) {
      this.minute = minute;
      this.prefix = new Date(minute * 60_000).toISOString().slice(0, 17);
    }
    const rest = ms - minute * 60_000;
    const s = Math.floor(rest / 1000);
    let p = o + buf.write(this.prefix, o, 'latin1');
    p += buf.write(TWO[s] as string, p, 'latin1');
    buf[p++] = 0x2e; // .
    p += buf.write(THREE[rest - s * 1000] as string, p, 'latin1');
    buf[p++] = 0x5a; // Z
    return p;
  }
}

/** A safe integer >= 0 in decimal, written at `o`; returns the offset after it. */
function writeUint(buf: Buffer, o: number, n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) return o + buf.write(String(n), o, 'latin1');
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  let x = n;
  for (let i = o + digits - 1; i >= o; i--) {
    buf[i] = 0x30 + (x % 10);
    x = Math.floor(x / 10);
  }
  return o + digits;
}
