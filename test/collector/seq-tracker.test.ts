import { describe, expect, it } from 'vitest';
import { type GapEvent, SeqTracker } from '../../collector/seq-tracker.js';

describe('SeqTracker', () => {
  it('advances the watermark only over contiguous seqs, fills gaps on late arrival, counts duplicates', () => {
    const gaps: GapEvent[] = [];
    const fills: number[] = [];
    const t = new SeqTracker(
      (g) => gaps.push(g),
      (_d, s) => fills.push(s),
    );
    for (const s of [0, 1, 2, 6, 7]) t.observe('v1', s, 1);
    expect(gaps).toEqual([{ deviceId: 'v1', from: 3, to: 5 }]);
    expect(t.watermark('v1')).toBe(2);
    expect(t.missing('v1')).toBe(3);
    expect(t.observe('v1', 4, 2)).toBe('new');
    expect(t.watermark('v1')).toBe(2);
    expect(t.missing('v1')).toBe(2);
    t.observe('v1', 3, 2);
    expect(t.watermark('v1')).toBe(4);
    t.observe('v1', 5, 2);
    expect(fills).toEqual([4, 3, 5]);
    expect(t.missing('v1')).toBe(0);
    expect(t.watermark('v1')).toBe(7);
    expect(t.observe('v1', 5, 3)).toBe('duplicate');
    expect(t.observe('v1', 7, 3)).toBe('duplicate');
    expect(t.duplicates).toBe(2);
    expect(t.gapsOpened).toBe(1);
    expect(t.gapsFilled).toBe(3);
  });

  it('starts every device at -1: a first reading above 0 leaves the watermark waiting', () => {
    const t = new SeqTracker();
    t.observe('v2', 30, 1);
    expect(t.watermark('v2')).toBe(-1);
    expect(t.missing('v2')).toBe(30);
  });

  it('moves past seqs a device declared dropped, counting only those never stored', () => {
    const t = new SeqTracker();
    for (const s of [5, 6, 40, 41]) t.observe('v3', s, 1);
    t.skip('v3', 0, 39);
    expect(t.watermark('v3')).toBe(41);
    expect(t.declaredDropped).toBe(38); // 0..39 minus the stored 5 and 6
    expect(t.missing('v3')).toBe(0);
  });

  it('rebuilds the exact watermark and gaps from stored seqs', () => {
    const t = new SeqTracker();
    t.load('v4', [0, 1, 2, 3, 10, 11, 12, 20]);
    expect(t.watermark('v4')).toBe(3);
    expect(t.missing('v4')).toBe(6 + 7);
    expect(t.snapshot().v4).toEqual({ watermark: 3, highest: 20, missing: 13, lastSeenAt: 0 });
    for (let s = 4; s <= 9; s++) t.observe('v4', s, 5);
    expect(t.watermark('v4')).toBe(12);
  });
});
