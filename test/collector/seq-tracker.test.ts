import { describe, expect, it } from 'vitest';
import { type GapEvent, SeqTracker } from '../../collector/seq-tracker.js';

describe('SeqTracker', () => {
  it('opens a gap for missing seq, fills it on late arrival, and counts duplicates', () => {
    const gaps: GapEvent[] = [];
    const fills: number[] = [];
    const t = new SeqTracker(
      (g) => gaps.push(g),
      (_d, s) => fills.push(s),
    );
    for (const s of [0, 1, 2, 6, 7]) t.observe('v1', s, 1);
    expect(gaps).toEqual([{ deviceId: 'v1', from: 3, to: 5 }]);
    expect(t.missingCount('v1')).toBe(3);
    expect(t.contiguous('v1')).toBe(2);
    t.observe('v1', 4, 2);
    expect(t.missingCount('v1')).toBe(2);
    t.observe('v1', 3, 2);
    t.observe('v1', 5, 2);
    expect(fills).toEqual([4, 3, 5]);
    expect(t.missingCount('v1')).toBe(0);
    expect(t.contiguous('v1')).toBe(7);
    t.observe('v1', 5, 3);
    expect(t.duplicates).toBe(1);
    expect(t.gapsOpened).toBe(1);
    expect(t.gapsFilled).toBe(3);
  });

  it('starts from a seeded highest seq without reporting a gap', () => {
    const t = new SeqTracker();
    t.seed('v2', 99);
    t.observe('v2', 100, 1);
    expect(t.gapsOpened).toBe(0);
    expect(t.snapshot().v2).toEqual({ highest: 100, missing: 0, lastSeenAt: 1 });
  });
});
