// Bytes of an import file to batches of valid readings: lines, format, the MQTT checks, numbering, counts.
import type { SpeedReading } from '../../core/contract.js';
import { BUILTIN_CATALOG } from '../../core/signals/catalog.js';
import { validateReadingValue } from '../../core/validate.js';
import { BatchBuilder, type ReadingColumns } from './batch.js';
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
  /** InfluxDB exports: the measurement and field holding speeds. */
  measurement: string;
  field: string;
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
}

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
  };
  private readonly splitter: LineSplitter;
  private readonly reader: FormatReader;
  private readonly batches: BatchBuilder;
  private readonly numbering: SeqNumbering;
  private readonly badLines: BadLine[] = [];
  private reported = 0;
  private now = Date.now();

  constructor(private readonly options: ParserOptions) {
    this.batches = new BatchBuilder(options.batchSize);
    this.numbering = new SeqNumbering(new Map(options.start.map((d) => [d.deviceId, d])));
    this.reader =
      options.format === 'csv'
        ? new CsvReader(this, { measurement: options.measurement, field: options.field })
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
  takeBatches(flush = false): ReadingColumns[] {
    return this.batches.take(flush);
  }

  /** Bad lines to report since the last call (the first `showBad` of the file). */
  takeBadLines(): BadLine[] {
    return this.badLines.splice(0);
  }

  row(value: unknown, hasSeq: boolean, lineNo: number): void {
    let r: SpeedReading;
    let time =
      typeof value === 'object' && value !== null
        ? fastAcceptTime(value as Record<string, unknown>, this.now)
        : undefined;
    if (time !== undefined) {
      r = value as SpeedReading;
    } else {
      const verdict = validateReadingValue(value, this.now, BUILTIN_CATALOG);
      if (!verdict.ok) {
        this.reject(lineNo, verdict.reason, verdict.detail);
        return;
      }
      const speed = verdict.reading.values.speed;
      if (typeof speed !== 'number') {
        this.reject(lineNo, 'no_signals', 'no speed (telemetry columns: not imported yet)');
        return;
      }
      r = { ...verdict.reading, speed };
      time = Date.parse(r.timestamp);
    }
    let seq = r.seq;
    if (!hasSeq) {
      const numbered = this.numbering.number(r.device_id, time);
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
    this.batches.add(r.device_id, seq, r.timestamp, r.speed);
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
