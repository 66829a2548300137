// Drill output: one table (or one JSON document) for every scenario run.
import type { ScenarioResult } from './run.js';

const seconds = (ms: number) => (ms < 0 ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);

const COLUMNS: Array<[string, (r: ScenarioResult) => string]> = [
  ['scenario', (r) => r.name],
  ['rounds', (r) => String(r.rounds)],
  ['published', (r) => String(r.published)],
  ['broker acks', (r) => String(r.acknowledged)],
  ['stored', (r) => String(r.stored)],
  ['lost', (r) => String(r.lost)],
  ['dropped', (r) => String(r.dropped)],
  ['duplicates', (r) => String(r.duplicates)],
  ['longest outage', (r) => seconds(r.max_outage_ms)],
  ['drain', (r) => seconds(r.drain_ms)],
  ['result', (r) => (r.problems.length === 0 ? 'ok' : 'FAIL')],
];

export function table(results: readonly ScenarioResult[]): string {
  const rows = [COLUMNS.map(([h]) => h), ...results.map((r) => COLUMNS.map(([, f]) => f(r)))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  const out = [
    line(rows[0] ?? []),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.slice(1).map(line),
  ];
  for (const r of results) {
    const details = Object.entries(r.extra)
      .filter(([k]) => k !== 'expected_rejects')
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`);
    if (details.length > 0) out.push(`${r.name}: ${details.join(' ')}`);
    for (const p of r.problems) out.push(`${r.name}: PROBLEM: ${p}`);
  }
  return out.join('\n');
}

export function json(results: readonly ScenarioResult[]): string {
  return JSON.stringify({
    scenarios: results.map((r) => ({
      name: r.name,
      rounds: r.rounds,
      published: r.published,
      acknowledged: r.acknowledged,
      stored: r.stored,
      lost: r.lost,
      dropped: r.dropped,
      duplicates: r.duplicates,
      unexpected: r.unexpected,
      max_outage_ms: r.max_outage_ms,
      drain_ms: r.drain_ms,
      ...r.extra,
      problems: r.problems,
    })),
  });
}
