// The alarm engine: feeds readings, statuses, health and dropped notices to the rules, ticks the timed ones, keeps one alarm per (device, rule).
import type { DroppedNotice, HealthMessage, Reading, StatusMessage } from '../core/contract.js';
import { FLEET_SCOPE } from '../core/contract.js';
import { quietAfterMs } from '../core/expected-interval.js';
import { timesOf } from '../core/iso-time.js';
import type { Logger } from '../core/log.js';
import type { GeofenceSource } from '../geofences/follower.js';
import { DeviceFactsBoard } from './device-facts.js';
import { GeofenceWatch } from './geofence-watch.js';
import type { Lifecycle } from './lifecycle.js';
import type { GeofenceRule, Rule, RuleSet, ThresholdRule } from './rules.js';
import type { Signal } from './rules-eval/signal.js';
import { evaluateThreshold, type Sample, type ThresholdState } from './rules-eval/threshold.js';
import {
  type DataLossState,
  evaluateDataLossQuiet,
  evaluateDropped,
  evaluateFleetSilent,
  evaluateNoData,
  evaluateOffline,
  type Watch,
} from './rules-eval/timed.js';
import type { SpeedLimits } from './speed-limits.js';
import type { AlarmRows } from './store/alarm-rows.js';
import type { AlarmRecord, DeviceFacts } from './store/records.js';

export interface EngineDeps {
  rows: AlarmRows;
  lifecycle: Lifecycle;
  limits: SpeedLimits;
  now: () => number;
  log: Logger;
  /** The geofences (fleet/geofences): geofence rules, and the speed limit inside a zone. */
  geofences?: GeofenceSource | undefined;
}

export interface EngineOptions {
  /** A rising value updates an open alarm at most this often. */
  updateEveryMs: number;
  /**
   * PARKED_INTERVAL_S in ms: after a reading with the ignition off the next is due this much
   * later (core/expected-interval.ts); no_data counts silence from then. Default 60 s.
   */
  parkedIntervalMs?: number;
}

export type AckOutcome = 'acknowledged' | 'unchanged' | 'unknown';

const key = (a: string, b: string): string => `${a}\n${b}`;

export class AlarmEngine {
  private readonly active = new Map<string, AlarmRecord>();
  /** Per rule, per device: nested maps, so the hot path builds no key string per reading. */
  private readonly thresholds = new Map<string, Map<string, ThresholdState>>();
  private readonly losses = new Map<string, DataLossState>();
  private readonly facts: DeviceFactsBoard;
  private readonly pendingUpdates = new Map<string, { value: number | null; message: string }>();
  /** Not listening until the first subscription; silence before it was not watched. */
  private watch: Watch = { listening: false, since: Number.POSITIVE_INFINITY };
  /** Readings and health too old to evaluate (replayed backlog). */
  skippedStale = 0;
  /** PARKED_INTERVAL_S in ms (EngineOptions). */
  private readonly parkedMs: number;
  /** Threshold rules per metric, looked up once per sample (readings are the hot path). */
  private readonly byMetric = new Map<ThresholdRule['metric'], ThresholdRule[]>();
  private readonly zones: GeofenceWatch;

  constructor(
    private readonly rules: RuleSet,
    private readonly deps: EngineDeps,
    private readonly options: EngineOptions,
  ) {
    this.facts = new DeviceFactsBoard(deps.rows, deps.now);
    this.parkedMs = options.parkedIntervalMs ?? 60_000;
    for (const r of rules.rules) {
      if (r.type === 'threshold')
        this.byMetric.set(r.metric, [...(this.byMetric.get(r.metric) ?? []), r]);
    }
    this.zones = new GeofenceWatch(
      rules.rules.filter(
        (r): r is GeofenceRule => r.type === 'geofence_enter' || r.type === 'geofence_exit',
      ),
    );
    const source = deps.geofences;
    if (source) {
      this.zones.setZones(source.list);
      source.onChange(() => this.zones.setZones(source.list));
    }
  }

  /** Loads alarms and evaluation state; alarms of rules no longer configured are cleared. */
  start(): void {
    const { rows } = this.deps;
    const byName = new Map(this.rules.rules.map((r) => [r.name, r]));
    for (const a of rows.active()) {
      if (byName.has(a.rule)) this.active.set(key(a.scope, a.rule), a);
      else this.deps.lifecycle.clear(a, 'its rule is no longer configured');
    }
    for (const s of rows.ruleStates()) {
      const rule = byName.get(s.rule);
      if (rule?.type === 'threshold')
        this.thresholdsOf(s.rule).set(s.scope, s.state as ThresholdState);
      if (rule?.type === 'data_loss')
        this.losses.set(key(s.rule, s.scope), s.state as DataLossState);
    }
    this.facts.load();
    // A device known only by its dropped notices still needs its quiet-spell clear.
    for (const a of this.active.values()) if (a.scope !== FLEET_SCOPE) this.facts.get(a.scope);
  }

