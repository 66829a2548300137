// CSV lines to candidate readings: a header naming device_id, seq, timestamp and any signal columns (the export's), or an InfluxDB annotated-CSV export.
import type { SignalCatalog, SignalDef } from '../../core/signals/catalog.js';
import { cellBoolean, cellNumber, splitCsvLine } from './csv-fields.js';
import { type FormatReader, ImportFatalError, type RowSink } from './rows.js';

/** Column names accepted for the time of a reading: ours, Flux's, InfluxQL's CSV. */
const TIME_COLUMNS = ['timestamp', '_time', 'time'];
/**
 * Columns read otherwise or not at all, without a word: the position's judgement (the store makes
 * its own), and what InfluxDB's exports carry besides the values.
 */
const QUIET_COLUMNS = new Set([
  'device_id',
  'seq',
  'position_valid',
  'position_flag',
  '',
  'result',
  'table',
  '_start',
  '_stop',
  '_value',
  '_field',
  '_measurement',
  'name',
]);

export interface CsvOptions {
  /** Rows of an export whose `_measurement` differs are skipped (the original: vehicle_speed). */
  measurement: string;
  /** Rows of an export whose `_field` differs are skipped; `_value` is this signal (default speed). */
  field: string;
  catalog: SignalCatalog;
}

interface SignalColumn {
  index: number;
  def: SignalDef;
}

interface Columns {
  lineNo: number;
  width: number;
  device: number;
  seq: number;
  time: number;
  /** The speed column when it is the only signal: rows are speed payloads (the import's fast path). */
  speedOnly: number;
  /** Top-level signals and the position's, as a payload nests them. */
  top: SignalColumn[];
  position: SignalColumn[];
  field: number;
  measurement: number;
  /** `#default` annotation values by column index. */
  defaults: readonly string[];
}

/**
 * Reads plain CSV and annotated CSV alike. Annotated CSV (Flux, `influx query --raw`, the
 * InfluxDB UI's download) has `#datatype` / `#group` / `#default` rows before each table's header,
 * an empty first column, `_time` and `_value` / `_field` columns, and a blank line between tables,
 * which may order their columns differently. A line right after annotations is a header; after a
 * blank line, a line naming device_id and a time column is one.
 */
export class CsvReader implements FormatReader {
  private columns: Columns | undefined;
  private badHeader: { lineNo: number; detail: string } | undefined;
  private defaults: readonly string[] = [];
  private afterAnnotation = false;
  private afterBlank = false;

  constructor(
    private readonly sink: RowSink,
    private readonly options: CsvOptions,
  ) {}

