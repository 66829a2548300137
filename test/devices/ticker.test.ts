import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Ticker } from '../../devices/ticker.js';

describe('Ticker', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps the cadence even when a tick takes time', () => {
    const times: number[] = [];
    const start = Date.now();
    const ticker = new Ticker({ intervalMs: 1000 }, () => {
      times.push(Date.now() - start);
      vi.setSystemTime(Date.now() + 300); // the tick's own work takes 300 ms
    });
    ticker.start();
    vi.advanceTimersByTime(5000);
    ticker.stop();
    // Ticks land on 0, 1000, 2000…: work inside a tick does not push the next one back.
    expect(times.slice(0, 4)).toEqual([0, 1000, 2000, 3000]);
  });

  it('skips ticks it fell far behind on instead of bursting, and counts them', () => {
    let n = 0;
    const ticker = new Ticker({ intervalMs: 100 }, () => {
      n += 1;
      if (n === 2) vi.setSystemTime(Date.now() + 1000); // the process stalled for 1 s
    });
    ticker.start();
    vi.advanceTimersByTime(250);
    ticker.stop();
    expect(ticker.skipped).toBeGreaterThanOrEqual(9);
    expect(n).toBeLessThan(6);
  });

  it('applies the phase offset to the first tick', () => {
    const calls: number[] = [];
    const start = Date.now();
    const ticker = new Ticker({ intervalMs: 1000, phaseMs: 250 }, () =>
      calls.push(Date.now() - start),
    );
    ticker.start();
    vi.advanceTimersByTime(1300);
    ticker.stop();
    expect(calls).toEqual([250, 1250]);
  });
});
