// Per-vehicle log lines at fleet scale: each one at debug, and at most one summary line per period (how many, by kind, a few vehicle names) at info or warn.

import type { Logger } from './log.js';

/** At most this many vehicle ids named per kind in a summary line. */
const NAMED = 5;

export interface LogDigestOptions {
  /** The summary line's message. */
  message: string;
  /** The summary line's level (default info; warn for what needs a look, e.g. sequence gaps). */
  level?: 'info' | 'warn';
  /** At most one summary line per this period (default 5 s). */
  everyMs?: number;
  now: () => number;
}

/**
 * Why: with 1,000 vehicles a line per vehicle and event printed thousands of lines at start
 * before anything useful (issue 25). The first event is summarised at once (a lone vehicle's
 * trouble is news), the rest of the period's in the next line; flush() prints what is pending
 * (tests, stop()). Counts are of events, so a vehicle twice in a period counts twice.
 */
export class LogDigest {
  private readonly counts = new Map<string, number>();
  private readonly named = new Map<string, string[]>();
  private lastAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: Logger,
    private readonly options: LogDigestOptions,
  ) {}

  private get everyMs(): number {
    return this.options.everyMs ?? 5000;
  }

  /**
   * One vehicle's event of `kind` (or the fleet's: deviceId undefined): logged at debug as
   * `detail` with `fields` (as the per-vehicle line was), counted (by `weight`, default 1) for
   * the next summary.
   */
  add(
    deviceId: string | undefined,
    kind: string,
    detail: string,
    fields: object = {},
    weight = 1,
  ): void {
    this.log.debug({ ...(deviceId === undefined ? {} : { deviceId }), ...fields }, detail);
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + weight);
    const names = this.named.get(kind) ?? [];
    if (deviceId !== undefined && names.length < NAMED && !names.includes(deviceId)) {
      names.push(deviceId);
    }
    if (names.length > 0) this.named.set(kind, names);
    const wait = this.lastAt + this.everyMs - this.options.now();
    if (wait <= 0) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), wait);
      this.timer.unref();
    }
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.counts.size === 0) return;
    const counts = Object.fromEntries(this.counts);
    const examples = Object.fromEntries(this.named);
    this.counts.clear();
    this.named.clear();
    this.lastAt = this.options.now();
    this.log[this.options.level ?? 'info']({ ...counts, examples }, this.options.message);
  }
}
