// CSV lines to candidate readings: a header naming device_id,seq,timestamp,speed in any order, or an InfluxDB annotated-CSV export.
import { cellNumber, splitCsvLine } from './csv-fields.js';
import { type FormatReader, ImportFatalError, type RowSink } from './rows.js';

/** Column names accepted for the time of a reading: ours, Flux's, InfluxQL's CSV. */
const TIME_COLUMNS = ['timestamp', '_time', 'time'];

export interface CsvOptions {
  /** Rows of an export whose `_measurement` differs are skipped (the original: vehicle_speed). */
  measurement: string;
  /** Rows of an export whose `_field` differs are skipped (the original: speed). */
  field: string;
}

interface Columns {
  lineNo: number;
  width: number;
  device: number;
  seq: number;
  time: number;
  speed: number;
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
    let speed = names.indexOf('speed');
    if (speed < 0) speed = names.indexOf('_value');
    const device = names.indexOf('device_id');
    const missing = [
      device < 0 ? 'device_id' : '',
      time < 0 ? 'timestamp (or _time)' : '',
      speed < 0 ? 'speed (or _value)' : '',
    ].filter((m) => m !== '');
    if (missing.length > 0) {
      const detail = `the header of line ${lineNo} has no ${missing.join(', ')} column`;
      if (this.columns === undefined && this.badHeader === undefined) {
        throw new ImportFatalError(
          `line ${lineNo}: ${detail}; a CSV file starts with a header naming device_id, seq, timestamp and speed (any order), or is an InfluxDB annotated-CSV export`,
        );
      }
      this.columns = undefined;
      this.badHeader = { lineNo, detail };
      return;
    }
    this.badHeader = undefined;
    this.columns = {
      lineNo,
      width: fields.length,
      device,
      seq: names.indexOf('seq'),
      time,
      speed,
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
    this.sink.row(
      {
        device_id: cell(fields, c, c.device),
        seq: hasSeq ? cellNumber(cell(fields, c, c.seq)) : 0,
        timestamp: cell(fields, c, c.time),
        speed: cellNumber(cell(fields, c, c.speed)),
      },
      hasSeq,
      lineNo,
    );
  }
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
