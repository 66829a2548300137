// Export rows written straight into a Buffer, column by column: CSV or NDJSON bytes without a string or an object per number or row (see why below).
import { FLAG_CODES, type ReadingColumns } from '../../core/store/types.js';
import type { ExportColumn } from './selection.js';

export type ExportFormat = 'csv' | 'ndjson';

/** Years 0000..9999: toISOString's plain `YYYY-MM-DDTHH:MM:SS.mmmZ` form. */
const PLAIN_MIN = -62_167_219_200_000;
const PLAIN_MAX = 253_402_300_799_999;
/** `00`..`59` and `000`..`999`, so seconds and milliseconds are copied, never converted. */
const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const THREE = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const COMMA = 0x2c;
const CLOSE = 0x5d;
const NEWLINE = 0x0a;
/** `null`: JSON.stringify's rendering of NaN, a reading without the signal. */
const N_OF_NULL = 0x6e;
/** Flag names by code (FLAG_CODES), written as they are. */
const FLAG_NAMES: string[] = [];
for (const [name, code] of Object.entries(FLAG_CODES)) FLAG_NAMES[code] = name;
/** A 64-character id, a 16-digit seq, an expanded-year timestamp and the fixed keys. */
const ROW_BYTES = 160;
/** Per column: its key quoted with a colon, a 24-character double, a separator. */
const COLUMN_BYTES = 30;

/** A column as the encoder walks it. */
interface Column {
  kind: 'number' | 'boolean' | 'position_valid' | 'position_flag';
  /** Nested under `position` in NDJSON. */
  position: boolean;
  key: string;
  /** `,"key":` (NDJSON). */
  member: string;
  /** `,"position":{"key":`: the member that opens the position object. */
  opening: string;
  /** This chunk's values (NaN: the reading lacks it); undefined: none has it. */
  data: Float64Array | undefined;
  /** A number column's values of this chunk as JSON text (`[1,null,2.5]`), in latin1 bytes. */
  text: Buffer;
  /** Where the next row's number starts in `text`. */
  at: number;
}

function column(c: ExportColumn): Column {
  const base = { data: undefined, text: Buffer.alloc(0), at: 0 };
  if (c.kind !== 'signal') {
    return { kind: c.kind, position: false, key: c.kind, member: '', opening: '', ...base };
  }
  const { def } = c;
  return {
    kind: def.type === 'boolean' ? 'boolean' : 'number',
    position: def.group === 'position',
    key: def.key,
    member: `,"${def.wireKey}":`,
    opening: `,"position":{"${def.wireKey}":`,
    ...base,
  };
}

/**
 * Why bytes and not `text += \`${id},${seq},…\``: every number turned into a string goes through
 * V8's number-to-string cache, which lives in the old generation, so the strings it holds survive
 * young collections and are promoted. A 30-day export (2.6 M distinct seqs) then grew the old
 * space by 10 to 20 MB per million rows before a full collection, and the dashboard's resident
 * memory by over 100 MB (measured with bench/export.ts). Here seq is written digit by digit, the
 * timestamp from a per-minute prefix and two tables, booleans and flags as fixed words, and each
 * numeric signal (doubles, whose shortest form only V8 computes exactly) by one JSON.stringify of
 * its column per chunk; a column no reading of the chunk has costs one scan. The output is byte
 * for byte what template strings, JSON.stringify and toISOString give (a test holds them equal).
 * One encoder per export: it keeps the last minute and its buffers.
 *
 * CSV: the export's columns (selection.ts), a cell left empty where a reading lacks the signal.
 * NDJSON: each reading as a telemetry payload, as a device publishes it (position keys under
 * `position`), with `position_flag` when its position is not used.
 */
export class ChunkEncoder {
  private minute = Number.NaN;
  private prefix = '';
  private readonly head: string;
  private readonly columns: Column[];
  private readonly rowBytes: number;
  /** Reused from chunk to chunk: an export allocates its output memory once. */
  private out = Buffer.alloc(0);

  constructor(
    private readonly format: ExportFormat,
    deviceId: string,
    columns: readonly ExportColumn[],
  ) {
    // Device ids match ^[A-Za-z0-9_-]{1,64}$: nothing needs quoting or escaping.
    this.head = format === 'csv' ? `${deviceId},` : `{"device_id":"${deviceId}","seq":`;
    this.columns = columns.map(column);
    this.rowBytes = ROW_BYTES + COLUMN_BYTES * (this.columns.length + 2);
  }

