// `npm run import -- FILE [--format csv|ndjson]`: bulk-loads historic readings into the configured store.
import { statSync } from 'node:fs';
import type { StoreConfig } from '../core/config.js';
import { runProgram } from '../core/program.js';
import { createStore } from '../core/store/create-store.js';
import { type ImportArgs, parseImportArgs, USAGE, UsageError } from './import/args.js';
import { Importer } from './import/run-import.js';
import { summaryLine } from './import/summary.js';

function args(): ImportArgs {
  try {
    const parsed = parseImportArgs(process.argv.slice(2));
    if (parsed) return parsed;
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`import: ${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
}

/** The input's size for the progress bar; a missing or unreadable file ends the import here. */
function inputSize(file: string): number | undefined {
  if (file === '-') return undefined;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new Error('not a regular file');
    return stat.size;
  } catch (err) {
    process.stderr.write(`import: cannot read ${file}: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

const storeName = (c: StoreConfig) =>
  c.kind === 'sqlite' ? `sqlite ${c.sqlitePath}` : `influxdb ${c.influx.url} ${c.influx.bucket}`;

const a = args();
const size = inputSize(a.file);

await runProgram('import', {}, async (config, log) => {
  const finish = (code: number) => {
    log.flush();
    process.exitCode = code;
    // Every part is closed; exit rather than wait for a client library's keep-alive sockets.
    process.stdout.write('', () => process.exit(code));
  };
  const store = createStore(config.store, log);
  try {
    await store.start();
    if (!(await store.ping())) throw new Error('it does not answer');
  } catch (err) {
    process.stderr.write(
      `import: store unavailable (${storeName(config.store)}): ${(err as Error).message}\n`,
    );
    await store.stop().catch(() => undefined);
    finish(1);
    return async () => undefined;
  }
  const where =
    a.file === '-' ? 'standard input' : `${a.file} (${((size ?? 0) / 1e6).toFixed(1)} MB)`;
  process.stderr.write(`import: ${where}, ${a.format}, into ${storeName(config.store)}\n`);
  const importer = new Importer(store, a, size, process.stderr, config.signals);
  const done = importer
    .run()
    .then(async ({ summary, exitCode }) => {
      await store.stop().catch(() => undefined);
      process.stdout.write(`${a.json ? JSON.stringify(summary) : summaryLine(summary)}\n`);
      finish(exitCode);
    })
    .catch((err: unknown) => {
      process.stderr.write(`import: failed: ${(err as Error).stack ?? String(err)}\n`);
      finish(1);
    });
  return async () => {
    await importer.interrupt();
    await done;
  };
});
