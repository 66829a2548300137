// The coarse track for long /track ranges: per minute a vehicle's first and last valid fix and where its run broke, a parked vehicle's minutes thinned out; per 10 minutes the same over the kept minutes.

import { COARSE_TRACK_MS, type TrackBucket } from '../core/store/geo-store.js';
import { haversineM } from '../geo/distance.js';

/** A minute whose fixes stay this close to the last kept point adds nothing to a drawn month. */
const STILL_M = 15;
/** ...unless this long has passed: kept points stay closer than TRIP_MAX_GAP_S apart. */
const KEEP_EVERY_MS = 10 * 60_000;
const MINUTE_MS = 60_000;

/** Plain JSON, part of a vehicle's checkpoint: replaying from it rebuilds the same buckets. */
export interface TierState {
  /** The minute being filled. */
  cur: TrackBucket | null;
  /** The last minute left out (parked): kept after all when the next fix comes after a silence. */
  held: TrackBucket | null;
  /** The last point of the last kept bucket. */
  kept: { t: number; lat: number; lon: number } | null;
  /** An invalid fix came since the last valid one. */
  broken: boolean;
  /** The 10 minutes of the last kept minute, as written (each kept minute writes it again). */
  coarse: TrackBucket | null;
  /** Kept minutes before this are in the minute tier only (a state from before the 10-minute tier). */
  coarseFrom: number;
}

export function initialTierState(): TierState {
  return {
    cur: null,
    held: null,
    kept: null,
    broken: false,
    coarse: null,
    coarseFrom: Number.MIN_SAFE_INTEGER,
  };
}

/**
 * A checkpoint's tier state. One saved before the 10-minute tier existed starts that tier with
 * the next 10 minutes after its last kept minute (those before have minute rows only, which the
 * dashboard reads where the 10-minute rows begin later than asked).
 */
export function resumeTierState(
  s: Partial<TierState> & Omit<TierState, 'coarse' | 'coarseFrom'>,
): TierState {
  if (s.coarse !== undefined && s.coarseFrom !== undefined) {
    return { ...s, coarse: s.coarse, coarseFrom: s.coarseFrom };
  }
  const from = s.kept === null ? Number.MIN_SAFE_INTEGER : windowOf(s.kept.t) + COARSE_TRACK_MS;
  return { ...s, coarse: null, coarseFrom: from };
}

const windowOf = (t: number) => Math.floor(t / COARSE_TRACK_MS) * COARSE_TRACK_MS;

/**
 * Fed every fix in (time, seq) order; `out` receives each finished minute worth keeping. Splits at
 * silences are found by readers from the times (kept points are never more than KEEP_EVERY_MS
 * apart unless the vehicle was silent), splits at invalid fixes from the break flags.
 */
export class TrackTier {
  constructor(
    public state: TierState,
    private readonly out: (b: TrackBucket) => void,
    /** Each kept minute's 10 minutes as they now stand (the same window comes again as it grows). */
    private readonly outCoarse: (b: TrackBucket) => void = () => {},
  ) {}

  invalidFix(): void {
    this.state.broken = true;
  }

  validFix(t: number, lat: number, lon: number): void {
    const st = this.state;
    const minute = Math.floor(t / MINUTE_MS) * MINUTE_MS;
    const cur = st.cur;
    if (cur !== null && cur.minute === minute) {
      if (st.broken) cur.breakInside = true;
      cur.t2 = t;
      cur.lat2 = lat;
      cur.lon2 = lon;
    } else {
      if (cur !== null) this.finish(cur);
      // After a silence the minute left out before it is the run's real end: keep it.
      if (st.held !== null && t - st.held.t2 > KEEP_EVERY_MS / 2) this.keep(st.held);
      st.cur = {
        minute,
        t1: t,
        lat1: lat,
        lon1: lon,
        t2: t,
        lat2: lat,
        lon2: lon,
        breakBefore: st.broken,
        breakInside: false,
      };
    }
    st.broken = false;
  }

  private finish(b: TrackBucket): void {
    const k = this.state.kept;
    const worth =
      k === null ||
      b.breakBefore ||
      b.breakInside ||
      b.t1 - k.t >= KEEP_EVERY_MS ||
      haversineM(k.lat, k.lon, b.lat1, b.lon1) >= STILL_M ||
      haversineM(k.lat, k.lon, b.lat2, b.lon2) >= STILL_M;
    if (worth) this.keep(b);
    else this.state.held = b;
  }

  private keep(b: TrackBucket): void {
    this.state.held = null;
    this.state.kept = { t: b.t2, lat: b.lat2, lon: b.lon2 };
    this.out(b);
    this.addCoarse(b);
  }

  /** The kept minute joins its 10 minutes: their first fix stays, the last moves, breaks go inside. */
  private addCoarse(b: TrackBucket): void {
    const st = this.state;
    if (b.minute < st.coarseFrom) return;
    const window = windowOf(b.minute);
    let c = st.coarse;
    if (c !== null && c.minute === window) {
      if (b.breakBefore || b.breakInside) c.breakInside = true;
      c.t2 = b.t2;
      c.lat2 = b.lat2;
      c.lon2 = b.lon2;
    } else {
      c = { ...b, minute: window };
      st.coarse = c;
    }
    this.outCoarse(c);
  }
}

/**
 * Buckets as track columns: a NaN point where the run broke, then the first fix and (if it is a
 * different one) the last. geo/track.ts splits at the NaN and at silences over TRIP_MAX_GAP_S.
 */
export function bucketColumns(buckets: readonly TrackBucket[]): {
  time: Float64Array;
  lat: Float64Array;
  lon: Float64Array;
  length: number;
} {
  const cap = buckets.length * 4;
  const time = new Float64Array(cap);
  const lat = new Float64Array(cap);
  const lon = new Float64Array(cap);
  let n = 0;
  const push = (t: number, y: number, x: number) => {
    time[n] = t;
    lat[n] = y;
    lon[n] = x;
    n++;
  };
  for (const b of buckets) {
    if (b.breakBefore) push(b.t1, Number.NaN, Number.NaN);
    push(b.t1, b.lat1, b.lon1);
    if (b.t2 !== b.t1) {
      if (b.breakInside) push(b.t2, Number.NaN, Number.NaN);
      push(b.t2, b.lat2, b.lon2);
    }
  }
  return { time, lat, lon, length: n };
}
