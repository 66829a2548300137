// Bytes of an import file to batches of valid readings: lines, format, the MQTT checks (per signal), numbering, counts.
import type { SpeedReading } from '../../core/contract.js';
import { SignalCatalog, type SignalDef, type SignalValue } from '../../core/signals/catalog.js';
import { validateReadingValue } from '../../core/validate.js';
import { BatchBuilder, type BatchColumns } from './batch.js';
import { CsvReader } from './csv-reader.js';
import { fastAcceptTime } from './fast-accept.js';
import { LineSplitter } from './lines.js';
import { NdjsonReader } from './ndjson-reader.js';
import { type DeviceStart, SeqNumbering } from './numbering.js';
import type { FormatReader, ImportRejectReason, RowSink } from './rows.js';

export type Format = 'csv' | 'ndjson';

/** Longest line read; longer ones are rejected as too_large without being held in memory. */
export const MAX_LINE_CHARS = 64 * 1024;

export interface ParserOptions {
  format: Format;
  /** InfluxDB exports: the measurement, and the field whose `_value` is read (a signal's key). */
  measurement: string;
  field: string;
  /** SIGNALS_FILE's signals (the parsing thread builds the catalog from them). */
  customSignals: readonly SignalDef[];
  batchSize: number;
  /** How many bad lines to report one by one (all are counted). */
  showBad: number;
  /** The store's devices when the import began: where rows without seq are numbered from. */
  start: readonly DeviceStart[];
}

export interface ParseStats {
  bytes: number;
  lines: number;
  /** Valid readings handed to the store (which may still find some already stored). */
  accepted: number;
  /** Rows of other fields or measurements in an InfluxDB export. */
  skipped: number;
  /** Rows without seq whose time their device already has (stored, or earlier in the file). */
  timeDuplicates: number;
  rejected: Partial<Record<ImportRejectReason, number>>;
  /** Signals dropped from stored rows for a bad value (invalid_signal), by signal name. */
  invalidSignals: Record<string, number>;
  /** Keys of stored rows that are no signal (unknown_signal, ignored), by key (at most 50 keys). */
  unknownSignals: Record<string, number>;
  /** CSV header columns that are neither a reading's keys nor a signal (not read). */
  ignoredColumns: string[];
}

/** Distinct unknown keys counted by name; the rest are counted under this one. */
const MAX_UNKNOWN_KEYS = 50;
const OTHER_KEYS = '(others)';

export interface BadLine {
  lineNo: number;
  reason: ImportRejectReason;
  detail: string;
}

export class Parser implements RowSink {
  readonly stats: ParseStats = {
    bytes: 0,
    lines: 0,
    accepted: 0,
    skipped: 0,
    timeDuplicates: 0,
    rejected: {},
    invalidSignals: {},
    unknownSignals: {},
    ignoredColumns: [],
  };
  private readonly catalog: SignalCatalog;
  private readonly splitter: LineSplitter;
  private readonly reader: FormatReader;
  private readonly batches: BatchBuilder;
  private readonly numbering: SeqNumbering;
  private readonly badLines: BadLine[] = [];
  private reported = 0;
  private now = Date.now();

  constructor(private readonly options: ParserOptions) {
    this.catalog = new SignalCatalog(options.customSignals);
    this.batches = new BatchBuilder(options.batchSize);
    this.numbering = new SeqNumbering(new Map(options.start.map((d) => [d.deviceId, d])));
    this.reader =
      options.format === 'csv'
        ? new CsvReader(this, {
            measurement: options.measurement,
            field: options.field,
            catalog: this.catalog,
          })
        : new NdjsonReader(this);
    this.splitter = new LineSplitter(MAX_LINE_CHARS, {
      line: (text, lineNo) => {
        this.stats.lines = lineNo;
        this.reader.line(text, lineNo);
      },
      tooLong: (lineNo) => {
        this.stats.lines = lineNo;
        this.reject(lineNo, 'too_large', `line longer than ${MAX_LINE_CHARS} characters`);
      },
    });
  }

  /** Throws ImportFatalError for a file that cannot be read at all. */
  push(chunk: Buffer, now: number): void {
    this.stats.bytes += chunk.length;
    this.now = now;
    this.splitter.push(chunk);
  }

  end(): void {
    this.splitter.end();
  }

  /** Full batches so far; with `flush` (at the end), the partial one too. */
  takeBatches(flush = false): BatchColumns[] {
    return this.batches.take(flush);
  }

  /** Bad lines to report since the last call (the first `showBad` of the file). */
  takeBadLines(): BadLine[] {
    return this.badLines.splice(0);
  }

  row(value: unknown, hasSeq: boolean, lineNo: number): void {
    const v = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
    // The fast path: a speed payload as it stands (most files), without validation's objects.
    let time = fastAcceptTime(v, this.now);
    let r: SpeedReading | undefined;
    let values: Record<string, SignalValue> | undefined;
    let deviceId: string;
    let seq: number;
    let timestamp: string;
    if (time !== undefined) {
      r = value as SpeedReading;
      ({ device_id: deviceId, seq, timestamp } = r);
    } else {
      const verdict = validateReadingValue(value, this.now, this.catalog);
      if (!verdict.ok) {
        this.reject(lineNo, verdict.reason, verdict.detail);
        return;
      }
      for (const note of verdict.notes) this.note(note.reason, note.signal);
      ({ device_id: deviceId, seq, timestamp, values } = verdict.reading);
      time = Date.parse(timestamp);
    }
    if (!hasSeq) {
      const numbered = this.numbering.number(deviceId, time);
      if (numbered.verdict === 'out_of_order') {
        this.reject(lineNo, 'out_of_order', 'older than the previous row of its device (no seq)');
        return;
      }
      if (numbered.verdict !== 'new') {
        this.stats.timeDuplicates += 1;
        return;
      }
      seq = numbered.seq;
    }
    this.stats.accepted += 1;
    if (r) this.batches.addSpeed(deviceId, seq, timestamp, r.speed);
    else this.batches.add(deviceId, seq, timestamp, values ?? {});
  }

  /** A signal left out of an accepted row, counted by name. */
  private note(reason: 'invalid_signal' | 'unknown_signal', signal: string): void {
    const counts =
      reason === 'invalid_signal' ? this.stats.invalidSignals : this.stats.unknownSignals;
    let name = signal;
    if (!Object.hasOwn(counts, name) && Object.keys(counts).length >= MAX_UNKNOWN_KEYS) {
      name = OTHER_KEYS;
    }
    // defineProperty: a key named `__proto__` is counted like any other.
    Object.defineProperty(counts, name, {
      value: (Object.hasOwn(counts, name) ? (counts[name] as number) : 0) + 1,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }

  ignore(columns: readonly string[]): void {
    for (const c of columns) {
      if (this.stats.ignoredColumns.length >= 20) return;
      if (!this.stats.ignoredColumns.includes(c)) this.stats.ignoredColumns.push(c);
    }
  }

  reject(lineNo: number, reason: ImportRejectReason, detail: string): void {
    this.stats.rejected[reason] = (this.stats.rejected[reason] ?? 0) + 1;
    if (this.reported < this.options.showBad) {
      this.reported += 1;
      this.badLines.push({ lineNo, reason, detail });
    }
  }

  skip(): void {
    this.stats.skipped += 1;
  }
}
