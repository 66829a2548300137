// The page's chart data: history windows and live readings merged exactly, late readings in place, gaps, trimming.
import { describe, expect, it } from 'vitest';
import type { HistoryBody } from '../../core/dashboard-contract.js';
import { WindowSeries } from '../../dashboard/page/series.js';

const T = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

function history(
  windowMs: number,
  to: number,
  points: Array<[number, number, number]>,
): HistoryBody {
  return {
    device_id: 'v1',
    from: iso(to - 300_000),
    to: iso(to),
    window_ms: windowMs,
    data_points: points.map(([at, speed, count]) => ({
      timestamp: iso(at),
      speed,
      min: speed,
      max: speed,
      count,
    })),
  };
}

describe('WindowSeries', () => {
  it('a live reading merges into the partial last history window by count', () => {
    const s = new WindowSeries();
    s.beginLoad();
    s.loadHistory(
      history(10_000, T + 15_000, [
        [T, 10, 10],
        [T + 10_000, 20, 5],
      ]),
    );
    s.add(T + 16_000, 80);
    const [xs, mean, min, max] = s.toChartData(60_000);
    expect(xs).toEqual([T / 1000, (T + 10_000) / 1000]);
    expect(mean).toEqual([10, 30]); // (20 * 5 + 80) / 6
    expect(min).toEqual([10, 20]);
    expect(max).toEqual([10, 80]);
  });

  it('readings that arrive during a load are applied after it, unless the history covers them', () => {
    const s = new WindowSeries();
    s.beginLoad();
    s.add(T + 500, 99); // before `to`: the history read it already
    s.add(T + 2500, 30);
    s.loadHistory(history(1000, T + 1000, [[T, 50, 1]]));
    expect(s.toChartData(60_000)).toEqual([
      [T / 1000, (T + 2000) / 1000],
      [50, 30],
      [50, 30],
      [50, 30],
    ]);
  });

  it('a late reading lands at its measurement time, not at the end', () => {
    const s = new WindowSeries();
    s.add(T, 1);
    s.add(T + 4000, 5);
    s.add(T + 2000, 3);
    expect(s.toChartData(60_000)[0]).toEqual([T / 1000, (T + 2000) / 1000, (T + 4000) / 1000]);
  });

  it('a silence longer than the gap breaks the line with a null', () => {
    const s = new WindowSeries();
    s.add(T, 1);
    s.add(T + 30_000, 2);
    expect(s.toChartData(10_000)).toEqual([
      [T / 1000, (T + 15_000) / 1000, (T + 30_000) / 1000],
      [1, null, 2],
      [1, null, 2],
      [1, null, 2],
    ]);
  });

  it('trim drops windows that ended before the range', () => {
    const s = new WindowSeries();
    for (let i = 0; i < 10; i++) s.add(T + i * 1000, i);
    s.trim(T + 5000);
    expect(s.size).toBe(6);
  });

  it('a failed load keeps the data and applies held readings', () => {
    const s = new WindowSeries();
    s.add(T, 1);
    s.beginLoad();
    s.add(T + 1000, 2);
    s.abortLoad();
    expect(s.size).toBe(2);
  });

  it('a signal history (mean) merges with live values like speed does', () => {
    const s = new WindowSeries();
    s.beginLoad();
    s.loadWindows(10_000, iso(T + 15_000), [
      { timestamp: iso(T), mean: 50, min: 40, max: 60, count: 4 },
    ]);
    s.add(T + 5000, 100);
    expect(s.toChartData(60_000)).toEqual([[T / 1000], [60], [40], [100]]);
  });

  it('a boolean band: each window holds its fraction on until the next, and ends with its window before a gap and at the end', () => {
    const s = new WindowSeries();
    s.add(T, 1);
    s.add(T + 500, 0);
    s.add(T + 1000, 1);
    s.add(T + 30_000, 0);
    expect(s.toBandData(10_000)).toEqual([
      [
        T / 1000,
        (T + 1000) / 1000,
        (T + 2000) / 1000,
        (T + 16_000) / 1000,
        (T + 30_000) / 1000,
        (T + 31_000) / 1000,
      ],
      [0.5, 1, 1, null, 0, 0],
    ]);
  });
});
