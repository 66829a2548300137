// The import's final summary: one line for people, or one JSON object (`--json`) for scripts and the benchmark.
import type { ParseStats } from './parser.js';
import type { ImportRejectReason } from './rows.js';

export interface ImportSummary {
  /** Data rows read: stored, duplicates, rejected and skipped (plus, when interrupted, unwritten ones). */
  rows: number;
  stored: number;
  /** Already stored (by (device_id, seq), or by time for rows without seq) or repeated in the file. */
  duplicates: number;
  rejected: number;
  rejected_by_reason: Partial<Record<ImportRejectReason, number>>;
  /** Rows of other fields or measurements in an InfluxDB export. */
  skipped: number;
  /** Signals dropped from stored rows for a bad value (the rest of the row is stored), by name. */
  invalid_signals: Record<string, number>;
  /** Keys or columns of stored rows that are no signal of the catalog (ignored), by name. */
  unknown_signals: Record<string, number>;
  /** CSV columns that are neither a reading's keys nor a signal (not read). */
  ignored_columns: string[];
  bytes: number;
  seconds: number;
  rows_per_s: number;
  interrupted: boolean;
  /** Why the import stopped early (store unavailable, unreadable file); absent when it did not. */
  error?: string;
}

export interface StoreTotals {
  stored: number;
  duplicates: number;
}

export function rejectedTotal(stats: ParseStats): number {
  let n = 0;
  for (const count of Object.values(stats.rejected)) n += count ?? 0;
  return n;
}

/** Data rows read so far: headers, annotations and blank lines are not rows. */
export function rowsRead(stats: ParseStats): number {
  return stats.accepted + stats.timeDuplicates + stats.skipped + rejectedTotal(stats);
}

export function summarize(
  stats: ParseStats,
  totals: StoreTotals,
  seconds: number,
  ending: { interrupted: boolean; error?: string },
): ImportSummary {
  const rejected = rejectedTotal(stats);
  const rows = rowsRead(stats);
  const summary: ImportSummary = {
    rows,
    stored: totals.stored,
    duplicates: totals.duplicates + stats.timeDuplicates,
    rejected,
    rejected_by_reason: stats.rejected,
    skipped: stats.skipped,
    invalid_signals: stats.invalidSignals,
    unknown_signals: stats.unknownSignals,
    ignored_columns: stats.ignoredColumns,
    bytes: stats.bytes,
    seconds: Math.round(seconds * 100) / 100,
    rows_per_s: Math.round(rows / Math.max(seconds, 0.001)),
    interrupted: ending.interrupted,
  };
  if (ending.error !== undefined) summary.error = ending.error;
  return summary;
}

export function summaryLine(s: ImportSummary): string {
  const reasons = Object.entries(s.rejected_by_reason)
    .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  let line = `import: ${s.rows} rows in ${s.seconds.toFixed(1)} s (${s.rows_per_s} rows/s): ${s.stored} stored, ${s.duplicates} duplicates, ${s.rejected} rejected`;
  if (reasons) line += ` (${reasons})`;
  if (s.skipped > 0) line += `, ${s.skipped} skipped (other fields or measurements)`;
  const dropped = counts(s.invalid_signals);
  if (dropped) line += `; signals dropped (invalid_signal): ${dropped}`;
  const unknown = counts(s.unknown_signals);
  if (unknown) line += `; unknown keys ignored: ${unknown}`;
  if (s.interrupted)
    line += '; INTERRUPTED: run it again to load the rest (stored rows are skipped)';
  if (s.error !== undefined) line += `; STOPPED: ${s.error}`;
  return line;
}

/** `fuel_pct 3, position.lat 1`, largest first; '' when none. */
function counts(byName: Record<string, number>): string {
  return Object.entries(byName)
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
}
