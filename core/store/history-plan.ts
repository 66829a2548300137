// Which tier answers which part of a history range: the coarsest tier that still gives the window, edges from finer ones.
import { type Aggregate, HOUR_MS, MINUTE_MS, merge, type TierName } from './rollup.js';
import { type HistoryPoint, historyWindow, type Retention } from './types.js';

/**
 * One query of a plan. Raw: readings with from <= time <= to. A rollup tier: buckets whose start
 * lies in from..to (each such bucket lies wholly inside the requested range, unless retention
 * already removed the finer data at an edge; see planHistory).
 */
export interface HistoryPiece {
  tier: TierName;
  from: number;
  to: number;
}

export interface HistoryPlan {
  windowMs: number;
  pieces: HistoryPiece[];
}

const TIERS: ReadonlyArray<{ name: TierName; bucketMs: number }> = [
  { name: 'raw', bucketMs: 1 },
  { name: '1m', bucketMs: MINUTE_MS },
  { name: '1h', bucketMs: HOUR_MS },
];

function horizons(retention: Retention, now: number): number[] {
  const h = (ms: number) => (ms > 0 ? now - ms : Number.NEGATIVE_INFINITY);
  return [h(retention.rawMs), h(retention.oneMinuteMs), h(retention.oneHourMs)];
}

/**
 * Windows are epoch-aligned multiples of windowMs (historyWindow); a tier can serve a window when
 * its bucket divides it. The range's full buckets come from the coarsest such tier; the partial
 * buckets at both edges come from the next finer tier, recursively down to raw readings, so the
 * answer equals one computed from raw rows (count, min, max exactly; the mean to float rounding).
 * Where retention has already removed a finer tier at an edge, that edge's whole bucket is taken
 * from the coarser tier instead, and where the range starts before a tier's retention horizon the
 * window grows to the next tier's bucket: old data is answered coarser, never dropped.
 */
export function planHistory(
  from: number,
  to: number,
  maxPoints: number,
  retention: Retention,
  now: number,
): HistoryPlan {
  const horizon = horizons(retention, now);
  let windowMs = historyWindow(from, to, maxPoints);
  let tier = 0;
  for (let t = TIERS.length - 1; t > 0; t--) {
    if (windowMs % (TIERS[t]?.bucketMs ?? 1) === 0) {
      tier = t;
      break;
    }
  }
  while (tier < TIERS.length - 1 && from < (horizon[tier] ?? 0)) {
    tier += 1;
    const b = TIERS[tier]?.bucketMs ?? 1;
    windowMs = Math.ceil(windowMs / b) * b;
  }
  const pieces: HistoryPiece[] = [];
  decompose(tier, from, to, horizon, pieces);
  return { windowMs, pieces };
}

function decompose(
  tier: number,
  from: number,
  to: number,
  horizon: readonly number[],
  out: HistoryPiece[],
): void {
  const spec = TIERS[tier];
  if (!spec || tier === 0) {
    out.push({ tier: 'raw', from, to });
    return;
  }
  const b = spec.bucketMs;
  const finerAvailable = (t: number) => t >= (horizon[tier - 1] ?? Number.NEGATIVE_INFINITY);
  let first = Math.ceil(from / b) * b;
  let last = Math.floor((to + 1) / b) * b - b;
  if (first > last) {
    // No whole bucket inside: all from the finer tier, or this tier's buckets if that is gone.
    if (finerAvailable(from)) decompose(tier - 1, from, to, horizon, out);
    else out.push({ tier: spec.name, from: Math.floor(from / b) * b, to: Math.floor(to / b) * b });
    return;
  }
  if (from < first) {
    if (finerAvailable(from)) decompose(tier - 1, from, first - 1, horizon, out);
    else first -= b;
  }
  if (last + b <= to) {
    if (finerAvailable(last + b)) decompose(tier - 1, last + b, to, horizon, out);
    else last += b;
  }
  out.push({ tier: spec.name, from: first, to: last });
}

/** Aggregates per window index (floor(time / windowMs)), from any number of pieces. */
export interface WindowRow extends Aggregate {
  idx: number;
}

/** Merges the pieces' rows into one point per window, in time order. */
export function mergeWindows(rows: Iterable<WindowRow>, windowMs: number): HistoryPoint[] {
  const byIdx = new Map<number, WindowRow>();
  for (const r of rows) {
    const seen = byIdx.get(r.idx);
    if (seen) merge(seen, r);
    else byIdx.set(r.idx, { ...r });
  }
  return [...byIdx.values()]
    .sort((a, b) => a.idx - b.idx)
    .map((r) => ({
      timestamp: r.idx * windowMs,
      mean: r.sum / r.count,
      min: r.min,
      max: r.max,
      count: r.count,
    }));
}