  line(text: string, lineNo: number): void {
    if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === '')) {
      this.afterBlank = true;
      this.defaults = [];
      return;
    }
    if (text.charCodeAt(0) === 35 /* # */) {
      if (text.startsWith('#default')) this.defaults = splitCsvLine(text) ?? [];
      this.afterAnnotation = true;
      return;
    }
    const fields = splitCsvLine(text);
    if (!fields) {
      this.sink.reject(lineNo, 'invalid_csv', 'broken quoting (an unterminated quote?)');
      return;
    }
    const isHeader =
      (this.columns === undefined && this.badHeader === undefined) ||
      this.afterAnnotation ||
      (this.afterBlank && looksLikeHeader(fields));
    this.afterAnnotation = false;
    this.afterBlank = false;
    if (isHeader) this.header(fields, lineNo);
    else this.record(fields, lineNo, text);
  }

  private header(fields: string[], lineNo: number): void {
    const names = fields.map((f) => f.trim().toLowerCase());
    const time = names.findIndex((n) => TIME_COLUMNS.includes(n));
    const device = names.indexOf('device_id');
    const top: SignalColumn[] = [];
    const position: SignalColumn[] = [];
    const ignored: string[] = [];
    names.forEach((name, index) => {
      if (index === time || QUIET_COLUMNS.has(name)) return;
      const def = this.options.catalog.find(name);
      if (!def) ignored.push(name.slice(0, 64));
      else (def.group === 'position' ? position : top).push({ index, def });
    });
    const value = names.indexOf('_value');
    const valueSignal = this.options.catalog.find(this.options.field);
    if (top.length + position.length === 0 && value >= 0 && valueSignal) {
      (valueSignal.group === 'position' ? position : top).push({ index: value, def: valueSignal });
    }
    const missing = [
      device < 0 ? 'device_id' : '',
      time < 0 ? 'timestamp (or _time)' : '',
      top.length + position.length === 0 ? 'signal (speed, fuel_pct, …, or _value)' : '',
    ].filter((m) => m !== '');
    if (missing.length > 0) {
      const detail = `the header of line ${lineNo} has no ${missing.join(', ')} column`;
      if (this.columns === undefined && this.badHeader === undefined) {
        throw new ImportFatalError(
          `line ${lineNo}: ${detail}; a CSV file starts with a header naming device_id, seq, timestamp and signal columns such as speed (any order, any subset of the export's columns), or is an InfluxDB annotated-CSV export`,
        );
      }
      this.columns = undefined;
      this.badHeader = { lineNo, detail };
      return;
    }
    if (ignored.length > 0) this.sink.ignore(ignored);
    this.badHeader = undefined;
    const only = top.length === 1 && position.length === 0 ? top[0] : undefined;
    this.columns = {
      lineNo,
      width: fields.length,
      device,
      seq: names.indexOf('seq'),
      time,
      speedOnly: only?.def.key === 'speed' ? only.index : -1,
      top,
      position,
      field: names.indexOf('_field'),
      measurement: names.indexOf('_measurement'),
      defaults: this.defaults,
    };
  }

  private record(fields: string[], lineNo: number, text: string): void {
    const c = this.columns;
    if (!c) {
      const excerpt = text.length > 80 ? `${text.slice(0, 80)}…` : text;
      this.sink.reject(
        lineNo,
        'bad_header',
        `${this.badHeader?.detail ?? 'no header'}: ${excerpt}`,
      );
      return;
    }
    if (fields.length !== c.width) {
      this.sink.reject(
        lineNo,
        'invalid_csv',
        `${fields.length} fields where the header of line ${c.lineNo} has ${c.width}`,
      );
      return;
    }
    if (c.field >= 0 && cell(fields, c, c.field) !== this.options.field) {
      this.sink.skip();
      return;
    }
    if (c.measurement >= 0 && cell(fields, c, c.measurement) !== this.options.measurement) {
      this.sink.skip();
      return;
    }
    const hasSeq = c.seq >= 0;
    const deviceId = cell(fields, c, c.device);
    const seq = hasSeq ? cellNumber(cell(fields, c, c.seq)) : 0;
    const timestamp = cell(fields, c, c.time);
    if (c.speedOnly >= 0) {
      // A speed payload, as before signals existed: its checks and reasons are MQTT's speed
      // topic's. One literal of four keys (no spread), so the fast path reads a plain object.
      const speed = cellNumber(cell(fields, c, c.speedOnly));
      this.sink.row({ device_id: deviceId, seq, timestamp, speed }, hasSeq, lineNo);
      return;
    }
    // A telemetry payload: an empty cell is a signal the reading does not have.
    const payload: Record<string, unknown> = { device_id: deviceId, seq, timestamp };
    for (const s of c.top) {
      const v = cellValue(s.def, cell(fields, c, s.index));
      if (v !== undefined) payload[s.def.wireKey] = v;
    }
    let position: Record<string, unknown> | undefined;
    for (const s of c.position) {
      const v = cellValue(s.def, cell(fields, c, s.index));
      if (v === undefined) continue;
      position ??= {};
      position[s.def.wireKey] = v;
    }
    if (position) payload.position = position;
    this.sink.row(payload, hasSeq, lineNo);
  }
}

/** A cell as the payload's JSON would carry the signal (text that is none stays text: invalid). */
function cellValue(def: SignalDef, text: string | undefined): unknown {
  return def.type === 'boolean' ? cellBoolean(text) : cellNumber(text);
}

/** A cell with surrounding spaces trimmed, its column's `#default` when empty, undefined when still empty. */
function cell(fields: readonly string[], c: Columns, index: number): string | undefined {
  let v = fields[index] ?? '';
  if (v.length > 0 && (v.charCodeAt(0) === 32 || v.charCodeAt(v.length - 1) === 32)) v = v.trim();
  if (v === '') v = c.defaults[index] ?? '';
  return v === '' ? undefined : v;
}

function looksLikeHeader(fields: readonly string[]): boolean {
  const names = fields.map((f) => f.trim().toLowerCase());
  return names.includes('device_id') && names.some((n) => TIME_COLUMNS.includes(n));
}
