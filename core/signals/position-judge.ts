// Which stored positions are usable: zero_fix from the payload, jump when a fix implies more than 350 km/h from the previous valid fix by time (late fixes included).
import type { PositionFlag } from './catalog.js';
import { haversineM } from './distance.js';

/** A fix implying more than this speed from the previous valid one is a `jump` (INTERFACE.md). */
export const JUMP_SPEED_KMH = 350;
/**
 * Fixes closer in time than this are judged as if this far apart: two fixes in the same second
 * (or millisecond) a few metres apart are GPS noise, not a teleport.
 */
export const MIN_JUDGE_INTERVAL_MS = 1000;

export interface Fix {
  ts: number;
  seq: number;
  lat: number;
  lon: number;
}

/** A fix in a device's time order, with the flag it has (stored) or got from its payload (new). */
export interface JudgedFix extends Fix {
  flag: PositionFlag | undefined;
}

/** Order of fixes: by device time, then seq (two readings may share a millisecond). */
export function fixBefore(a: { ts: number; seq: number }, b: { ts: number; seq: number }): boolean {
  return a.ts < b.ts || (a.ts === b.ts && a.seq < b.seq);
}

/** km/h implied by moving from `a` to `b`. */
export function impliedKmh(a: Fix, b: Fix): number {
  const dt = Math.max(MIN_JUDGE_INTERVAL_MS, Math.abs(b.ts - a.ts));
  return (haversineM(a.lat, a.lon, b.lat, b.lon) / dt) * 3600;
}

/**
 * Judges fixes in time order. A zero_fix stays one (it came from the payload); any other fix is a
 * `jump` when it implies more than JUMP_SPEED_KMH from the anchor (the previous valid fix), else
 * valid and the new anchor. The first fix of a vehicle is valid: there is nothing to judge it by.
 */
export class PositionJudge {
  constructor(private anchorFix: Fix | undefined) {}

  get anchor(): Fix | undefined {
    return this.anchorFix;
  }

  judge(fix: Fix, payloadFlag: PositionFlag | undefined): PositionFlag | undefined {
    if (payloadFlag === 'zero_fix') return 'zero_fix';
    const a = this.anchorFix;
    if (a && impliedKmh(a, fix) > JUMP_SPEED_KMH) return 'jump';
    this.anchorFix = fix;
    return undefined;
  }
}

/**
 * A late fix changes the judgement of the stored fixes after it: each of them is judged again,
 * in order, until one keeps its verdict and is valid (every fix after it has the same anchor as
 * before, so nothing further can change). `fresh` are the new fixes (sorted); `stored` yields
 * the stored fixes after the first fresh one, in order, lazily. Returns the new fixes' flags (by
 * index in `fresh`) and the stored fixes whose flag changed.
 */
export function judgeLate(
  anchor: Fix | undefined,
  fresh: readonly JudgedFix[],
  stored: Iterator<JudgedFix>,
): { freshFlags: Array<PositionFlag | undefined>; changed: JudgedFix[] } {
  const judge = new PositionJudge(anchor);
  const freshFlags: Array<PositionFlag | undefined> = new Array(fresh.length);
  const changed: JudgedFix[] = [];
  let i = 0;
  let next = stored.next();
  while (i < fresh.length || !next.done) {
    const f = fresh[i];
    if (f && (next.done || fixBefore(f, next.value))) {
      freshFlags[i] = judge.judge(f, f.flag === 'zero_fix' ? 'zero_fix' : undefined);
      i += 1;
      continue;
    }
    if (next.done) break;
    const s = next.value;
    const flag = judge.judge(s, s.flag === 'zero_fix' ? 'zero_fix' : undefined);
    if (flag !== s.flag) changed.push({ ...s, flag });
    else if (flag === undefined && i >= fresh.length) break;
    next = stored.next();
  }
  return { freshFlags, changed };
}
