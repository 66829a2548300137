// One timer for every command deadline (expiry, answer timeout): always armed for the earliest.

/** setTimeout's limit (about 24.8 days); a later deadline is re-armed when this one fires. */
const MAX_DELAY_MS = 2_147_483_647;

export interface DeadlineTimerDeps {
  now: () => number;
  /** Called when the armed deadline is due; it re-arms the timer itself. */
  due: () => void;
}

/**
 * Why one timer rather than one per command: a dashboard may hold thousands of pending commands
 * after an outage; the store knows the earliest deadline, so a single timer is enough.
 */
export class DeadlineTimer {
  private timer: NodeJS.Timeout | undefined;
  private armedAt: number | undefined;
  private stopped = false;

  constructor(private readonly deps: DeadlineTimerDeps) {}

  /** Makes sure the timer fires by `at` (undefined: nothing to wait for). */
  arm(at: number | undefined): void {
    if (this.stopped || at === undefined) return;
    if (this.armedAt !== undefined && this.armedAt <= at) return;
    clearTimeout(this.timer);
    this.armedAt = at;
    const delay = Math.min(MAX_DELAY_MS, Math.max(0, at - this.deps.now()));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.armedAt = undefined;
      this.deps.due();
    }, delay);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = undefined;
  }
}