  /**
   * The chunk's bytes, in a buffer this encoder reuses: valid until the next call (wait for the
   * socket to take them first). Reusing it matters as much as the heap: a fresh buffer per chunk
   * is memory outside the heap that V8 frees only at its next collection, and a month of chunks
   * piled up tens of megabytes of them between collections.
   */
  encode(rows: ReadingColumns): Buffer {
    const n = rows.length;
    if (this.out.length < n * this.rowBytes) this.out = Buffer.allocUnsafe(n * this.rowBytes);
    const buf = this.out;
    for (const c of this.columns) prepare(c, rows);
    // Only the columns some reading of the chunk has are walked row by row: a speed-only vehicle
    // exported with every column costs little more than with speed alone.
    const live = this.columns.filter(
      (c) => c.data !== undefined || c.kind === 'position_valid' || c.kind === 'position_flag',
    );
    const csv = this.format === 'csv';
    const cells = csv ? csvPlan(this.columns) : [];
    let o = 0;
    for (let i = 0; i < n; i++) {
      o += buf.write(this.head, o, 'latin1');
      o = writeUint(buf, o, rows.seq[i] as number);
      o += buf.write(csv ? ',' : ',"timestamp":"', o, 'latin1');
      o = this.writeTime(buf, o, rows.timestamp[i] as number);
      if (csv) {
        o = csvCells(buf, o, cells, rows.flag[i] as number, i);
        buf[o++] = NEWLINE;
      } else {
        buf[o++] = 0x22; // "
        o = jsonMembers(buf, o, live, rows.flag[i] as number, i);
        buf[o++] = 0x7d; // }
        buf[o++] = NEWLINE;
      }
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

/**
 * The chunk's values of one column; a number column's as JSON text in one JSON.stringify, which
 * writes each number's ToString form straight into its output, with no string (and no cache
 * entry) per number.
 */
function prepare(c: Column, rows: ReadingColumns): void {
  if (c.kind === 'position_valid' || c.kind === 'position_flag') return;
  const data = rows.values[c.key];
  c.data = data && hasAny(data) ? data : undefined;
  if (c.kind !== 'number' || !c.data) return;
  const json = JSON.stringify(Array.from(c.data));
  if (c.text.length < json.length) c.text = Buffer.allocUnsafe(json.length * 2);
  c.text.write(json, 0, 'latin1');
  c.at = 1; // after '['
}

function hasAny(data: Float64Array): boolean {
  for (let i = 0; i < data.length; i++) if (!Number.isNaN(data[i])) return true;
  return false;
}

/**
 * Copies row's number (present) from the column's text to `o`, or nothing for `null`; moves the
 * column on to the next row either way. Returns the offset after what it wrote.
 */
function copyNumber(c: Column, buf: Buffer, o: number): number {
  const text = c.text;
  const start = c.at;
  let end = start;
  while (text[end] !== COMMA && text[end] !== CLOSE) end++;
  c.at = end + 1;
  return text[start] === N_OF_NULL ? o : o + text.copy(buf, o, start, end);
}

/** The chunk's CSV cells: each run of columns no reading has as its commas, written at once. */
function csvPlan(columns: readonly Column[]): Array<Column | string> {
  const plan: Array<Column | string> = [];
  let gap = '';
  for (const c of columns) {
    if (c.data === undefined && (c.kind === 'number' || c.kind === 'boolean')) {
      gap += ',';
      continue;
    }
    if (gap) plan.push(gap);
    gap = '';
    plan.push(c);
  }
  if (gap) plan.push(gap);
  return plan;
}

function csvCells(
  buf: Buffer,
  o: number,
  cells: ReadonlyArray<Column | string>,
  flag: number,
  i: number,
) {
  for (const c of cells) {
    if (typeof c === 'string') {
      o += buf.write(c, o, 'latin1');
      continue;
    }
    buf[o++] = COMMA;
    switch (c.kind) {
      case 'number':
        if (c.data) o = copyNumber(c, buf, o);
        break;
      case 'boolean': {
        const v = c.data?.[i];
        if (v === 1) o += buf.write('true', o, 'latin1');
        else if (v === 0) o += buf.write('false', o, 'latin1');
        break;
      }
      case 'position_valid':
        if (flag === 0) o += buf.write('true', o, 'latin1');
        else if (flag > 0) o += buf.write('false', o, 'latin1');
        break;
      case 'position_flag':
        if (flag > 0) o += buf.write(FLAG_NAMES[flag] as string, o, 'latin1');
        break;
    }
  }
  return o;
}

/** `,"key":value` for each signal the reading has; position keys as `,"position":{…}`. */
function jsonMembers(buf: Buffer, o: number, columns: readonly Column[], flag: number, i: number) {
  let inPosition = false;
  let flagged = false;
  for (const c of columns) {
    if (c.kind === 'position_valid') continue;
    if (c.kind === 'position_flag') {
      flagged = flag > 0;
      continue;
    }
    if (inPosition && !c.position) {
      buf[o++] = 0x7d; // } of position
      inPosition = false;
    }
    if (flagged && !c.position) {
      o = writeFlag(buf, o, flag);
      flagged = false;
    }
    const data = c.data;
    if (!data) continue;
    const v = data[i] as number;
    if (Number.isNaN(v)) {
      if (c.kind === 'number') copyNumber(c, buf, o); // moves past this row's null
      continue;
    }
    if (c.position && !inPosition) {
      o += buf.write(c.opening, o, 'latin1');
      inPosition = true;
    } else o += buf.write(c.member, o, 'latin1');
    if (c.kind === 'number') o = copyNumber(c, buf, o);
    else o += buf.write(v === 1 ? 'true' : 'false', o, 'latin1');
  }
  if (inPosition) buf[o++] = 0x7d;
  if (flagged) o = writeFlag(buf, o, flag);
  return o;
}

function writeFlag(buf: Buffer, o: number, flag: number): number {
  return o + buf.write(`,"position_flag":"${FLAG_NAMES[flag]}"`, o, 'latin1');
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
