// One signal's chart data: history windows plus live readings merged into the same epoch-aligned windows.
import type { HistoryBody, SignalHistoryPoint } from '../../core/dashboard-contract.js';

interface Bucket {
  /** Window start, ms (a multiple of windowMs, like the server's windows). */
  start: number;
  sum: number;
  count: number;
  min: number;
  max: number;
}

/** uPlot's aligned data: x in seconds, then mean, min and max (null breaks the line at a gap). */
export type ChartData = [number[], (number | null)[], (number | null)[], (number | null)[]];

/**
 * Live readings land in the window their device timestamp belongs to, so a reading replayed late
 * is drawn where it was measured, not at "now". Because history windows carry their reading count,
 * a live reading merges into a history window exactly (mean stays a mean).
 */
export class WindowSeries {
  private buckets: Bucket[] = [];
  private window = 1000;
  /** History covers readings up to here; -Infinity before the first load. */
  private historyTo = Number.NEGATIVE_INFINITY;
  private pending: Array<[number, number]> | undefined;

  get windowMs(): number {
    return this.window;
  }

  get size(): number {
    return this.buckets.length;
  }

  /** Readings in the windows held (history's counts plus live ones). */
  get readings(): number {
    let n = 0;
    for (const b of this.buckets) n += b.count;
    return n;
  }

  /** A history request is in flight: hold live readings until it answers. */
  beginLoad(): void {
    this.pending ??= [];
  }

  /** The speed history (`speed` is the windows' mean). */
  loadHistory(body: HistoryBody): void {
    this.loadWindows(
      body.window_ms,
      body.to,
      body.data_points.map((p) => ({ ...p, mean: p.speed })),
    );
  }

  /** History windows of any signal (`history?signal=`; a boolean's mean is its fraction true). */
  loadWindows(windowMs: number, to: string, points: readonly SignalHistoryPoint[]): void {
    this.window = windowMs;
    this.historyTo = Date.parse(to);
    this.buckets = points.map((p) => {
      const count = p.count > 0 ? p.count : 1;
      return {
        start: Date.parse(p.timestamp),
        sum: p.mean * count,
        count,
        min: p.min,
        max: p.max,
      };
    });
    const held = this.pending ?? [];
    this.pending = undefined;
    // What arrived while the request ran and is not newer than its `to` was read by it already.
    for (const [at, speed] of held) if (at > this.historyTo) this.add(at, speed);
  }

  /** A failed load keeps what was there and applies what was held. */
  abortLoad(): void {
    const held = this.pending ?? [];
    this.pending = undefined;
    for (const [at, speed] of held) this.add(at, speed);
  }

  /** A live value (a boolean as 0 or 1). */
  add(at: number, speed: number): void {
    if (this.pending) {
      this.pending.push([at, speed]);
      return;
    }
    const start = Math.floor(at / this.window) * this.window;
    const i = this.indexOf(start);
    const b = this.buckets[i];
    if (b && b.start === start) {
      b.sum += speed;
      b.count += 1;
      b.min = Math.min(b.min, speed);
      b.max = Math.max(b.max, speed);
    } else {
      this.buckets.splice(i, 0, { start, sum: speed, count: 1, min: speed, max: speed });
    }
  }

  /** First index whose start is >= `start` (readings nearly always append at the end). */
  private indexOf(start: number): number {
    const last = this.buckets.at(-1);
    if (!last || last.start < start) return this.buckets.length;
    let lo = 0;
    let hi = this.buckets.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.buckets[mid] as Bucket).start < start) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Drops windows that ended before `from`. */
  trim(from: number): void {
    let n = 0;
    while (n < this.buckets.length && (this.buckets[n] as Bucket).start + this.window < from) n++;
    if (n > 0) this.buckets.splice(0, n);
  }

  /**
   * A band of stepped windows for uPlot (x, mean): each window holds its mean until the next one;
   * before a gap longer than gapMs, and after the last window, it ends where its window ends.
   */
  toBandData(gapMs: number): [number[], (number | null)[]] {
    const xs: number[] = [];
    const ys: (number | null)[] = [];
    let prev: Bucket | undefined;
    const close = (b: Bucket) => {
      xs.push((b.start + this.window) / 1000);
      ys.push(b.sum / b.count);
    };
    for (const b of this.buckets) {
      if (prev && b.start - prev.start > gapMs) {
        close(prev);
        xs.push((prev.start + this.window + b.start) / 2000);
        ys.push(null);
      }
      xs.push(b.start / 1000);
      ys.push(b.sum / b.count);
      prev = b;
    }
    if (prev) close(prev);
    return [xs, ys];
  }

  /** Data for uPlot; consecutive windows further apart than gapMs are not joined by a line. */
  toChartData(gapMs: number): ChartData {
    const data: ChartData = [[], [], [], []];
    let prev: Bucket | undefined;
    for (const b of this.buckets) {
      if (prev && b.start - prev.start > gapMs) {
        data[0].push((prev.start + b.start) / 2000);
        data[1].push(null);
        data[2].push(null);
        data[3].push(null);
      }
      data[0].push(b.start / 1000);
      data[1].push(Math.round((b.sum / b.count) * 100) / 100);
      data[2].push(b.min);
      data[3].push(b.max);
      prev = b;
    }
    return data;
  }
}
