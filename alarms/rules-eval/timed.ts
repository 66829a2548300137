// Rules judged on the collector's clock: offline, no data, fleet silence, and data loss with its quiet-spell clear; pure.
import type { DroppedNotice } from '../../core/contract.js';
import type { DataLossRule, FleetSilentRule, NoDataRule, OfflineRule } from '../rules.js';
import type { DeviceFacts } from '../store/records.js';
import { type Signal, spoken } from './signal.js';

const seconds = (ms: number): number => Math.round(ms / 1000);
const clock = (ms: number): string => new Date(ms).toISOString().slice(11, 19);

/**
 * What the collector could observe: whether it is subscribed now, and since when. Silence before
 * its latest (re)subscription was not watched (the broker hands over what it kept, devices are
 * still reconnecting): for opening an alarm it counts from then. Clearing needs no such care.
 */
export interface Watch {
  listening: boolean;
  since: number;
}

const watchedFor = (since: number, watch: Watch, now: number): number =>
  watch.listening ? now - Math.max(since, watch.since) : Number.NEGATIVE_INFINITY;

/** `active`: the rule's alarm for this device is open or acknowledged. */
export function evaluateOffline(
  rule: OfflineRule,
  facts: DeviceFacts,
  active: boolean,
  now: number,
  watch: Watch,
): Signal | undefined {
  if (active && facts.status !== 'offline') {
    return { kind: 'clear', message: `online again at ${clock(facts.statusSince)} UTC` };
  }
  if (
    !active &&
    facts.status === 'offline' &&
    watchedFor(facts.statusSince, watch, now) >= rule.forMs
  ) {
    return {
      kind: 'open',
      value: seconds(now - facts.statusSince),
      message: `offline since ${clock(facts.statusSince)} UTC (${spoken(rule.forMs)} or more)`,
    };
  }
  return undefined;
}

/**
 * Online by its status topic, yet no reading for forMs since it came online or since the next
 * reading was due: at once after an ordinary reading, PARKED_INTERVAL_S after a parked one
 * (facts.quietMs), so a parked vehicle reporting once a minute is not silent.
 */
export function evaluateNoData(
  rule: NoDataRule,
  facts: DeviceFacts,
  active: boolean,
  now: number,
  watch: Watch,
): Signal | undefined {
  const last = facts.lastReadingAt ?? Number.NEGATIVE_INFINITY;
  const since = Math.max(facts.statusSince, last + facts.quietMs);
  const silent = facts.status === 'online' && now - since >= rule.forMs;
  if (active && !silent) {
    return {
      kind: 'clear',
      message: facts.status === 'online' ? 'readings arrive again' : 'device is offline now',
    };
  }
  if (!active && silent && watchedFor(since, watch, now) >= rule.forMs) {
    const seen = Math.max(facts.statusSince, last);
    const due =
      facts.quietMs > 0 && since > seen ? `, parked: the next was due at ${clock(since)} UTC` : '';
    return {
      kind: 'open',
      value: seconds(now - seen),
      message: `online but no reading since ${clock(seen)} UTC (${spoken(rule.forMs)} or more${due})`,
    };
  }
  return undefined;
}

export function evaluateFleetSilent(
  rule: FleetSilentRule,
  lastReadingAt: number | undefined,
  active: boolean,
  now: number,
  watch: Watch,
): Signal | undefined {
  if (lastReadingAt === undefined) return undefined; // nothing ever came: not a fleet yet
  const silent = now - lastReadingAt >= rule.forMs;
  if (active && !silent) return { kind: 'clear', message: 'readings arrive again' };
  if (!active && watchedFor(lastReadingAt, watch, now) >= rule.forMs) {
    return {
      kind: 'open',
      value: seconds(now - lastReadingAt),
      message: `no reading from any vehicle since ${clock(lastReadingAt)} UTC (${spoken(rule.forMs)} or more)`,
    };
  }
  return undefined;
}

/** Per device: the highest seq declared dropped so far, and when seqs were last declared. */
export interface DataLossState {
  lastTo: number;
  lastAt: number;
  /** Seqs declared while the current alarm is open. */
  total: number;
}

/**
 * A device repeats a dropped notice while an ack shows the collector waiting for those seqs, and
 * QoS 1 may redeliver one: only seqs beyond the highest already declared count.
 */
export function evaluateDropped(
  state: DataLossState | undefined,
  notice: DroppedNotice,
  active: boolean,
  now: number,
): { state: DataLossState; signal?: Signal } {
  const lastTo = state?.lastTo ?? -1;
  const fresh = notice.to - Math.max(notice.from - 1, lastTo);
  if (fresh <= 0) return { state: state ?? { lastTo, lastAt: now, total: 0 } };
  const total = (active ? (state?.total ?? 0) : 0) + fresh;
  const next = { lastTo: notice.to, lastAt: now, total };
  const message = `the device dropped ${total} reading${total === 1 ? '' : 's'} from its full queue (up to seq ${notice.to})`;
  return { state: next, signal: { kind: active ? 'update' : 'open', value: total, message } };
}

export function evaluateDataLossQuiet(
  rule: DataLossRule,
  state: DataLossState | undefined,
  active: boolean,
  now: number,
): Signal | undefined {
  if (!active || !state || now - state.lastAt < rule.clearAfterMs) return undefined;
  return { kind: 'clear', message: `no more readings dropped for ${spoken(rule.clearAfterMs)}` };
}
