// Runs the store's retention continuously: a pass every interval, in small steps that let ingest run between them.
import type { Logger } from '../core/log.js';
import type { TelemetryStore } from '../core/store/types.js';

export interface RetentionRunnerOptions {
  /** Pause between passes. */
  intervalMs: number;
  /** Rows per step (one short transaction). */
  stepRows: number;
}

export const DEFAULT_RETENTION_RUNNER: RetentionRunnerOptions = {
  intervalMs: 60_000,
  stepRows: 2000,
};

export interface RetentionStats {
  passes: number;
  deleted: number;
  /** Longest single step: the longest ingest can wait behind retention (same event loop). */
  longestStepMs: number;
  failures: number;
}

/**
 * Each step is one transaction of at most `stepRows` deletes; between steps the runner yields with
 * setImmediate, so batches that arrived meanwhile are written before the next step.
 */
export class RetentionRunner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  readonly stats: RetentionStats = { passes: 0, deleted: 0, longestStepMs: 0, failures: 0 };

  constructor(
    private readonly deps: { store: TelemetryStore; log: Logger; now: () => number },
    private readonly options: RetentionRunnerOptions = DEFAULT_RETENTION_RUNNER,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pass().finally(() => {
        this.running = undefined;
        this.schedule(this.options.intervalMs);
      });
    }, delayMs);
  }

  /** One whole pass; resolves when nothing more is due (or on stop). */
  async pass(): Promise<void> {
    const { store, log, now } = this.deps;
    let deleted = 0;
    try {
      for (;;) {
        const started = performance.now();
        const step = await store.prune(now(), this.options.stepRows);
        const ms = performance.now() - started;
        if (ms > this.stats.longestStepMs) this.stats.longestStepMs = ms;
        deleted += step.deleted;
        if (!step.more || this.stopped) break;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      this.stats.passes += 1;
      this.stats.deleted += deleted;
      if (deleted > 0) log.info({ deleted }, 'retention pass');
    } catch (err) {
      this.stats.failures += 1;
      log.warn({ err: (err as Error).message }, 'retention pass failed; retrying next interval');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
