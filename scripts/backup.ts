// `npm run backup -- OUT [--force] [--json]`: a consistent copy of the SQLite store while ingest runs, checked after.
import { existsSync, mkdirSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runProgram } from '../core/program.js';
import { type CopyCheck, checkCopy } from './backup/check-copy.js';
import { type CopyResult, onlineCopy } from './backup/online-copy.js';

const USAGE = `usage: npm run backup -- OUT [--force] [--json]
Copies the SQLite store (SQLITE_PATH) to OUT with SQLite's online backup: a consistent snapshot,
taken while the collector keeps writing. The copy is then opened and checked (integrity, row
counts, every device's coverage against its rows) and made a single file (no -wal). OUT must
not exist unless --force. Only for STORE=sqlite: back up InfluxDB with its own tools.`;

function fail(message: string, code: number): never {
  process.stderr.write(`backup: ${message}\n`);
  process.exit(code);
}

function parse(): { out: string; force: boolean; json: boolean } {
  try {
    const { values, positionals } = parseArgs({
      allowPositionals: true,
      options: {
        force: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    if (positionals.length !== 1) throw new Error('give exactly one OUT file');
    return { out: positionals[0] as string, force: values.force, json: values.json };
  } catch (err) {
    fail(`${(err as Error).message}\n${USAGE}`, 2);
  }
}

function summaryLine(out: string, copy: CopyResult, check: CopyCheck, seconds: number): string {
  const mb = (statSync(out).size / 1e6).toFixed(1);
  const rows = Object.entries(check.rows)
    .map(([table, n]) => `${table} ${n}`)
    .join(', ');
  const restarts =
    copy.restarts > 0 ? `, ${copy.restarts} restarts (the store was written meanwhile)` : '';
  return `backup: ${out}: ${mb} MB, ${copy.pages} pages in ${seconds.toFixed(1)} s (${copy.steps} steps${restarts}); integrity ${check.integrity}; ${rows}; coverage consistent for every device`;
}

const args = parse();

await runProgram('backup', {}, async (config, log) => {
  const finish = (code: number) => {
    log.flush();
    process.exitCode = code;
    process.stdout.write('', () => process.exit(code));
  };
  if (config.store.kind !== 'sqlite') {
    fail(
      `STORE=${config.store.kind}: this command copies the SQLite store only. Back up InfluxDB with its own tools: \`influxd backup -portable DIR\` (1.x) or \`influx backup DIR\` (2.x).`,
      2,
    );
  }
  const source = config.store.sqlitePath;
  if (!existsSync(source)) fail(`no SQLite store at ${source} (SQLITE_PATH)`, 1);
  const out = resolve(args.out);
  if (existsSync(out) && realpathSync(out) === realpathSync(source)) {
    fail(`${args.out} is the store itself`, 2);
  }
  if (existsSync(out) && !args.force) fail(`${args.out} exists (--force replaces it)`, 1);
  mkdirSync(dirname(out), { recursive: true });
  // Written beside OUT and renamed once checked: OUT is never a partial or unchecked copy.
  const partial = `${out}.partial-${process.pid}`;
  const removePartial = () => {
    for (const suffix of ['', '-journal', '-wal', '-shm'])
      rmSync(partial + suffix, { force: true });
  };
  let stopped = false;
  const started = performance.now();
  const tty = process.stderr.isTTY === true;
  const done = (async () => {
    try {
      const copy = await onlineCopy(source, partial, {
        stopped: () => stopped,
        onProgress: (p) => {
          if (!tty || p.totalPages === 0) return;
          const pct = ((1 - p.remainingPages / p.totalPages) * 100).toFixed(1);
          process.stderr.write(`\rbackup: ${pct}% of ${p.totalPages} pages\x1b[K`);
        },
      });
      if (tty) process.stderr.write('\r\x1b[K');
      const check = checkCopy(partial);
      if (check.integrity !== 'ok' || check.inconsistentDevices.length > 0) {
        removePartial();
        const devices = check.inconsistentDevices.slice(0, 10).join(', ');
        process.stderr.write(
          `backup: the copy failed its check (integrity: ${check.integrity}${devices ? `; coverage below stored rows: ${devices}` : ''}); nothing written to ${args.out}\n`,
        );
        return 1;
      }
      renameSync(partial, out);
      const seconds = (performance.now() - started) / 1000;
      process.stdout.write(
        `${args.json ? JSON.stringify({ out, ...copy, ...check, seconds }) : summaryLine(args.out, copy, check, seconds)}\n`,
      );
      return 0;
    } catch (err) {
      removePartial();
      if (stopped) {
        process.stderr.write('backup: interrupted; nothing written\n');
        return 130;
      }
      process.stderr.write(`backup: failed: ${(err as Error).message}\n`);
      return 1;
    }
  })().then(finish);
  return async () => {
    stopped = true;
    await done;
  };
});
