// One vehicle's geo logic in order: a sample becomes a step (speed, standstill, idle, overspeed, distance, harsh), then trips/stops and geofence events; JSON state.
import { type BehaviourState, detectHarsh, initialBehaviourState } from './behaviour.js';
import type { GeoConfig } from './config.js';
import { haversineM } from './distance.js';
import { speedLimitAt, type ZoneIndex } from './geofence-index.js';
import { type GeofenceState, initialGeofenceState, updateGeofences } from './geofence-tracker.js';
import type { Stop, Trip } from './records.js';
import { iso } from './records.js';
import { compareKeys, type GeoSample, hasFix, keyOf, type SampleKey } from './sample.js';
import type { Step } from './tally.js';
import {
  initialTripState,
  openRecord,
  TripMachine,
  type TripOutput,
  type TripPhaseState,
} from './trips.js';

/** What the previous sample left behind for the next one. */
interface Held {
  t: number;
  pos: [number, number] | null;
  fixT: number | null;
  v?: number;
  ign?: boolean;
  fuel?: number;
  still: boolean;
  idle: boolean;
  over: boolean;
}

/** Everything a vehicle's results depend on besides its future samples: plain JSON. */
export interface TrackerState {
  version: 1;
  last: SampleKey | null;
  held: Held | null;
  trips: TripPhaseState | null;
  geofences: GeofenceState;
  behaviour: BehaviourState;
}

export type GeoOutput = TripOutput;

const NO_OUTPUT: readonly GeoOutput[] = Object.freeze([]);

export interface TrackerOptions {
  config: GeoConfig;
  zones: ZoneIndex;
  /** The vehicle's own limit where no zone sets one (registry `speed_limit_kmh`). */
  speedLimitKmh?: number | undefined;
}

export type SampleOrder = 'next' | 'duplicate' | 'late';

export function initialTrackerState(): TrackerState {
  return {
    version: 1,
    last: null,
    held: null,
    trips: null,
    geofences: initialGeofenceState(),
    behaviour: initialBehaviourState(),
  };
}

/**
 * Feeds one vehicle's samples in (time, seq) order. Results are a function of that sequence
 * alone (and the zones and settings): the same samples from the same state give the same outputs,
 * which is what restart and late-data recomputation rely on (docs/trips.md).
 */
export class VehicleTracker {
  private machine: TripMachine | undefined;

  constructor(
    private readonly opts: TrackerOptions,
    private st: TrackerState = initialTrackerState(),
  ) {}

  /** Where the sample falls relative to what was fed: only `next` may be pushed. */
  order(s: GeoSample): SampleOrder {
    if (this.st.last === null) return 'next';
    const c = compareKeys(keyOf(s), this.st.last);
    return c > 0 ? 'next' : c === 0 ? 'duplicate' : 'late';
  }

  /**
   * Feeds the next sample; throws on a late one (recompute from a checkpoint instead). The list
   * returned is only to be read (it may be shared: most samples settle nothing).
   */
  push(s: GeoSample): readonly GeoOutput[] {
    const key = keyOf(s);
    if (this.st.last !== null) {
      const c = compareKeys(key, this.st.last);
      if (c === 0) return NO_OUTPUT;
      if (c < 0) throw new RangeError('late sample: recompute from a checkpoint');
    }
    const step = this.toStep(s);
    let out: GeoOutput[] | undefined;
    if (step.fix && step.pos) {
      const [lon, lat] = step.pos;
      const marginM = this.opts.config.geofenceMarginM;
      for (const g of updateGeofences(this.st.geofences, this.opts.zones, lat, lon, marginM)) {
        out ??= [];
        out.push({
          kind: 'event',
          event: {
            type: g.type,
            time: iso(s.time),
            geofence_id: g.geofenceId,
            details: { geofence: g.name, position: step.pos },
          },
        });
      }
    }
    // One machine per tracker, given this vehicle's state before each step.
    const machine =
      this.machine ?? new TripMachine(initialTripState(s.time), null, this.opts.config);
    this.machine = machine;
    machine.state = this.st.trips ?? initialTripState(s.time);
    machine.lastT = this.st.held?.t ?? null;
    const settled = machine.step(step);
    this.st.trips = machine.state;
    this.st.last = key;
    if (!out) return settled;
    for (const o of settled) out.push(o);
    return out;
  }

  /** A deep copy of the state, for persistence or a checkpoint. */
  snapshot(): TrackerState {
    return structuredClone(this.st);
  }

  /** The key of the last sample fed, or null. */
  get last(): SampleKey | null {
    return this.st.last;
  }

  /**
   * Parked, so a checkpoint here is small (no trip window) and a recomputation from it starts at
   * a stop rather than in the middle of a trip.
   */
  settled(): boolean {
    return this.st.trips?.mode === 'stop';
  }

  /** The trip or stop in progress as if it ended at the last sample (null: none worth showing). */
  current(): { trip: Trip } | { stop: Stop } | null {
    if (!this.st.trips || !this.st.held) return null;
    return openRecord(this.st.trips, this.st.held.t, this.opts.config);
  }

  /** Zones changed: later samples are judged against the new list. */
  setZones(zones: ZoneIndex): void {
    this.opts.zones = zones;
  }

  private toStep(s: GeoSample): Step {
    const cfg = this.opts.config;
    const h = this.st.held;
    const gap = h !== null && s.time - h.t > cfg.tripMaxGapS * 1000;
    const linked = h !== null && !gap;
    const own: [number, number] | null = hasFix(s) ? [s.lon, s.lat] : null;
    const pos = own ?? h?.pos ?? null;
    const ign = s.ignition ?? h?.ign;
    let v = s.speed;
    let distM = 0;
    const recentFix = h?.fixT != null && s.time - h.fixT <= cfg.tripMaxGapS * 1000;
    if (own && h?.pos && recentFix) {
      distM = haversineM(h.pos[1], h.pos[0], own[1], own[0]);
      const dt = s.time - (h.fixT as number);
      if (v === undefined && dt > 0) v = (distM / dt) * 3600;
    }
    if (v === undefined && linked && !own) v = h.v;
    const still = ign === false || (v !== undefined && v < cfg.idleSpeedKmh);
    if (linked && still && h.still) distM = 0; // jitter while standing: no distance
    const limit = pos ? speedLimitAt(this.opts.zones, pos[1], pos[0], this.limit()) : this.limit();
    const fuel = s.fuel ?? h?.fuel;
    const harsh = detectHarsh(
      this.st.behaviour,
      cfg.harsh,
      s.time,
      s.speed,
      own ? s.heading : undefined,
    );
    // Every field in one literal, absent ones as undefined (JSON leaves them out, as before): one
    // object shape for all steps, so the trip window's loops read them monomorphically. Fields
    // added afterwards, only when present, gave up to eight shapes.
    const step: Step = {
      t: s.time,
      seq: s.seq ?? 0,
      from: linked ? h.t : s.time,
      gap,
      distM,
      idle: linked && h.idle,
      ign: linked && h.ign === true,
      over: linked && h.over,
      fuelFrom: h?.fuel,
      fuel,
      v,
      still,
      ignOff: ign === false,
      fix: own !== null,
      pos,
      harsh,
    };
    this.st.held = {
      t: s.time,
      pos,
      fixT: own ? s.time : (h?.fixT ?? null),
      v,
      ign,
      fuel,
      still,
      idle: ign === true && v !== undefined && v < cfg.idleSpeedKmh,
      over: v !== undefined && v > limit,
    };
    return step;
  }

  private limit(): number {
    return this.opts.speedLimitKmh ?? this.opts.config.speedLimitKmh;
  }
}
