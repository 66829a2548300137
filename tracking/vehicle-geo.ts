// One vehicle's geo processing in order: the tracker, the coarse tracks, checkpoints; what a batch changed, as one GeoChange.
import {
  emptyGeoChange,
  type GeoChange,
  type GeoCheckpoint,
  type GeoKey,
  type TrackBucket,
} from '../core/store/geo-store.js';
import { compareKeys, type GeoSample, type SampleKey } from '../geo/sample.js';
import {
  initialTrackerState,
  type TrackerOptions,
  type TrackerState,
  VehicleTracker,
} from '../geo/tracker.js';
import { eventRecord, stopRecord, tripRecord } from './outputs.js';
import { initialTierState, resumeTierState, type TierState, TrackTier } from './track-tier.js';

/** One reading as geo sees it: its key, what the tracker uses, and whether its fix was refused. */
export interface GeoItem {
  key: SampleKey;
  /** null: nothing for trips (no position, speed, ignition or fuel). */
  sample: GeoSample | null;
  /** The reading has a position the store flagged (zero_fix, jump): the track breaks there. */
  badFix: boolean;
}

/** A checkpoint's content: plain JSON, version-tagged. */
export interface VehicleState {
  v: 1;
  /** The last item fed (tracker.last only moves with samples). */
  last: SampleKey | null;
  tracker: TrackerState;
  tier: TierState;
  /** Data time of the last kept checkpoint (the policy's clock). */
  keptAt: number | null;
}

export interface CheckpointPolicy {
  /** Keep one when parked and this long (data time) after the previous one. */
  settledEveryMs: number;
  /** Keep one regardless once this long after the previous one. */
  maxEveryMs: number;
}

/** geo/ledger.ts's defaults: a recomputation replays at most a few hours of one vehicle. */
export const CHECKPOINTS: CheckpointPolicy = {
  settledEveryMs: 3_600_000,
  maxEveryMs: 6 * 3_600_000,
};

/** Before every key: "delete everything of the vehicle" and "no checkpoint". */
export const ORIGIN: GeoKey = { time: Number.MIN_SAFE_INTEGER, seq: 0 };

export function parseState(text: string): VehicleState {
  const s = JSON.parse(text) as VehicleState;
  if (s.v !== 1) throw new Error(`unknown geo checkpoint version ${String(s.v)}`);
  return s;
}

/**
 * Fed items in (time, seq) order; every output is tagged with the key of the item that produced
 * it, so a recomputation can replace exactly what followed its checkpoint (geo/ledger.ts's recipe).
 */
export class VehicleGeo {
  private tracker: VehicleTracker;
  private readonly tier: TrackTier;
  private last: SampleKey | null;
  private keptAt: number | null;
  private change: GeoChange;
  /** Wall time of the last rolling checkpoint (0: never, so the first batch saves one). */
  savedAt = 0;
  /** Event ids already published before a recomputation: not announced again. */
  known: ReadonlySet<string> = new Set();

  constructor(
    readonly deviceId: string,
    opts: TrackerOptions,
    state: VehicleState | undefined,
    /** What the first change deletes first (a recomputation's checkpoint), null: nothing. */
    after: GeoKey | null,
    private readonly policy: CheckpointPolicy = CHECKPOINTS,
  ) {
    this.tracker = new VehicleTracker(opts, state?.tracker ?? initialTrackerState());
    this.last = state?.last ?? null;
    this.keptAt = state?.keptAt ?? null;
    this.change = emptyGeoChange(this.deviceId, after);
    this.tier = new TrackTier(
      state ? resumeTierState(state.tier) : initialTierState(),
      (b) => this.change.track.push({ ...b }),
      (b) => this.coarse(b),
    );
    // `after` deletes the 10 minutes it falls in: the part of them kept before it is written again.
    const coarse = this.tier.state.coarse;
    if (after !== null && coarse !== null) this.coarse(coarse);
  }

  /** A 10-minute bucket as it now stands; one write per window per change. */
  private coarse(b: TrackBucket): void {
    const list = this.change.coarseTrack;
    if (list[list.length - 1]?.minute === b.minute) list.pop();
    list.push({ ...b });
  }

  /** The key of the last item fed, or null. */
  get lastKey(): SampleKey | null {
    return this.last;
  }

  /** Is `key` at or before what was fed (a late reading, or one seen already)? */
  fedPast(key: SampleKey): boolean {
    return this.last !== null && compareKeys(key, this.last) <= 0;
  }

  /**
   * A vehicle whose older readings predate geo: its history begins after `key` (a kept checkpoint
   * of the initial state there, so readings arriving later from before it change nothing).
   */
  fenceAt(key: SampleKey): void {
    this.last = key;
    this.keptAt = key.time;
    this.change.checkpoints.push(this.checkpoint(true));
  }

  /** Zones or the vehicle's own limit changed: later samples use them. */
  setOptions(opts: TrackerOptions): void {
    this.tracker = new VehicleTracker(opts, this.tracker.snapshot());
  }

  feed(item: GeoItem): void {
    if (this.fedPast(item.key)) return;
    const at = { time: item.key.time, seq: item.key.seq };
    if (item.sample) {
      for (const o of this.tracker.push(item.sample)) {
        if (o.kind === 'trip') this.change.trips.push(tripRecord(at, o.trip));
        else if (o.kind === 'stop') this.change.stops.push(stopRecord(at, o.stop));
        else this.change.events.push(eventRecord(this.deviceId, at, o.event));
      }
      if (item.sample.lat !== undefined && item.sample.lon !== undefined) {
        this.tier.validFix(item.key.time, item.sample.lat, item.sample.lon);
      }
    }
    if (item.badFix) this.tier.invalidFix();
    this.last = at;
    const since = this.keptAt === null ? Number.POSITIVE_INFINITY : at.time - this.keptAt;
    const due = this.tracker.settled()
      ? since >= this.policy.settledEveryMs
      : since >= this.policy.maxEveryMs;
    if (due) {
      this.keptAt = at.time;
      this.change.checkpoints.push(this.checkpoint(true));
    }
  }

  /**
   * A rolling checkpoint (restarts and handovers resume from it) when `force` or `everyMs` of wall
   * time passed since the last; not when a kept one was just taken at the same key.
   */
  roll(now: number, everyMs: number, force = false): void {
    if (this.last === null || (!force && now - this.savedAt < everyMs)) return;
    this.savedAt = now;
    const latest = this.change.checkpoints[this.change.checkpoints.length - 1];
    if (latest && compareKeys(latest.at, this.last) === 0) return;
    this.change.checkpoints.push(this.checkpoint(false));
  }

  private checkpoint(keep: boolean): GeoCheckpoint {
    const state: VehicleState = {
      v: 1,
      last: this.last,
      tracker: this.tracker.snapshot(),
      tier: structuredClone(this.tier.state),
      keptAt: this.keptAt,
    };
    return { at: this.last as SampleKey, state: JSON.stringify(state), keep };
  }

  /** What changed since the last take (empty: nothing to write). */
  take(): GeoChange | undefined {
    const c = this.change;
    this.change = emptyGeoChange(this.deviceId);
    const empty =
      c.after === null &&
      c.trips.length +
        c.stops.length +
        c.events.length +
        c.checkpoints.length +
        c.track.length +
        c.coarseTrack.length ===
        0;
    return empty ? undefined : c;
  }
}
