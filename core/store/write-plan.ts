// Plans one store write against the devices' coverage: which readings are new, gaps, accepted drop notices.
import type { DroppedNotice, Reading } from '../contract.js';
import { timesOf } from '../iso-time.js';
import {
  type Coverage,
  cover,
  type DeviceProgress,
  type GapEvent,
  isCovered,
  progressOf,
  uncoveredCount,
} from './seq-coverage.js';
import type { WriteResult } from './types.js';

export interface WritePlan {
  /** Readings to store, in batch order, with their parsed times (ms). */
  fresh: Reading[];
  freshTimes: number[];
  duplicates: number;
  /** Coverage after the write, per device touched (the objects `load` returned, updated). */
  coverages: Map<string, Coverage>;
  /** Newest device timestamp among each device's fresh readings. */
  newestTime: Map<string, number>;
  gaps: GapEvent[];
  filled: number;
  declaredDropped: number;
  droppedIgnored: number;
}

/**
 * `load` returns the coverage to update for a device (read from the store in the same
 * transaction, or a copy of a cached one): the plan mutates it, so a failed write leaves the
 * original untouched. Readings come first, then the drop notices, so a notice is trusted against
 * the highest seq including this batch; a notice reaching at or past it is refused, since it
 * would make real readings not yet sent look like duplicates.
 */
export function planWrite(
  readings: readonly Reading[],
  dropped: readonly DroppedNotice[],
  load: (deviceId: string) => Coverage,
  /** Each reading's timestamp as epoch ms, when the caller parsed them (TelemetryStore.write). */
  times?: readonly number[],
): WritePlan {
  const plan: WritePlan = {
    fresh: [],
    freshTimes: [],
    duplicates: 0,
    coverages: new Map(),
    newestTime: new Map(),
    gaps: [],
    filled: 0,
    declaredDropped: 0,
    droppedIgnored: 0,
  };
  const coverageOf = (deviceId: string): Coverage => {
    let c = plan.coverages.get(deviceId);
    if (!c) {
      c = load(deviceId);
      plan.coverages.set(deviceId, c);
    }
    return c;
  };
  const at = timesOf(readings, times);
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i] as Reading;
    const c = coverageOf(r.device_id);
    if (isCovered(c, r.seq)) {
      plan.duplicates += 1;
      continue;
    }
    if (r.seq > c.highest + 1)
      plan.gaps.push({ deviceId: r.device_id, from: c.highest + 1, to: r.seq - 1 });
    else if (r.seq < c.highest) plan.filled += 1;
    cover(c, r.seq, r.seq);
    const time = at[i] as number;
    plan.fresh.push(r);
    plan.freshTimes.push(time);
    const newest = plan.newestTime.get(r.device_id);
    if (newest === undefined || time > newest) plan.newestTime.set(r.device_id, time);
  }
  for (const n of dropped) {
    const c = coverageOf(n.device_id);
    if (n.to >= c.highest) {
      plan.droppedIgnored += 1;
      continue;
    }
    plan.declaredDropped += uncoveredCount(c, n.from, n.to);
    cover(c, n.from, n.to);
  }
  return plan;
}

/** The store's answer for a committed plan. */
export function writeResult(plan: WritePlan): WriteResult {
  const progress: DeviceProgress[] = [];
  for (const [deviceId, c] of plan.coverages) progress.push(progressOf(deviceId, c));
  return {
    stored: plan.fresh.length,
    duplicates: plan.duplicates,
    progress,
    gaps: plan.gaps,
    filled: plan.filled,
    declaredDropped: plan.declaredDropped,
    droppedIgnored: plan.droppedIgnored,
    reflagged: [],
    fresh: plan.fresh,
    freshTimes: plan.freshTimes,
  };
}
