// When a vehicle takes readings: a slot of its fleet's shared timer, or a ticker of its own (alone, or once set_interval gave it another interval).
import type { TickWheel, WheelMember } from './tick-wheel.js';
import { Ticker } from './ticker.js';

export interface ReadingScheduleOptions {
  /** The configured interval (PUBLISH_INTERVAL_MS); a fleet's wheel turns at this one. */
  intervalMs: number;
  phaseMs?: number;
  /** The fleet's shared timer; absent: always a ticker of its own. */
  wheel?: TickWheel;
  now: () => number;
}

/**
 * A fleet's wheel has one interval for every vehicle on it, so a vehicle whose interval differs
 * leaves the wheel and ticks on its own (its readings then commit one by one instead of with its
 * slot, which only matters for thousands of vehicles, and commands are rare).
 */
export class ReadingSchedule {
  private ticker: Ticker | undefined;
  private onWheel = false;
  private current = 0;

  constructor(
    private readonly options: ReadingScheduleOptions,
    private readonly member: WheelMember,
  ) {}

  get intervalMs(): number {
    return this.current;
  }

  /** Starts at `intervalMs` (a persisted set_interval), or the configured interval. */
  start(intervalMs = this.options.intervalMs): void {
    this.use(intervalMs, this.options.phaseMs ?? 0);
  }

  /** From now on one reading per `intervalMs`; the first after one new interval. */
  change(intervalMs: number): void {
    if (intervalMs === this.current && (this.onWheel || this.ticker)) return;
    this.stop();
    this.use(intervalMs, intervalMs);
  }

  private use(intervalMs: number, phaseMs: number): void {
    this.current = intervalMs;
    const { wheel } = this.options;
    if (wheel && intervalMs === this.options.intervalMs) {
      wheel.add(this.member, phaseMs % intervalMs);
      this.onWheel = true;
      return;
    }
    const ticker = new Ticker({ intervalMs, phaseMs, now: this.options.now }, () => {
      this.member.takeReading();
      this.member.afterCommit();
    });
    this.ticker = ticker;
    ticker.start();
  }

  stop(): void {
    this.ticker?.stop();
    this.ticker = undefined;
    if (this.onWheel) this.options.wheel?.remove(this.member);
    this.onWheel = false;
  }
}
