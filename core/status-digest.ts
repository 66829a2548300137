// Vehicle status changes at fleet scale: each one at debug, and at info one summary line per period (how many came online or went offline, a few names).

import type { Logger } from './log.js';

/** At most this many vehicle ids named in a summary line. */
const NAMED = 5;

export interface StatusDigestOptions {
  /** At most one info line per this period (default 5 s). */
  everyMs?: number;
  now: () => number;
}

/**
 * Why: with 1,000 vehicles a line per change printed 2,000 lines at start before anything useful.
 * The first change is summarised at once (a lone vehicle going offline is news), the rest of the
 * period's changes in the next line; flush() prints what is pending (tests, stop()).
 */
export class StatusDigest {
  private readonly counts = new Map<string, number>();
  private readonly named = new Map<string, string[]>();
  private lastAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly log: Logger,
    private readonly options: StatusDigestOptions,
  ) {}

  private get everyMs(): number {
    return this.options.everyMs ?? 5000;
  }

  /** One vehicle's new status. */
  change(deviceId: string, status: string): void {
    this.log.debug({ deviceId, status }, 'device status');
    this.counts.set(status, (this.counts.get(status) ?? 0) + 1);
    const names = this.named.get(status) ?? [];
    if (names.length < NAMED) names.push(deviceId);
    this.named.set(status, names);
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
    this.log.info({ ...counts, examples }, 'vehicles changed status');
  }
}