  /** Subscribed, after every connect: silence is watched from now on. */
  subscribed(): void {
    this.watch = { listening: true, since: this.deps.now() };
  }

  /**
   * Cut off from the broker: nothing arrives, which says nothing about the devices. Timed rules
   * open nothing until the next subscription, and silence counts from then (else every vehicle's
   * no_data would open, then clear, after each broker outage: a storm of alarms and notices).
   */
  disconnected(): void {
    this.watch = { listening: false, since: Number.POSITIVE_INFINITY };
  }

  private thresholdsOf(rule: string): Map<string, ThresholdState> {
    let m = this.thresholds.get(rule);
    if (!m) {
      m = new Map();
      this.thresholds.set(rule, m);
    }
    return m;
  }

  activeAlarms(): AlarmRecord[] {
    return [...this.active.values()];
  }

  /**
   * Stored readings, duplicates included: each arrival says the device is alive. `times`: their
   * timestamps as epoch ms when the caller parsed them already (the collector's validation).
   */
  onReadings(readings: readonly Reading[], times?: readonly number[]): void {
    if (readings.length === 0) return;
    const now = this.deps.now();
    const seen = new Set<string>();
    const at = timesOf(readings, times);
    for (let i = 0; i < readings.length; i++) {
      const r = readings[i] as Reading;
      seen.add(r.device_id);
      // Each arrival says the device is alive; the last one also says when the next is due.
      this.facts.readingArrived(r.device_id, now, quietAfterMs(r.values.ignition, this.parkedMs));
      const { lat, lon, speed } = r.values;
      const positioned =
        r.position_flag === undefined && typeof lat === 'number' && typeof lon === 'number';
      const sampled = typeof speed === 'number' && this.byMetric.has('speed');
      if (!positioned && !sampled) continue;
      const ts = at[i] as number;
      if (positioned) this.geofenceFix(r.device_id, ts, lat, lon, now);
      if (sampled) this.sample('speed', r.device_id, ts, speed, now);
    }
    for (const id of seen) this.evaluateDevice(this.facts.get(id), now);
    this.evaluateFleet(now);
  }

  /** A fresh fix opens or clears geofence alarms; a stale one (replayed backlog) only moves the state. */
  private geofenceFix(deviceId: string, ts: number, lat: number, lon: number, now: number): void {
    const isOpen = (rule: Rule) => this.active.has(key(deviceId, rule.name));
    const fresh = now - ts <= this.rules.freshWithinMs;
    for (const { rule, signal } of this.zones.fix(deviceId, lat, lon, isOpen, fresh)) {
      this.apply(rule, deviceId, signal);
    }
  }

  onHealth(h: HealthMessage): void {
    const now = this.deps.now();
    const ts = Date.parse(h.timestamp);
    this.sample('queue_depth', h.device_id, ts, h.queue_depth, now);
    this.sample('dropped_total', h.device_id, ts, h.dropped_total, now);
    this.sample('reconnects', h.device_id, ts, h.reconnects, now);
  }

  onStatus(s: StatusMessage): void {
    const now = this.deps.now();
    const f = this.facts.status(s, now);
    if (f) this.evaluateDevice(f, now);
  }

  onDropped(notices: readonly DroppedNotice[]): void {
    const now = this.deps.now();
    for (const rule of this.rules.rules) {
      if (rule.type !== 'data_loss') continue;
      for (const n of notices) {
        this.facts.get(n.device_id); // so the tick looks at it for the quiet-spell clear
        const k = key(rule.name, n.device_id);
        const active = this.active.has(key(n.device_id, rule.name));
        const result = evaluateDropped(this.losses.get(k), n, active, now);
        this.losses.set(k, result.state);
        const save = () => this.deps.rows.saveRuleState(rule.name, n.device_id, result.state);
        this.apply(rule, n.device_id, result.signal, result.signal ? save : undefined);
      }
    }
  }

