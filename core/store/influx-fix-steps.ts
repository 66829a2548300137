// The steps of judging a batch's fixes that need no I/O: sorting, the in-order fast path, flags applied, the state after late fixes, a page of stored fixes as an iterator.
import type { Reading } from '../contract.js';
import {
  type Fix,
  fixBefore,
  impliedKmh,
  JUMP_SPEED_KMH,
  type JudgedFix,
} from '../signals/position-judge.js';

/** What judging a device's next fixes needs: its newest fix of any kind, and its newest valid one. */
export interface FixState {
  /** Device time of the newest stored fix (valid or flagged); undefined: none. */
  newestFixTs: number | undefined;
  latestValid: Fix | undefined;
}

/** Thrown by a page's iterator at its end when more stored fixes may follow. */
export class NeedMore extends Error {}

/** Sorts a device's indexes by (time, seq) unless they already are (in-order data). */
export function sortByTime(
  list: number[],
  fresh: readonly Reading[],
  times: readonly number[],
): void {
  const before = (a: number, b: number) =>
    (times[a] as number) - (times[b] as number) ||
    (fresh[a] as Reading).seq - (fresh[b] as Reading).seq;
  for (let k = 1; k < list.length; k++) {
    if (before(list[k - 1] as number, list[k] as number) > 0) {
      list.sort(before);
      return;
    }
  }
}

/**
 * The fast path: each fix against the newest valid one before it (PositionJudge's rule, without
 * an object per fix). Returns the state after the batch.
 */
export function inOrder(
  list: readonly number[],
  fresh: readonly Reading[],
  times: readonly number[],
  state: FixState,
): FixState {
  let anchor: Fix | undefined = state.latestValid && { ...state.latestValid };
  const probe: Fix = { ts: 0, seq: 0, lat: 0, lon: 0 };
  for (const i of list) {
    const r = fresh[i] as Reading;
    if (r.position_flag === 'zero_fix') continue;
    probe.ts = times[i] as number;
    probe.seq = r.seq;
    probe.lat = r.values.lat as number;
    probe.lon = r.values.lon as number;
    if (anchor && impliedKmh(anchor, probe) > JUMP_SPEED_KMH) {
      r.position_flag = 'jump';
      continue;
    }
    if (r.position_flag !== undefined) delete r.position_flag;
    if (anchor) Object.assign(anchor, probe);
    else anchor = { ...probe };
  }
  return { newestFixTs: times[list[list.length - 1] as number], latestValid: anchor };
}

export function judgedOf(r: Reading, ts: number): JudgedFix {
  const flag = r.position_flag === 'zero_fix' ? 'zero_fix' : undefined;
  return { ts, seq: r.seq, lat: r.values.lat as number, lon: r.values.lon as number, flag };
}

export function applyFlags(
  list: readonly number[],
  fresh: readonly Reading[],
  flags: ReadonlyArray<Reading['position_flag']>,
): void {
  list.forEach((i, k) => {
    const r = fresh[i] as Reading;
    const flag = flags[k];
    if (flag) r.position_flag = flag;
    else delete r.position_flag;
  });
}

/**
 * The state after late fixes: the newest fix time moves up to theirs, and the newest valid fix is
 * the newest of `base.latestValid`, the fresh valid ones and `stored`'s valid ones.
 */
export function afterLate(
  base: FixState,
  fresh: readonly JudgedFix[],
  flags: ReadonlyArray<Reading['position_flag']>,
  stored: readonly JudgedFix[],
): FixState {
  let newestFixTs = base.newestFixTs;
  let latestValid = base.latestValid;
  const consider = (f: JudgedFix, flag: Reading['position_flag']) => {
    if (newestFixTs === undefined || f.ts > newestFixTs) newestFixTs = f.ts;
    if (flag === undefined && (!latestValid || fixBefore(latestValid, f))) {
      latestValid = { ts: f.ts, seq: f.seq, lat: f.lat, lon: f.lon };
    }
  };
  fresh.forEach((f, k) => {
    consider(f, flags[k]);
  });
  for (const s of stored) consider(s, s.flag);
  return { newestFixTs, latestValid };
}

/** An iterator over a page; at its end it throws NeedMore if the page was full (more may follow). */
export function pageIterator(
  page: readonly JudgedFix[],
  full: boolean,
): Iterator<JudgedFix> & { ended: boolean } {
  let k = 0;
  const it = {
    ended: false,
    next(): IteratorResult<JudgedFix> {
      const f = page[k];
      if (f) {
        k += 1;
        return { done: false, value: f };
      }
      if (full) throw new NeedMore();
      it.ended = true;
      return { done: true, value: undefined };
    },
  };
  return it;
}

/** A page's fixes with the flags judging gave them. */
export function withChanges(
  page: readonly JudgedFix[],
  changed: readonly JudgedFix[],
): JudgedFix[] {
  if (changed.length === 0) return [...page];
  const bySeq = new Map(changed.map((c) => [c.seq, c]));
  return page.map((f) => bySeq.get(f.seq) ?? f);
}
