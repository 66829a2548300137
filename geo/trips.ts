// The trip/stop state machine over steps: departure and arrival rules, ignition off, gaps; serializable state; docs/trips.md.
import type { GeoConfig } from './config.js';
import { atLeastM } from './distance.js';
import { buildStop, buildTrip, type GeoEvent, iso, type Stop, type Trip } from './records.js';
import { addStep, mergeTally, newTally, type Step, type Tally } from './tally.js';

/** Parked (or not yet known to be moving): the stop so far and the trip that may be starting. */
export interface StopPhase {
  mode: 'stop';
  /** The stop from its start to its latest standstill; `tally.pos` is where it stopped. */
  tally: Tally;
  /** From the latest standstill on (the departure if the vehicle now leaves). */
  prov: Tally;
  /** Seen there for TRIP_MIN_DURATION_S, or the ignition went off: it is a real stop. */
  confirmed: boolean;
}

/** Driving: the trip so far up to the candidate arrival `e`, and the steps after it. */
export interface TripPhase {
  mode: 'trip';
  tally: Tally;
  /** The earliest fix from which every later fix is within TRIP_MIN_DISTANCE_M of it. */
  e: Step;
  window: Step[];
}

export type TripPhaseState = StopPhase | TripPhase;

export type TripOutput =
  | { kind: 'trip'; trip: Trip }
  | { kind: 'stop'; stop: Stop }
  | { kind: 'event'; event: GeoEvent };

/**
 * The open trip or stop as if it ended at `lastT` (for "where is it now" views; nothing is
 * settled by this): a trip with its steps after the candidate arrival, or the stop so far.
 */
export function openRecord(
  state: TripPhaseState,
  lastT: number,
  cfg: GeoConfig,
): { trip: Trip } | { stop: Stop } | null {
  const st = structuredClone(state);
  if (st.mode === 'trip') {
    for (const s of st.window) addStep(st.tally, s);
    const last = st.window[st.window.length - 1] ?? st.e;
    return { trip: buildTrip(st.tally, last.t, last.pos ?? st.tally.pos ?? [0, 0], cfg) };
  }
  mergeTally(st.tally, st.prov);
  if (!st.confirmed || st.tally.pos === null || lastT <= st.tally.start) return null;
  return { stop: buildStop(st.tally, lastT, st.tally.pos) };
}

export function initialTripState(t: number): StopPhase {
  return { mode: 'stop', tally: newTally(t, null), prov: newTally(t, null), confirmed: false };
}

/**
 * Steps kept after the candidate arrival at most (20 Hz for TRIP_MIN_DURATION_S fits): a vehicle
 * reporting without positions for hours cannot grow the state without bound. Past it, the older
 * half is settled into the trip (its arrival can no longer fall there).
 */
export const MAX_WINDOW_STEPS = 4096;

/** What step() returns when it settled nothing (shared, frozen). */
const NOTHING: TripOutput[] = Object.freeze([]) as unknown as TripOutput[];

const far = (a: [number, number] | null, b: [number, number] | null, r: number): boolean =>
  a !== null && b !== null && atLeastM(a[1], a[0], b[1], b[0], r);

/** The trip/stop logic of one vehicle; holds nothing but its (serializable) state. */
export class TripMachine {
  private readonly out: TripOutput[] = [];

  constructor(
    public state: TripPhaseState,
    /** Time of the previous step (a gap closes what was open at it). */
    public lastT: number | null,
    private readonly cfg: GeoConfig,
  ) {}

  /** Feeds one step (in order) and returns what it settled. */
  step(s: Step): TripOutput[] {
    this.out.length = 0;
    this.feed(s);
    this.lastT = s.t;
    // Most steps settle nothing: no new array for them (callers only read the result).
    return this.out.length === 0 ? NOTHING : this.out.splice(0);
  }

  private feed(s: Step): void {
    const st = this.state;
    if (st.mode === 'trip') {
      if (s.gap) {
        this.closeTrip(st, st.window[st.window.length - 1] ?? st.e, false);
        this.stopStep(s);
        return;
      }
      st.window.push(s);
      if (st.window.length > MAX_WINDOW_STEPS) this.settleOlderHalf(st);
      if (s.ignOff) this.closeTrip(st, s, true);
      else if (s.fix && far(st.e.pos, s.pos, this.cfg.tripMinDistanceM)) this.advance(st);
      else if (s.fix && s.t - st.e.t >= this.cfg.tripMinDurationS * 1000)
        this.closeTrip(st, s, true);
      return;
    }
    this.stopStep(s);
  }

