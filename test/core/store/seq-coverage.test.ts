// Coverage and write planning: watermark over contiguous seqs, gaps, late fills, duplicates, drop notices.
import { describe, expect, it } from 'vitest';
import type { DroppedNotice, Reading } from '../../../core/contract.js';
import {
  cover,
  decodeAbove,
  emptyCoverage,
  encodeAbove,
  isCovered,
  missingCount,
} from '../../../core/store/seq-coverage.js';
import { planWrite } from '../../../core/store/write-plan.js';

const at = (seq: number, device = 'v1'): Reading => ({
  device_id: device,
  seq,
  timestamp: new Date(1_800_000_000_000 + seq * 1000).toISOString(),
  values: { speed: 50 },
});
const drop = (from: number, to: number, device = 'v1'): DroppedNotice => ({
  device_id: device,
  from,
  to,
  timestamp: new Date(1_800_000_000_000).toISOString(),
});

describe('coverage', () => {
  it('advances the watermark only over contiguous seqs and merges ranges above it', () => {
    const c = emptyCoverage();
    for (const s of [0, 1, 2, 6, 7, 9]) cover(c, s, s);
    expect(c).toEqual({
      watermark: 2,
      above: [
        [6, 7],
        [9, 9],
      ],
      highest: 9,
    });
    expect(missingCount(c)).toBe(4);
    expect([2, 3, 6, 8, 9, 10].map((s) => isCovered(c, s))).toEqual([
      true,
      false,
      true,
      false,
      true,
      false,
    ]);
    cover(c, 3, 5);
    expect(c).toEqual({ watermark: 7, above: [[9, 9]], highest: 9 });
    cover(c, 8, 8);
    expect(c).toEqual({ watermark: 9, above: [], highest: 9 });
  });

  it('round-trips ranges through their stored text and refuses garbage', () => {
    expect(encodeAbove([])).toBeNull();
    expect(
      decodeAbove(
        encodeAbove([
          [4, 5],
          [9, 12],
        ]),
      ),
    ).toEqual([
      [4, 5],
      [9, 12],
    ]);
    expect(decodeAbove(null)).toEqual([]);
    expect(() => decodeAbove('{"a":1}')).toThrow(/not an array/);
    expect(() => decodeAbove('[[1,"x"]]')).toThrow(/bad pair/);
  });
});

describe('planWrite', () => {
  it('finds fresh readings, duplicates (also within the batch), gaps and late fills', () => {
    const stored = emptyCoverage();
    cover(stored, 0, 2);
    const plan = planWrite(
      [2, 3, 6, 7, 3, 4].map((s) => at(s)),
      [],
      () => stored,
    ).fresh;
    expect(plan.map((r) => r.seq)).toEqual([3, 6, 7, 4]);
    const full = planWrite(
      [8, 10, 9, 1].map((s) => at(s)),
      [],
      () => ({ watermark: 7, above: [], highest: 7 }),
    );
    expect(full.duplicates).toBe(1);
    expect(full.gaps).toEqual([{ deviceId: 'v1', from: 9, to: 9 }]);
    expect(full.filled).toBe(1); // 9 landed below the highest (10)
  });

  it('a seq at or below the watermark is a duplicate even when no row is left (retention)', () => {
    const c = { watermark: 1_000_000, above: [], highest: 1_000_000 };
    const plan = planWrite([at(5), at(999_999), at(1_000_001)], [], () => c);
    expect(plan.fresh.map((r) => r.seq)).toEqual([1_000_001]);
    expect(plan.duplicates).toBe(2);
  });

  it('accepts drop notices below the highest seq (this batch included) and refuses the rest', () => {
    const c = emptyCoverage();
    const plan = planWrite(
      [at(5), at(6), at(40), at(41)],
      [drop(0, 39), drop(42, 50), drop(0, 3, 'v2')],
      (id) => (id === 'v1' ? c : emptyCoverage()),
    );
    expect(plan.declaredDropped).toBe(38); // 0..39 minus the stored 5 and 6
    expect(plan.droppedIgnored).toBe(2); // beyond v1's highest; v2 has none
    expect(plan.coverages.get('v1')).toEqual({ watermark: 41, above: [], highest: 41 });
  });

  it('leaves the loaded coverage of a device untouched by another device', () => {
    const plan = planWrite([at(0, 'a'), at(0, 'b'), at(1, 'a')], [], () => emptyCoverage());
    expect(plan.coverages.get('a')?.watermark).toBe(1);
    expect(plan.coverages.get('b')?.watermark).toBe(0);
    expect(plan.newestTime.get('a')).toBe(1_800_000_001_000);
  });

  it("takes the caller's parsed times, index for index, and parses only without them", () => {
    const readings = [at(3), at(3), at(4), at(2, 'w')];
    const parsed = planWrite(readings, [], () => emptyCoverage());
    expect(parsed.freshTimes).toEqual([1_800_000_003_000, 1_800_000_004_000, 1_800_000_002_000]);
    // Times the collector's validation parsed (here marked apart from the strings to tell them
    // from a parse): the fresh ones follow their readings past the duplicate.
    const given = planWrite(readings, [], () => emptyCoverage(), [30, 31, 40, 20]);
    expect(given.fresh.map((r) => r.seq)).toEqual([3, 4, 2]);
    expect(given.freshTimes).toEqual([30, 40, 20]);
    expect(given.newestTime.get('v1')).toBe(40);
    // A list that does not match the readings is not trusted.
    const short = planWrite(readings, [], () => emptyCoverage(), [30]);
    expect(short.freshTimes).toEqual(parsed.freshTimes);
  });
});
