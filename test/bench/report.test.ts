import { describe, expect, it } from 'vitest';
import { goalMet, goalOf, table } from '../../bench/report.js';

describe('bench report goals', () => {
  it('speed-only longevity and per-signal history ratios share the goals of their kind', () => {
    expect(goalOf('longevity.history_ratio_30d')).toEqual(['<=', 3]);
    expect(goalOf('longevity.history_ratio_1y_fuel_pct')).toEqual(['<=', 3]);
    expect(goalOf('longevity_speed.history_ratio_1y')).toEqual(['<=', 3]);
    expect(goalOf('longevity_speed.collector_ready_ratio')).toEqual(['<=', 1.5]);
    expect(goalOf('longevity.history_p95_ms_5m_fuel_pct')).toBeUndefined();
    expect(goalOf('migration.ready_ms')).toBeUndefined();
    expect(goalMet('longevity.history_ratio_30d_battery_v', 3.2)).toBe(false);
    expect(goalMet('longevity.bytes_per_reading', 118)).toBe(true);
  });

  it('prints each figure with its goal and verdict', () => {
    const out = table({ longevity: { history_ratio_1y_ignition: 1.2, readings: 5 } }, 3);
    expect(out.split('\n')).toEqual([
      'medians of 3 runs',
      expect.stringMatching(/^key +value +goal/),
      expect.stringMatching(/^longevity\.history_ratio_1y_ignition +1\.2 +<= 3 +ok$/),
      expect.stringMatching(/^longevity\.readings +5 +measured/),
    ]);
  });
});
