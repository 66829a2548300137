// The threshold rule on its own (device time): duration, hysteresis, flapping, resends; and the demo's overspeed within minutes.
import { describe, expect, it } from 'vitest';
import { BUILT_IN_RULES, type ThresholdRule } from '../../alarms/rules.js';
import type { Signal } from '../../alarms/rules-eval/signal.js';
import { evaluateThreshold, type ThresholdState } from '../../alarms/rules-eval/threshold.js';
import { loadConfig } from '../../core/config.js';
import { createVehicle } from '../../devices/create-device.js';
import { StreetGrid } from '../../devices/drive/street-grid.js';
import { createRandom } from '../../devices/rng.js';

const OVERSPEED = BUILT_IN_RULES.rules[0] as ThresholdRule;
const T = Date.parse('2026-01-01T00:00:00Z');

/** Feeds one sample per second; returns the signals in order. */
function run(
  values: readonly number[],
  rule = OVERSPEED,
  level = 110,
  stepMs = 1000,
): Signal['kind'][] {
  let state: ThresholdState | undefined;
  const out: Signal['kind'][] = [];
  values.forEach((value, i) => {
    const r = evaluateThreshold(rule, level, state, { ts: T + i * stepMs, value });
    state = r.state;
    if (r.signal) out.push(r.signal.kind);
  });
  return out;
}

const repeat = (value: number, n: number) => Array.from({ length: n }, () => value);

describe('threshold rule (overspeed: above 110 for 5 s, clears at or below 100 for 5 s)', () => {
  it('opens only once the speed stayed above the limit for 5 s', () => {
    expect(run(repeat(115, 5))).toEqual([]); // 4 s between first and last sample
    expect(run(repeat(115, 6))).toEqual(['open']);
    expect(run([115, 115, 115, 115, 109, 115, 115, 115, 115, 115])).toEqual([]);
    expect(run([...repeat(110, 10)])).toEqual([]); // at the limit is not above it
  });

  it('keeps the alarm open between the two levels and clears after 5 s at or below 100', () => {
    expect(run([...repeat(115, 6), ...repeat(105, 30)])).toEqual(['open']);
    expect(run([...repeat(115, 6), ...repeat(100, 5)])).toEqual(['open']);
    expect(run([...repeat(115, 6), ...repeat(100, 6)])).toEqual(['open', 'clear']);
    expect(run([...repeat(115, 6), 100, 100, 100, 101, ...repeat(99, 6)])).toEqual([
      'open',
      'clear',
    ]);
  });

  it('updates the open alarm only with a new peak', () => {
    expect(run([...repeat(111, 6), 112, 111, 113, 113, 112])).toEqual(['open', 'update', 'update']);
  });

  it('skips samples it has seen (resends) or that are older than the newest one', () => {
    let state: ThresholdState | undefined;
    const kinds: string[] = [];
    const feed = (i: number, value: number) => {
      const r = evaluateThreshold(OVERSPEED, 110, state, { ts: T + i * 1000, value });
      state = r.state;
      if (r.signal) kinds.push(r.signal.kind);
    };
    for (let i = 0; i <= 5; i++) feed(i, 115);
    for (let i = 0; i <= 5; i++) feed(i, 115); // the device resent all of them
    for (let i = 6; i <= 11; i++) feed(i, 90);
    for (let i = 0; i <= 11; i++) feed(i, i < 6 ? 115 : 90); // and again
    expect(kinds).toEqual(['open', 'clear']);
  });

  it('flapping around the limit and around the clear level: one open/clear pair per hysteresis cycle', () => {
    // Ten 60 s swings between ~93 and ~117 with ±4 km/h of noise each second: the value crosses
    // 110 and 100 several times at every swing (without noise: once each way).
    const random = createRandom(11);
    const values = Array.from({ length: 600 }, (_, t) => {
      const base = 105 + 12 * Math.sin((2 * Math.PI * t) / 60);
      return base + (random.next() - 0.5) * 8;
    });
    const crossings = (level: number) =>
      values.slice(1).filter((v, i) => v > level !== (values[i] as number) > level).length;
    expect(crossings(110)).toBeGreaterThan(40); // 20 would be one crossing each way per swing
    expect(crossings(100)).toBeGreaterThan(40);
    const kinds = run(values);
    expect(kinds.filter((k) => k !== 'update')).toEqual(
      Array.from({ length: 10 }, () => ['open', 'clear']).flat(),
    );
    // Without hysteresis and duration the same input opens and clears at every crossing.
    const naive: ThresholdRule = { ...OVERSPEED, forMs: 0, clearMargin: 0, clearForMs: 0 };
    expect(run(values, naive).filter((k) => k === 'open').length).toBeGreaterThan(15);
  });

  it('below-thresholds mirror it, and levels come from the caller (per-vehicle limit)', () => {
    const crawl: ThresholdRule = { ...OVERSPEED, direction: 'below', level: 5, clearMargin: 5 };
    expect(run([...repeat(3, 6), ...repeat(8, 6), ...repeat(10, 6)], crawl, 5)).toEqual([
      'open',
      'clear',
    ]);
    expect(run(repeat(85, 6), OVERSPEED, 80)).toEqual(['open']);
  });
});

describe('the demo: the simulated vehicles set off the built-in overspeed rule on their own', () => {
  it('10 vehicles at 1 Hz (default settings): an overspeed alarm within 5 minutes in at least 97 % of fleets', () => {
    const config = loadConfig({});
    const grid = new StreetGrid();
    const fleets = 100;
    const firstAlarm: number[] = [];
    for (let f = 0; f < fleets; f++) {
      const vehicles = Array.from({ length: 10 }, (_, i) => ({
        model: createVehicle(config, createRandom(f * 1000 + i), grid),
        state: undefined as ThresholdState | undefined,
      }));
      let at = Number.POSITIVE_INFINITY;
      for (let s = 1; s <= 300 && at === Number.POSITIVE_INFINITY; s++) {
        for (const v of vehicles) {
          const values = v.model.read(T + s * 1000);
          if (typeof values?.speed !== 'number') continue;
          const r = evaluateThreshold(OVERSPEED, 110, v.state, {
            ts: T + s * 1000,
            value: values.speed,
          });
          v.state = r.state;
          if (r.signal?.kind === 'open') at = s;
        }
      }
      firstAlarm.push(at);
    }
    firstAlarm.sort((a, b) => a - b);
    const within = (s: number) => firstAlarm.filter((t) => t <= s).length / fleets;
    expect(within(300)).toBeGreaterThanOrEqual(0.97);
    expect(firstAlarm[Math.floor(fleets / 2)]).toBeLessThan(120); // median under 2 minutes
  });
});
