// Position judging: jumps against the previous valid fix, zero fixes kept as flagged, and late fixes re-judging only as far as they can change anything.
import { describe, expect, it } from 'vitest';
import {
  impliedKmh,
  type JudgedFix,
  judgeLate,
  PositionJudge,
} from '../../../core/signals/position-judge.js';

const fix = (
  seq: number,
  s: number,
  lat: number,
  lon = 13.4,
  flag?: JudgedFix['flag'],
): JudgedFix => ({
  ts: s * 1000,
  seq,
  lat,
  lon,
  flag,
});

/** Flags of fixes judged in time order, from nothing. */
function inOrder(fixes: readonly JudgedFix[]) {
  const judge = new PositionJudge(undefined);
  return fixes.map((f) => judge.judge(f, f.flag === 'zero_fix' ? 'zero_fix' : undefined));
}

describe('PositionJudge', () => {
  it('flags a fix implying more than 350 km/h from the previous valid one, never re-anchoring on it', () => {
    // 0.001° of latitude ≈ 111 m: 1 s apart that is 400 km/h.
    expect(impliedKmh(fix(0, 0, 52.5), fix(1, 1, 52.501))).toBeGreaterThan(350);
    expect(
      inOrder([fix(0, 0, 52.5), fix(1, 1, 52.501), fix(2, 2, 52.5001), fix(3, 3, 52.5002)]),
    ).toEqual([undefined, 'jump', undefined, undefined]);
  });

  it('judges fixes under a second apart as one second apart (GPS noise is not a teleport)', () => {
    const a = { ts: 0, seq: 0, lat: 52.5, lon: 13.4 };
    const b = { ts: 10, seq: 1, lat: 52.50002, lon: 13.4 }; // 2 m in 10 ms
    expect(impliedKmh(a, b)).toBeLessThan(10);
  });

  it('keeps zero fixes flagged and does not anchor on them', () => {
    expect(inOrder([fix(0, 0, 52.5), fix(1, 1, 0, 0, 'zero_fix'), fix(2, 2, 52.5001)])).toEqual([
      undefined,
      'zero_fix',
      undefined,
    ]);
  });
});

describe('judgeLate', () => {
  /** Stored fixes after the late one, as the store yields them, counting how many were read. */
  function stored(fixes: readonly JudgedFix[]) {
    let read = 0;
    const it = fixes[Symbol.iterator]();
    return {
      iterator: {
        next: () => {
          const n = it.next();
          if (!n.done) read += 1;
          return n;
        },
      } as Iterator<JudgedFix>,
      read: () => read,
    };
  }

  it('gives late fixes and the stored ones after them the flags an in-order arrival gives', () => {
    // A real track with one far-off fix (seq 3); every arrival order must give the same flags.
    const track = [52.5, 52.5001, 52.5002, 53.5, 52.5003, 52.5004, 52.5005].map((lat, s) =>
      fix(s, s, lat),
    );
    const want = inOrder(track);
    expect(want).toEqual([
      undefined,
      undefined,
      undefined,
      'jump',
      undefined,
      undefined,
      undefined,
    ]);
    for (let lateFrom = 0; lateFrom < track.length; lateFrom++) {
      // Everything from lateFrom on was stored (judged in order without the late ones)...
      const earlier = track.slice(0, lateFrom);
      const late = track.slice(lateFrom, lateFrom + 2);
      const after = track.slice(lateFrom + 2);
      const storedFlags = new Map<number, JudgedFix['flag']>();
      const judged = inOrder([...earlier, ...after]);
      [...earlier, ...after].forEach((f, i) => {
        storedFlags.set(f.seq, judged[i]);
      });
      const anchorJudge = new PositionJudge(undefined);
      for (const f of earlier) anchorJudge.judge(f, undefined);
      const s = stored(after.map((f) => ({ ...f, flag: storedFlags.get(f.seq) })));
      const result = judgeLate(anchorJudge.anchor, late, s.iterator);
      for (const c of result.changed) storedFlags.set(c.seq, c.flag);
      late.forEach((f, i) => {
        storedFlags.set(f.seq, result.freshFlags[i]);
      });
      expect(
        track.map((f) => storedFlags.get(f.seq)),
        `late from ${lateFrom}`,
      ).toEqual(want);
    }
  });

  it('stops at the first stored fix that stays valid: a late fix costs a few reads, not the whole history', () => {
    const after = Array.from({ length: 1000 }, (_, i) => fix(10 + i, 10 + i, 52.5 + i * 0.00001));
    const s = stored(after);
    judgeLate({ ts: 0, seq: 0, lat: 52.5, lon: 13.4 }, [fix(5, 5, 52.49999)], s.iterator);
    expect(s.read()).toBe(1);
  });
});
