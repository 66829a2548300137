import { describe, expect, it } from 'vitest';
import { median, percentile, ratio, round } from '../../bench/stats.js';

describe('bench stats', () => {
  it('median of odd and even counts, unsorted input left untouched', () => {
    const input = [5, 1, 3];
    expect(median(input)).toBe(3);
    expect(input).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow();
  });

  it('nearest-rank percentiles', () => {
    const samples = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
    expect(percentile(samples, 50)).toBe(50);
    expect(percentile(samples, 95)).toBe(95);
    expect(percentile(samples, 99)).toBe(99);
    expect(percentile(samples, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([3, 1, 2], 0)).toBe(1);
    expect(percentile([10, 20, 30, 40], 75)).toBe(30);
    expect(() => percentile([1], 101)).toThrow();
  });

  it('ratios and rounding', () => {
    expect(ratio(65_746, 79_302)).toBe(0.829);
    expect(ratio(90, 100)).toBe(0.9);
    expect(() => ratio(1, 0)).toThrow();
    expect(round(65_745.6)).toBe(65_746);
    expect(round(1.23456)).toBe(1.23);
  });
});

describe('bench goals', () => {
  it('compares each key against its goal in the right direction', async () => {
    const { goalMet } = await import('../../bench/report.js');
    expect(goalMet('ingest.ratio_sqlite', 0.9)).toBe(true);
    expect(goalMet('ingest.ratio_sqlite', 0.89)).toBe(false);
    expect(goalMet('latency.p99_ms', 10)).toBe(true);
    expect(goalMet('fleet.cpu_10000', 1)).toBe(false);
    expect(goalMet('fleet.cpu_10000', 0.99)).toBe(true);
    expect(goalMet('ingest.ceiling_msgs_per_s', 1)).toBeUndefined();
  });
});
