import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TickWheel } from '../../devices/tick-wheel.js';

describe('TickWheel', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ticks each member once per interval at its phase, one batch per slot, commit before publish', () => {
    const events: string[] = [];
    let batches = 0;
    const start = Date.now();
    const wheel = new TickWheel({
      intervalMs: 1000,
      slotMs: 100,
      batch: (work) => {
        batches += 1;
        events.push('begin');
        work();
        events.push('commit');
      },
    });
    const member = (name: string) => ({
      takeReading: () => events.push(`${name}@${Date.now() - start}`),
      afterCommit: () => events.push(`publish ${name}`),
    });
    wheel.add(member('a'), 0);
    wheel.add(member('b'), 50); // same slot as a
    wheel.add(member('c'), 500);
    wheel.start();
    vi.advanceTimersByTime(1950);
    wheel.stop();
    expect(events).toEqual([
      'begin',
      'a@0',
      'b@0',
      'commit',
      'publish a',
      'publish b',
      'begin',
      'c@500',
      'commit',
      'publish c',
      'begin',
      'a@1000',
      'b@1000',
      'commit',
      'publish a',
      'publish b',
      'begin',
      'c@1500',
      'commit',
      'publish c',
    ]);
    expect(batches).toBe(4);
  });

  it('skips whole intervals it fell behind on and counts the slots', () => {
    let readings = 0;
    const wheel = new TickWheel({ intervalMs: 100, slotMs: 10, batch: (w) => w() });
    wheel.add(
      {
        takeReading: () => {
          readings += 1;
          if (readings === 1) vi.setSystemTime(Date.now() + 1000); // a 1 s stall
        },
        afterCommit: () => {},
      },
      0,
    );
    wheel.start();
    vi.advanceTimersByTime(150);
    wheel.stop();
    expect(wheel.skipped).toBeGreaterThanOrEqual(90);
    expect(readings).toBeLessThan(4);
  });
});
