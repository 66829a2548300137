// Writes test/durations.json (seconds per test file) from a vitest JSON report: the order
// test/longest-first.ts runs files in. Usage: npm run test:durations -- report.json
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface Report {
  testResults: Array<{ name: string; startTime: number; endTime: number }>;
}

const reportPath = process.argv[2];
if (reportPath === undefined) {
  process.stderr.write('usage: npm run test:durations -- <vitest JSON report>\n');
  process.exit(1);
}
const root = process.cwd();
const report = JSON.parse(readFileSync(reportPath, 'utf8')) as Report;
const out: Record<string, number> = {};
const rows = report.testResults
  .map((t) => ({
    file: relative(root, t.name).split('\\').join('/'),
    s: Math.round((t.endTime - t.startTime) / 100) / 10,
  }))
  .sort((a, b) => b.s - a.s || a.file.localeCompare(b.file));
for (const r of rows) out[r.file] = r.s;
writeFileSync(join(root, 'test/durations.json'), `${JSON.stringify(out, null, 2)}\n`);
process.stdout.write(`test/durations.json: ${rows.length} files\n`);
