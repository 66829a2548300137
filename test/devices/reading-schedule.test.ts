// ReadingSchedule: a fleet vehicle on the shared wheel leaves it for its own ticker when set_interval changes its interval; a lone vehicle restarts its ticker.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReadingSchedule } from '../../devices/reading-schedule.js';
import { TickWheel } from '../../devices/tick-wheel.js';

describe('ReadingSchedule', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  const member = (name: string, log: string[], start: number) => ({
    takeReading: () => log.push(`${name}@${Date.now() - start}`),
    afterCommit: () => {},
  });

  it('on a wheel: the fleet interval until changed, then its own; back on the wheel at the fleet interval', () => {
    const start = Date.now();
    const log: string[] = [];
    const wheel = new TickWheel({ intervalMs: 1000, slotMs: 100, batch: (work) => work() });
    const a = new ReadingSchedule(
      { intervalMs: 1000, phaseMs: 0, wheel, now: Date.now },
      member('a', log, start),
    );
    const b = new ReadingSchedule(
      { intervalMs: 1000, phaseMs: 500, wheel, now: Date.now },
      member('b', log, start),
    );
    a.start();
    b.start();
    wheel.start();
    vi.advanceTimersByTime(1600);
    a.change(250);
    expect(a.intervalMs).toBe(250);
    vi.advanceTimersByTime(1000);
    expect(log).toEqual(
      ['a@0', 'b@500', 'a@1000', 'b@1500', 'a@1850', 'a@2100', 'b@2500', 'a@2350', 'a@2600'].sort(
        byTime,
      ),
    );
    log.length = 0;
    a.change(1000); // back to the fleet's interval: the wheel again, in slot 0
    vi.advanceTimersByTime(1000);
    expect(log.filter((l) => l.startsWith('a@'))).toEqual(['a@3000']);
    a.stop();
    b.stop();
    wheel.stop();
  });

  it('alone: a persisted interval from the start, a change restarts the ticker, stop is final', () => {
    const start = Date.now();
    const log: string[] = [];
    const s = new ReadingSchedule({ intervalMs: 1000, now: Date.now }, member('v', log, start));
    s.start(400);
    vi.advanceTimersByTime(900);
    s.change(100);
    vi.advanceTimersByTime(300);
    s.stop();
    s.stop();
    vi.advanceTimersByTime(1000);
    expect(log).toEqual(['v@0', 'v@400', 'v@800', 'v@1000', 'v@1100', 'v@1200']);
  });
});

function byTime(x: string, y: string): number {
  return Number(x.split('@')[1]) - Number(y.split('@')[1]);
}
