// CSV of the geo routes (RFC 4180): a header, one line per row, fields quoted when they need it.
import type { Response } from 'express';

function field(v: unknown): string {
  if (v === undefined || v === null) return '';
  const text = typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvText(columns: readonly string[], rows: readonly object[]): string {
  const lines = [columns.join(',')];
  for (const r of rows) {
    lines.push(columns.map((c) => field((r as Record<string, unknown>)[c])).join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Sends rows as an attachment named `name`.csv. */
export function sendCsv(
  res: Response,
  name: string,
  columns: readonly string[],
  rows: readonly object[],
): void {
  res
    .status(200)
    .set({
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="${name}.csv"`,
      'Cache-Control': 'no-store',
    })
    .send(csvText(columns, rows));
}
