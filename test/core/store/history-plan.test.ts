// History planning: the coarsest tier that gives the window, exact edges from finer tiers, retention horizons.
import { describe, expect, it } from 'vitest';
import { mergeWindows, planHistory } from '../../../core/store/history-plan.js';
import { KEEP_FOREVER } from '../../../core/store/types.js';

const H = 3_600_000;
const M = 60_000;
const D = 24 * H;
const NOW = Date.parse('2026-11-30T12:00:00.000Z');

describe('planHistory', () => {
  it('answers 5 minutes from raw readings', () => {
    const p = planHistory(NOW - 5 * M, NOW, 300, KEEP_FOREVER, NOW);
    expect(p.windowMs).toBe(2000);
    expect(p.pieces).toEqual([{ tier: 'raw', from: NOW - 5 * M, to: NOW }]);
  });

  it('answers 24 h from the 1-minute tier with raw edges, 30 d from the 1-hour tier', () => {
    const from = NOW - D + 12_345;
    const day = planHistory(from, NOW + 999, 300, KEEP_FOREVER, NOW);
    expect(day.windowMs).toBe(5 * M);
    const firstBucket = Math.ceil(from / M) * M;
    expect(day.pieces).toEqual([
      { tier: 'raw', from, to: firstBucket - 1 },
      { tier: 'raw', from: NOW, to: NOW + 999 },
      { tier: '1m', from: firstBucket, to: NOW - M },
    ]);
    const month = planHistory(NOW - 30 * D - 90 * M - 5, NOW, 300, KEEP_FOREVER, NOW);
    expect(month.windowMs).toBe(3 * H);
    // The right edge is the one instant NOW (on the hour): a raw piece of its own.
    expect(month.pieces.map((p) => p.tier)).toEqual(['raw', '1m', 'raw', '1h']);
  });

  it('covers every millisecond of the range exactly once', () => {
    for (const [from, to] of [
      [NOW - 400 * D + 7, NOW - 3],
      [NOW - 7 * D - 59_999, NOW - 7 * D + 3 * H + 1],
      [NOW - 2 * H + 1, NOW - H - 1],
    ] as const) {
      const p = planHistory(from, to, 300, KEEP_FOREVER, NOW);
      const spans = p.pieces
        .map((x) =>
          x.tier === 'raw' ? [x.from, x.to] : [x.from, x.to + (x.tier === '1m' ? M : H) - 1],
        )
        .sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
      expect(spans[0]?.[0]).toBe(from);
      expect(spans.at(-1)?.[1]).toBe(to);
      for (let i = 1; i < spans.length; i++)
        expect(spans[i]?.[0]).toBe((spans[i - 1]?.[1] ?? 0) + 1);
    }
  });

  it('answers ranges older than a tier keeps from the next tier, coarser, never empty', () => {
    const retention = { rawMs: 30 * D, oneMinuteMs: 400 * D, oneHourMs: 0 };
    const old = planHistory(NOW - 45 * D, NOW - 45 * D + H, 300, retention, NOW);
    expect(old.windowMs).toBe(M);
    // The range ends on the instant that starts the next minute: that whole minute is in it.
    expect(old.pieces).toEqual([{ tier: '1m', from: NOW - 45 * D, to: NOW - 45 * D + H }]);
    // A 1-hour-tier range whose left edge is older than the 1-minute tier: that edge's whole hour.
    const ancient = planHistory(NOW - 500 * D + 30 * M, NOW - 100 * D, 300, retention, NOW);
    expect(ancient.pieces).toContainEqual({
      tier: '1h',
      from: NOW - 500 * D,
      to: NOW - 100 * D - H,
    });
  });
});

describe('mergeWindows', () => {
  it('merges rows of several pieces per window and orders them', () => {
    const points = mergeWindows(
      [
        { idx: 3, count: 2, sum: 10, min: 4, max: 6 },
        { idx: 1, count: 1, sum: 7, min: 7, max: 7 },
        { idx: 3, count: 2, sum: 30, min: 10, max: 20 },
      ],
      1000,
    );
    expect(points).toEqual([
      { timestamp: 1000, mean: 7, min: 7, max: 7, count: 1 },
      { timestamp: 3000, mean: 10, min: 4, max: 20, count: 4 },
    ]);
  });
});
