// A periodic timer that keeps time: ticks are scheduled against the start time, so work done in a
// tick (or a slow event loop) does not stretch the interval the way the original's blocking read did.

export interface TickerOptions {
  intervalMs: number;
  /** Delay before the first tick, e.g. to spread a fleet's publishes across the interval. */
  phaseMs?: number;
  now?: () => number;
}

export class Ticker {
  private timer: NodeJS.Timeout | undefined;
  private n = 0;
  private origin = 0;
  /** Ticks skipped because the process fell more than one interval behind. */
  skipped = 0;

  constructor(
    private readonly options: TickerOptions,
    private readonly onTick: () => void,
  ) {}

  start(): void {
    const now = this.options.now ?? Date.now;
    this.origin = now() + (this.options.phaseMs ?? 0);
    this.n = 0;
    this.schedule();
  }

  private schedule(): void {
    const now = (this.options.now ?? Date.now)();
    const { intervalMs } = this.options;
    let due = this.origin + this.n * intervalMs;
    if (now - due > intervalMs) {
      // Far behind: a sensor does not backfill readings it never took.
      const behind = Math.floor((now - due) / intervalMs);
      this.skipped += behind;
      this.n += behind;
      due += behind * intervalMs;
    }
    this.timer = setTimeout(
      () => {
        this.n += 1;
        this.onTick();
        if (this.timer) this.schedule();
      },
      Math.max(0, due - now),
    );
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
