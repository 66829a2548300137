// One import run: the parsing thread feeds batches, this thread writes them to the store, shows progress and sums up.
import type { SignalCatalog } from '../../core/signals/catalog.js';
import type { TelemetryStore } from '../../core/store/types.js';
import type { ImportArgs } from './args.js';
import { BatchReader } from './batch.js';
import type { DeviceStart } from './numbering.js';
import type { ParseStats } from './parser.js';
import { ParserThread } from './parser-thread.js';
import { ProgressDisplay, type ProgressOutput } from './progress.js';
import { writeWithRetry } from './store-writes.js';
import { type ImportSummary, rejectedTotal, rowsRead, summarize } from './summary.js';

export interface ImportOutcome {
  summary: ImportSummary;
  /** 0 done (bad lines included), 1 file unreadable or store unavailable, 130 interrupted. */
  exitCode: number;
}

const EMPTY_STATS: ParseStats = {
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

/** Where every device stood before the import: rows without seq are numbered above it. */
export async function deviceStarts(store: TelemetryStore): Promise<DeviceStart[]> {
  const [coverage, devices] = await Promise.all([store.coverage(), store.devices()]);
  const starts = new Map<string, DeviceStart>();
  for (const c of coverage) {
    starts.set(c.deviceId, { deviceId: c.deviceId, highest: c.highest, newest: undefined });
  }
  for (const d of devices) {
    const s = starts.get(d.deviceId);
    const highest = Math.max(s?.highest ?? -1, d.lastSeq);
    starts.set(d.deviceId, { deviceId: d.deviceId, highest, newest: d.lastSeen });
  }
  return [...starts.values()];
}

export class Importer {
  private stopped = false;
  private thread: ParserThread | undefined;

  constructor(
    private readonly store: TelemetryStore,
    private readonly args: ImportArgs,
    private readonly totalBytes: number | undefined,
    private readonly stderr: ProgressOutput,
    /** The signals of the store (SIGNALS_FILE's included): what a row's columns may be. */
    private readonly catalog: SignalCatalog,
  ) {}

  /** Stops after the write under way (which commits whole); run() then resolves, interrupted. */
  async interrupt(): Promise<void> {
    this.stopped = true;
    await this.thread?.stop();
  }

  async run(): Promise<ImportOutcome> {
    const started = performance.now();
    const progress = new ProgressDisplay(this.stderr);
    const totals = { stored: 0, duplicates: 0 };
    let stats = EMPTY_STATS;
    let error: string | undefined;
    const elapsed = () => performance.now() - started;
    const say = (line: string) => {
      progress.clear();
      this.stderr.write(`import: ${line}\n`);
    };
    try {
      const a = this.args;
      const thread = new ParserThread({
        file: a.file,
        options: {
          format: a.format,
          measurement: a.measurement,
          field: a.field,
          customSignals: this.catalog.custom,
          batchSize: a.batchSize,
          showBad: a.showBad,
          start: await deviceStarts(this.store),
        },
      });
      this.thread = thread;
      if (this.stopped) await thread.stop();
      const batches = new BatchReader(this.catalog);
      for (;;) {
        const m = await thread.next();
        // A full event-loop turn before each write: resumed straight from the 'message' event, the
        // writes would run inside Node's drain of the worker's messages, which goes on while new
        // ones keep arriving, and a SIGINT would wait for the end of the file.
        await new Promise((resolve) => setImmediate(resolve));
        if (this.stopped) break;
        if (m.kind === 'fatal') {
          error = m.message;
          break;
        }
        if (m.kind === 'bad') {
          for (const b of m.lines) say(`line ${b.lineNo}: ${b.reason}: ${b.detail}`);
          continue;
        }
        stats = m.stats;
        if (m.kind === 'end') break;
        const readings = batches.readings(m.batch);
        // Granted before writing: the parsing thread reads on while this one writes.
        thread.credit();
        const result = await writeWithRetry(this.store, readings, {
          attempts: 8,
          firstDelayMs: 250,
          maxDelayMs: 5000,
          onRetry: (err, attempt, delayMs) =>
            say(`store write failed (${err.message}); retry ${attempt} in ${delayMs} ms`),
          stopped: () => this.stopped,
        }).catch((err: Error) => {
          error = `store unavailable: ${err.message}`;
          return undefined;
        });
        if (!result) break;
        totals.stored += result.stored;
        totals.duplicates += result.duplicates;
        progress.update({
          bytes: stats.bytes,
          totalBytes: this.totalBytes,
          rows: rowsRead(stats),
          stored: totals.stored,
          elapsedMs: elapsed(),
        });
      }
    } catch (err) {
      error = `store unavailable: ${(err as Error).message}`;
    } finally {
      await this.thread?.stop();
      progress.clear();
    }
    if (error !== undefined) say(error);
    if (stats.ignoredColumns.length > 0) {
      say(`columns that are no signal, not read: ${stats.ignoredColumns.join(', ')}`);
    }
    const unshown = rejectedTotal(stats) - this.args.showBad;
    if (unshown > 0) say(`${unshown} more bad lines not shown (--show-bad N shows more)`);
    const interrupted = this.stopped && error === undefined;
    const summary = summarize(stats, totals, elapsed() / 1000, {
      interrupted,
      ...(error === undefined ? {} : { error }),
    });
    return { summary, exitCode: error !== undefined ? 1 : interrupted ? 130 : 0 };
  }
}
