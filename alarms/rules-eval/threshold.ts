// A threshold with a duration and its own clear condition (hysteresis), on one device's samples in device time; pure.
import type { ThresholdRule } from '../rules.js';
import { type Signal, spoken } from './signal.js';

/**
 * normal → pending (beyond the level since `since`) → firing (alarm open) → clearing (back past
 * the clear level since `since`) → normal (alarm cleared). A sample between the two levels keeps a
 * firing alarm open and resets a clearing one, so a value flapping around the level cannot open
 * and clear the alarm more than once per full swing.
 */
export interface ThresholdState {
  phase: 'normal' | 'pending' | 'firing' | 'clearing';
  /** Device time the current pending or clearing run began. */
  since: number;
  /** Device time of the newest sample evaluated: older or equal ones (resends) are skipped. */
  lastTs: number;
  /** Furthest value beyond the level in the current episode (the alarm's value). */
  peak: number;
}

export interface Sample {
  /** Device time, ms. */
  ts: number;
  value: number;
}

export interface ThresholdResult {
  state: ThresholdState;
  signal?: Signal;
  /** The phase changed: worth persisting (samples within a phase change nothing on replay). */
  changed: boolean;
}

const UNITS: Record<ThresholdRule['metric'], string> = {
  speed: ' km/h',
  queue_depth: ' queued readings',
  dropped_total: ' readings dropped',
  reconnects: ' reconnects',
};

/**
 * The next state for one sample. Readings are the collector's hot path: the common cases (a
 * resend, a normal value in the normal phase) update `state` in place and allocate nothing else;
 * every other case works on a copy.
 */
export function evaluateThreshold(
  rule: ThresholdRule,
  level: number,
  state: ThresholdState | undefined,
  sample: Sample,
): ThresholdResult {
  if (state !== undefined) {
    if (sample.ts <= state.lastTs) return { state, changed: false };
    const beyondNow = rule.direction === 'above' ? sample.value > level : sample.value < level;
    if (state.phase === 'normal' && !beyondNow) {
      state.lastTs = sample.ts;
      return { state, changed: false };
    }
  }
  const s: ThresholdState = state
    ? { ...state }
    : { phase: 'normal', since: sample.ts, lastTs: Number.NEGATIVE_INFINITY, peak: sample.value };
  if (sample.ts <= s.lastTs) return { state: s, changed: false };
  s.lastTs = sample.ts;
  const above = rule.direction === 'above';
  const beyond = above ? sample.value > level : sample.value < level;
  const clearLevel = above ? level - rule.clearMargin : level + rule.clearMargin;
  const back = above ? sample.value <= clearLevel : sample.value >= clearLevel;
  const further = (v: number) => (above ? v > s.peak : v < s.peak);
  const unit = UNITS[rule.metric];
  const describe = (v: number) =>
    `${rule.metric} ${round(v)}${unit} ${rule.direction} ${round(level)}${unit} for ${spoken(rule.forMs)} or more`;
  const before = s.phase;
  let signal: Signal | undefined;

  if (s.phase === 'normal' || s.phase === 'pending') {
    if (!beyond) {
      s.phase = 'normal';
    } else {
      if (s.phase === 'normal') {
        s.phase = 'pending';
        s.since = sample.ts;
        s.peak = sample.value;
      } else if (further(sample.value)) {
        s.peak = sample.value;
      }
      if (sample.ts - s.since >= rule.forMs) {
        s.phase = 'firing';
        signal = { kind: 'open', value: round(s.peak), message: describe(s.peak) };
      }
    }
  } else {
    if (further(sample.value)) {
      s.peak = sample.value;
      signal = { kind: 'update', value: round(s.peak), message: describe(s.peak) };
    }
    if (!back) {
      s.phase = 'firing';
    } else {
      if (s.phase === 'firing') {
        s.phase = 'clearing';
        s.since = sample.ts;
      }
      if (sample.ts - s.since >= rule.clearForMs) {
        s.phase = 'normal';
        const cmp = above ? 'at or below' : 'at or above';
        signal = {
          kind: 'clear',
          message: `${rule.metric} back ${cmp} ${round(clearLevel)}${unit} for ${spoken(rule.clearForMs)}`,
        };
      }
    }
  }
  return { state: s, changed: s.phase !== before, ...(signal ? { signal } : {}) };
}

const round = (n: number): number => Math.round(n * 100) / 100;