  /** Samples older than freshWithin by our clock are a replayed past: stored, not evaluated. */
  private sample(
    metric: ThresholdRule['metric'],
    deviceId: string,
    ts: number,
    value: number,
    now: number,
  ): void {
    const rules = this.byMetric.get(metric);
    if (rules === undefined) return;
    if (now - ts > this.rules.freshWithinMs) {
      this.skippedStale += 1;
      return;
    }
    const sample: Sample = { ts, value };
    for (const rule of rules) {
      // speed_limit: the zone it is in (its lowest limit), else the vehicle's own, else the rule's.
      const level =
        rule.level === 'speed_limit'
          ? (this.zones.limitOf(deviceId) ??
            this.deps.limits.limitFor(deviceId) ??
            rule.defaultLimit)
          : rule.level;
      const states = this.thresholdsOf(rule.name);
      const before = states.get(deviceId);
      const result = evaluateThreshold(rule, level, before, sample);
      if (result.state !== before) states.set(deviceId, result.state);
      // Samples that change no phase change nothing when replayed: only phase changes are saved.
      if (!result.changed && !result.signal) continue; // the common case: nothing to do
      const save = result.changed
        ? () => this.deps.rows.saveRuleState(rule.name, deviceId, result.state)
        : undefined;
      this.apply(rule, deviceId, result.signal, save);
    }
  }

  private apply(rule: Rule, scope: string, signal: Signal | undefined, also?: () => void): void {
    const { lifecycle, rows } = this.deps;
    if (!signal) {
      if (also) rows.atomically(also);
      return;
    }
    const k = key(scope, rule.name);
    const active = this.active.get(k);
    if (signal.kind !== 'open' && !active) {
      if (also) rows.atomically(also);
      return;
    }
    if (!active) {
      if (signal.kind === 'open') {
        this.active.set(
          k,
          lifecycle.open(scope, rule.name, rule.severity, signal.value, signal.message, also),
        );
      }
      return;
    }
    if (signal.kind === 'clear') {
      const pending = this.pendingUpdates.get(active.id);
      this.pendingUpdates.delete(active.id);
      lifecycle.clear(pending ? { ...active, ...pending } : active, signal.message, also);
      this.active.delete(k);
      return;
    }
    // A repeat of an open condition: coalesced, published at most every updateEveryMs.
    this.pendingUpdates.set(active.id, { value: signal.value, message: signal.message });
    if (also) rows.atomically(also);
  }

  private evaluateDevice(f: DeviceFacts, now: number): void {
    const watch = this.watch;
    for (const rule of this.rules.rules) {
      const active = this.active.has(key(f.deviceId, rule.name));
      if (rule.type === 'offline') {
        this.apply(rule, f.deviceId, evaluateOffline(rule, f, active, now, watch));
      } else if (rule.type === 'no_data') {
        this.apply(rule, f.deviceId, evaluateNoData(rule, f, active, now, watch));
      } else if (rule.type === 'data_loss') {
        const state = this.losses.get(key(rule.name, f.deviceId));
        this.apply(rule, f.deviceId, evaluateDataLossQuiet(rule, state, active, now));
      }
    }
  }

  private evaluateFleet(now: number): void {
    const watch = this.watch;
    for (const rule of this.rules.rules) {
      if (rule.type !== 'fleet_silent') continue;
      const active = this.active.has(key(FLEET_SCOPE, rule.name));
      this.apply(
        rule,
        FLEET_SCOPE,
        evaluateFleetSilent(rule, this.facts.lastReadingAt, active, now, watch),
      );
    }
  }

  /** The clock: timed rules, coalesced updates, repeats, and the devices' last-reading times. */
  tick(): void {
    const now = this.deps.now();
    for (const f of this.facts.all()) this.evaluateDevice(f, now);
    this.evaluateFleet(now);
    for (const [k, alarm] of this.active) {
      let next = alarm;
      const pending = this.pendingUpdates.get(alarm.id);
      if (pending && now - alarm.updatedAt >= this.options.updateEveryMs) {
        this.pendingUpdates.delete(alarm.id);
        next = this.deps.lifecycle.update(alarm, pending.value, pending.message);
      }
      next = this.deps.lifecycle.repeatIfDue(next);
      if (next !== alarm) this.active.set(k, next);
    }
    this.facts.flush(now);
  }

  /** Saves the devices' last-reading times now (at stop). */
  flush(): void {
    this.facts.flush(this.deps.now(), true);
  }

  /** From the dashboard (fleet/alarms/ack): open → acknowledged; anything else is left as it is. */
  acknowledge(id: string): { outcome: AckOutcome; alarm?: AlarmRecord } {
    for (const [k, a] of this.active) {
      if (a.id !== id) continue;
      if (a.state !== 'open') return { outcome: 'unchanged', alarm: a };
      const pending = this.pendingUpdates.get(a.id);
      this.pendingUpdates.delete(a.id);
      const next = this.deps.lifecycle.acknowledge(pending ? { ...a, ...pending } : a);
      this.active.set(k, next);
      return { outcome: 'acknowledged', alarm: next };
    }
    const stored = this.deps.rows.byId(id);
    return stored ? { outcome: 'unchanged', alarm: stored } : { outcome: 'unknown' };
  }
}