  /**
   * The newest fix is too far from `e`: the next candidate is the first fix all later ones are
   * near (checked newest first, the likeliest to be far).
   */
  private advance(st: TripPhase): void {
    const r = this.cfg.tripMinDistanceM;
    const w = st.window;
    let g = w.length - 1;
    for (let i = 0; i < w.length - 1; i++) {
      const c = w[i] as Step;
      if (!c.fix) continue;
      let ok = true;
      for (let j = w.length - 1; j > i && ok; j--) {
        const d = w[j] as Step;
        if (d.fix && far(c.pos, d.pos, r)) ok = false;
      }
      if (ok) {
        g = i;
        break;
      }
    }
    for (let i = 0; i <= g; i++) this.commit(st.tally, w[i] as Step);
    st.e = w[g] as Step;
    // In place (a moving vehicle advances at nearly every step): no copy of the window each time.
    w.copyWithin(0, g + 1);
    w.length -= g + 1;
  }

  private settleOlderHalf(st: TripPhase): void {
    const half = st.window.length >> 1;
    for (let i = 0; i < half; i++) this.commit(st.tally, st.window[i] as Step);
    st.e = st.window[half - 1] as Step;
    st.window = st.window.slice(half);
  }

  private commit(t: Tally, s: Step): void {
    addStep(t, s);
    if (t.hits.length === 0) return;
    for (const h of t.hits) {
      this.out.push({
        kind: 'event',
        event: {
          type: h.hit.type,
          time: iso(h.t),
          details: { value_mps2: h.hit.value_mps2, speed_kmh: h.hit.speed_kmh, position: h.pos },
        },
      });
    }
    t.hits = [];
  }

  /**
   * Ends the trip at its arrival: the first step of the run of standing-still steps that ends at
   * `c`, or `c` itself when the vehicle is still moving there. Steps after the arrival belong to
   * the stop and are fed again as such.
   */
  private closeTrip(st: TripPhase, c: Step, confirmed: boolean): void {
    const steps = [st.e, ...st.window];
    let a = steps.indexOf(c);
    if (c.still) while (a > 0 && (steps[a - 1] as Step).still) a--;
    for (let i = 1; i <= a; i++) this.commit(st.tally, steps[i] as Step);
    const arrival = steps[a] as Step;
    const endPos = arrival.pos ?? st.tally.pos ?? [0, 0];
    const trip = buildTrip(st.tally, arrival.t, endPos, this.cfg);
    this.out.push({ kind: 'trip', trip });
    this.out.push({
      kind: 'event',
      event: {
        type: 'trip_end',
        time: trip.end,
        details: { position: endPos, distance_km: trip.distance_km, duration_s: trip.duration_s },
      },
    });
    this.state = {
      mode: 'stop',
      tally: newTally(arrival.t, endPos),
      prov: newTally(arrival.t, endPos),
      confirmed,
    };
    for (const s of steps.slice(a + 1, steps.indexOf(c) + 1)) this.feed(s);
  }

  private stopStep(s: Step): void {
    const st = this.state as StopPhase;
    const r = this.cfg.tripMinDistanceM;
    if (s.gap) {
      // Nothing is known about the silence: no trip may start before it.
      mergeTally(st.tally, st.prov);
      if (s.fix && far(st.tally.pos, s.pos, r)) {
        // It moved while unseen: the stop ends where it was last seen; no trip over the gap.
        this.emitStop(st, this.lastT ?? s.t);
        this.state = {
          mode: 'stop',
          tally: newTally(s.t, s.pos),
          prov: newTally(s.t, s.pos),
          confirmed: false,
        };
      } else {
        st.tally.pos ??= s.pos;
        st.prov = newTally(s.t, st.tally.pos);
      }
      const now = this.state as StopPhase;
      addStep(now.tally, s);
      now.tally.hits = [];
      this.confirm(now, s);
      return;
    }
    if (st.tally.pos === null && s.pos !== null) st.tally.pos = s.pos;
    if (st.prov.pos === null) st.prov.pos = s.pos;
    if (s.fix && !s.ignOff && far(st.tally.pos, s.pos, r)) {
      this.depart(st, s);
      return;
    }
    addStep(st.prov, s);
    if (s.still) {
      mergeTally(st.tally, st.prov);
      st.prov = newTally(s.t, s.pos);
    }
    this.confirm(st, s);
  }

  /** Seen there for TRIP_MIN_DURATION_S (by a fix), or the ignition is off: a real stop. */
  private confirm(st: StopPhase, s: Step): void {
    const seenLong = s.fix && s.t - st.tally.start >= this.cfg.tripMinDurationS * 1000;
    if (seenLong || s.ignOff) st.confirmed = true;
  }

  private depart(st: StopPhase, s: Step): void {
    const trip = st.prov;
    this.emitStop(st, trip.start);
    this.out.push({
      kind: 'event',
      event: { type: 'trip_start', time: iso(trip.start), details: { position: trip.pos } },
    });
    this.commit(trip, s); // emits the harsh events held since the departure, and this step's

    this.state = { mode: 'trip', tally: trip, e: s, window: [] };
  }

  private emitStop(st: StopPhase, end: number): void {
    if (!st.confirmed || end <= st.tally.start || st.tally.pos === null) return;
    this.out.push({ kind: 'stop', stop: buildStop(st.tally, end, st.tally.pos) });
  }
}
