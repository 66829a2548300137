// What a format reader (CSV, NDJSON) hands on for each line: a candidate reading, a reject, or a skip; and a header's unknown columns.
import type { RejectReason } from '../../core/validate.js';

/** Reasons beyond MQTT's that only a file can have. */
export type ImportRejectReason = RejectReason | 'invalid_csv' | 'bad_header' | 'out_of_order';

export interface RowSink {
  /**
   * A candidate reading with the wire contract's field names, not yet validated. `hasSeq` false:
   * the row has no seq column (an InfluxDB export); the importer numbers it.
   */
  row(value: unknown, hasSeq: boolean, lineNo: number): void;
  reject(lineNo: number, reason: ImportRejectReason, detail: string): void;
  /** A row that is not a reading (another field or measurement of an InfluxDB export). */
  skip(): void;
  /** Columns of a header that are neither a reading's keys nor a signal: reported, not read. */
  ignore(columns: readonly string[]): void;
}

export interface FormatReader {
  line(text: string, lineNo: number): void;
}

/** Raised for a file that cannot be read at all (e.g. a CSV whose first line is no header). */
export class ImportFatalError extends Error {
  override name = 'ImportFatalError';
}
