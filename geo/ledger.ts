// The integration recipe in memory: samples kept in order, outputs tagged with the sample that produced them, checkpoints, and recomputation from the last checkpoint before late data.
import type { ZoneIndex } from './geofence-index.js';
import { compareKeys, compareSamples, type GeoSample, keyOf, type SampleKey } from './sample.js';
import {
  type GeoOutput,
  type TrackerOptions,
  type TrackerState,
  VehicleTracker,
} from './tracker.js';

/** An output and the sample whose push produced it: what to delete when recomputing. */
export interface LedgerEntry {
  at: SampleKey;
  output: GeoOutput;
}

export interface Checkpoint {
  /** The last sample fed before the snapshot: the state covers every sample up to it. */
  at: SampleKey;
  state: TrackerState;
}

export interface CheckpointPolicy {
  /** Take one when parked and this long (data time) after the previous one. */
  settledEveryMs: number;
  /** Take one regardless once this long after the previous one (long trips). */
  maxEveryMs: number;
}

export const DEFAULT_CHECKPOINT_POLICY: CheckpointPolicy = {
  settledEveryMs: 3_600_000,
  maxEveryMs: 6 * 3_600_000,
};

/**
 * One vehicle, everything in memory: the reference for what the collector does with its store
 * (samples table, trips/stops/events rows with the emitting sample's key, checkpoints table):
 * 1. a sample after the last one fed is pushed; its outputs are stored with its key;
 * 2. a late one (before the last fed) is stored, then: take the latest checkpoint before it,
 *    delete outputs (and checkpoints) after that checkpoint, restore its state and push every
 *    stored sample after it in order. The result equals a live run over the same samples.
 */
export class GeoLedger {
  samples: GeoSample[] = [];
  entries: LedgerEntry[] = [];
  checkpoints: Checkpoint[] = [];
  private tracker: VehicleTracker;
  /** Samples pushed by the latest recomputation (0: none). */
  replayed = 0;

  constructor(
    private readonly opts: TrackerOptions,
    private readonly policy: CheckpointPolicy = DEFAULT_CHECKPOINT_POLICY,
  ) {
    this.tracker = new VehicleTracker(opts);
  }

  /** Takes a batch in any order (duplicates ignored); returns the outputs it added. */
  ingest(batch: readonly GeoSample[]): LedgerEntry[] {
    const fresh = this.store(batch);
    const last = this.tracker.last;
    const first = fresh[0];
    const before = this.entries.length;
    if (first === undefined || last === null || compareKeys(keyOf(first), last) > 0) {
      for (const s of fresh) this.feed(s);
      this.replayed = 0;
      return this.entries.slice(before);
    }
    return this.recompute(keyOf(first));
  }

  /** Zones changed: later samples use them (past results stay as they were). */
  setZones(zones: ZoneIndex): void {
    this.opts.zones = zones;
    this.tracker.setZones(zones);
  }

  current(): ReturnType<VehicleTracker['current']> {
    return this.tracker.current();
  }

  private recompute(from: SampleKey): LedgerEntry[] {
    let cp: Checkpoint | undefined;
    for (const c of this.checkpoints) if (compareKeys(c.at, from) < 0) cp = c;
    const after = (k: SampleKey) => cp === undefined || compareKeys(k, cp.at) > 0;
    this.entries = this.entries.filter((e) => !after(e.at));
    this.checkpoints = this.checkpoints.filter((c) => !after(c.at));
    this.tracker = new VehicleTracker(this.opts, cp ? structuredClone(cp.state) : undefined);
    const before = this.entries.length;
    let n = 0;
    for (const s of this.samples) {
      if (!after(keyOf(s))) continue;
      this.feed(s);
      n++;
    }
    this.replayed = n;
    return this.entries.slice(before);
  }

  private feed(s: GeoSample): void {
    const at = keyOf(s);
    for (const output of this.tracker.push(s)) this.entries.push({ at, output });
    const prev = this.checkpoints[this.checkpoints.length - 1];
    const since = prev ? s.time - prev.at.time : Number.POSITIVE_INFINITY;
    const due = this.tracker.settled()
      ? since >= this.policy.settledEveryMs
      : since >= this.policy.maxEveryMs;
    if (due) this.checkpoints.push({ at, state: this.tracker.snapshot() });
  }

  /** Adds the batch's new samples in order (one merge); returns them, sorted. */
  private store(batch: readonly GeoSample[]): GeoSample[] {
    const fresh = [...batch].sort(compareSamples).filter((s, i, a) => {
      const prev = a[i - 1];
      return (prev === undefined || compareSamples(prev, s) !== 0) && !this.has(s);
    });
    const head = fresh[0];
    const tail = this.samples[this.samples.length - 1];
    if (head === undefined) return fresh;
    if (tail === undefined || compareSamples(tail, head) < 0) {
      for (const s of fresh) this.samples.push(s);
      return fresh;
    }
    const merged: GeoSample[] = [];
    let i = 0;
    let j = 0;
    while (i < this.samples.length || j < fresh.length) {
      const a = this.samples[i];
      const b = fresh[j];
      if (b === undefined || (a !== undefined && compareSamples(a, b) < 0)) {
        merged.push(a as GeoSample);
        i++;
      } else {
        merged.push(b);
        j++;
      }
    }
    this.samples = merged;
    return fresh;
  }

  private has(s: GeoSample): boolean {
    let lo = 0;
    let hi = this.samples.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareSamples(this.samples[mid] as GeoSample, s) < 0) lo = mid + 1;
      else hi = mid;
    }
    const at = this.samples[lo];
    return at !== undefined && compareSamples(at, s) === 0;
  }
}
