// The InfluxDB writer's per-device state: live coverage, the checkpoint on the server, and what the next may vouch for.
import type { DroppedNotice } from '../contract.js';
import {
  afterNs,
  type Checkpoint,
  checkpointLine,
  checkpointTime,
  compareNs,
  NO_TIME,
  type NsTime,
} from './influx-checkpoint.js';
import type { LoadedDevice } from './influx-coverage-load.js';
import { SEQ_NS_SLOTS } from './influx-points.js';
import {
  type Coverage,
  cloneCoverage,
  cover,
  type DeviceProgress,
  emptyCoverage,
  isCovered,
  progressOf,
} from './seq-coverage.js';
import type { WritePlan } from './write-plan.js';

interface DeviceState {
  coverage: Coverage;
  lastSeen: number;
  /** Newest point time stored (or found at start). */
  newest: NsTime | undefined;
  /** The checkpoint as InfluxDB holds it. */
  persisted: Checkpoint | undefined;
  /** Coverage changed since `persisted`; `version` counts the changes. */
  dirty: boolean;
  version: number;
  /** Readings of failed writes that may have landed anyway: not counted, so `scan` stays below. */
  unsettled: { seqs: Set<number>; floor: NsTime } | undefined;
}

/** One device's readings in one batch: the lowest and the newest point time. */
export interface BatchDevice {
  low: NsTime;
  high: NsTime;
}

/** What a flush's rollups counted: the dirty devices as they were when it took the aggregates. */
export interface Snapshot {
  devices: Map<string, { coverage: Coverage; newest?: NsTime; lastSeen: number; version: number }>;
  /** Lowest point time per device of the writes not in `devices` (in flight, or later). */
  lows: Map<string, NsTime>;
}

const minNs = (a: NsTime, b: NsTime | undefined) => (b && compareNs(b, a) < 0 ? b : a);
const maxNs = (a: NsTime, b: NsTime | undefined) => (b && compareNs(b, a) > 0 ? b : a);

/** Per device: lowest and newest point time of a batch's fresh readings (one pass, no per-reading objects). */
export function summarize(plan: WritePlan): Map<string, BatchDevice> {
  const out = new Map<string, BatchDevice>();
  for (let i = 0; i < plan.fresh.length; i++) {
    const r = plan.fresh[i];
    const ms = plan.freshTimes[i];
    if (!r || ms === undefined) continue;
    const sub = r.seq % SEQ_NS_SLOTS;
    const d = out.get(r.device_id);
    if (!d) out.set(r.device_id, { low: { ms, sub }, high: { ms, sub } });
    else {
      // Mutated in place: in-order data raises `high` with every reading.
      if (ms < d.low.ms || (ms === d.low.ms && sub < d.low.sub)) {
        d.low.ms = ms;
        d.low.sub = sub;
      }
      if (ms > d.high.ms || (ms === d.high.ms && sub > d.high.sub)) {
        d.high.ms = ms;
        d.high.sub = sub;
      }
    }
  }
  return out;
}

function union(a: Coverage, b: Coverage | undefined): Coverage {
  const c = cloneCoverage(a);
  if (!b) return c;
  if (b.watermark >= 0) cover(c, 0, b.watermark);
  for (const [from, to] of b.above) cover(c, from, to);
  if (b.highest > c.highest) c.highest = b.highest;
  return c;
}

export class InfluxProgress {
  private readonly devices = new Map<string, DeviceState>();
  /** Lows of the write in flight (writes run one at a time). */
  private current: Map<string, BatchDevice> | undefined;
  private readonly snapshots = new Set<Snapshot>();

  private state(deviceId: string): DeviceState {
    let s = this.devices.get(deviceId);
    if (!s) {
      s = {
        coverage: emptyCoverage(),
        lastSeen: NO_TIME,
        newest: undefined,
        persisted: undefined,
        dirty: false,
        version: 0,
        unsettled: undefined,
      };
      this.devices.set(deviceId, s);
    }
    return s;
  }

  /** A copy to plan a write on: the live coverage moves only once InfluxDB took the points. */
  coverageCopy(deviceId: string): Coverage {
    return cloneCoverage(this.devices.get(deviceId)?.coverage ?? emptyCoverage());
  }

  /** Devices with a stored reading (a checkpoint written before a write that failed has none). */
  progress(): DeviceProgress[] {
    const out: DeviceProgress[] = [];
    for (const [id, s] of this.devices) {
      if (s.coverage.highest >= 0) out.push(progressOf(id, s.coverage));
    }
    return out;
  }

  load(devices: readonly LoadedDevice[]): void {
    for (const d of devices) {
      const s = this.state(d.deviceId);
      s.coverage = d.coverage;
      s.lastSeen = d.lastSeen;
      s.newest = d.newest;
      s.persisted = d.checkpoint;
      s.dirty = d.readBack !== undefined || d.legacy;
    }
  }

  /**
   * Checkpoints to write before a batch's points: a device whose batch reaches below its
   * checkpoint's bound (late data, or a device new to the store) gets the bound lowered first,
   * with the coverage the server already vouches for, so a crash between the two writes still
   * leaves every uncounted point at or after the bound. In-order data needs none.
   */
  lowerBounds(
    batch: Map<string, BatchDevice>,
    now: number,
  ): { lines: string[]; commit: () => void } {
    const next = new Map<string, Checkpoint>();
    for (const [deviceId, { low }] of batch) {
      const p = this.state(deviceId).persisted;
      if (p && compareNs(low, p.scan) >= 0) continue;
      next.set(deviceId, {
        coverage: p ? p.coverage : emptyCoverage(),
        scan: minNs(low, p?.scan),
        lastSeen: p ? p.lastSeen : NO_TIME,
        at: checkpointTime(now, p?.at),
      });
    }
    return this.commitLater(next);
  }

  /** A batch's points are about to be written: a flush in progress must not vouch for them. */
  writeStarted(batch: Map<string, BatchDevice>): void {
    this.current = batch;
    for (const snap of this.snapshots) {
      for (const [id, { low }] of batch) snap.lows.set(id, minNs(low, snap.lows.get(id)));
    }
  }

  /** After InfluxDB took a batch's points. */
  written(plan: WritePlan, batch: Map<string, BatchDevice>): void {
    this.current = undefined;
    for (const [id, { high }] of batch) {
      const s = this.state(id);
      s.newest = maxNs(high, s.newest);
      if (high.ms > s.lastSeen) s.lastSeen = high.ms;
    }
    for (const [id, c] of plan.coverages) {
      const s = this.state(id);
      s.coverage = c;
      if (batch.has(id) || plan.declaredDropped > 0) {
        s.dirty = true;
        s.version += 1;
      }
      const u = s.unsettled;
      if (u && [...u.seqs].every((seq) => isCovered(c, seq))) s.unsettled = undefined;
    }
  }

  /** After a write failed: its points may have landed; until stored again they are not counted. */
  failed(plan: WritePlan, batch: Map<string, BatchDevice>): void {
    this.current = undefined;
    for (const r of plan.fresh) {
      const s = this.state(r.device_id);
      // A Set: the collector retries the same batch while InfluxDB is down.
      if (s.unsettled) s.unsettled.seqs.add(r.seq);
      else
        s.unsettled = {
          seqs: new Set([r.seq]),
          floor: batch.get(r.device_id)?.low ?? { ms: 0, sub: 0 },
        };
    }
    for (const [id, { low }] of batch) {
      const u = this.state(id).unsettled;
      if (u) u.floor = minNs(low, u.floor);
    }
  }

  /**
   * Checkpoints for accepted drop notices, written before the write resolves (the ack that
   * follows covers them): what the server vouches for plus the declared seqs, which have no
   * point to count.
   */
  declared(plan: WritePlan, dropped: readonly DroppedNotice[], now: number) {
    const next = new Map<string, Checkpoint>();
    for (const n of dropped) {
      const live = plan.coverages.get(n.device_id);
      if (!live || n.to >= live.highest) continue; // refused by planWrite
      const s = this.state(n.device_id);
      const base = next.get(n.device_id) ?? s.persisted;
      const coverage = cloneCoverage(base?.coverage ?? emptyCoverage());
      cover(coverage, n.from, n.to);
      next.set(n.device_id, {
        coverage,
        // No checkpoint yet cannot happen (a device with readings has one); read back all if so.
        scan: base?.scan ?? { ms: 0, sub: 0 },
        lastSeen: base?.lastSeen ?? NO_TIME,
        at: checkpointTime(now, base?.at),
      });
    }
    return this.commitLater(next);
  }

  /** Several collectors: these devices are no longer (or not yet) this process's to write. */
  forget(owns: (deviceId: string) => boolean): void {
    for (const id of [...this.devices.keys()]) if (owns(id)) this.devices.delete(id);
  }

  /**
   * The dirty devices now (those `only` selects), for a flush taking the rollups' pending
   * aggregates in the same tick.
   */
  snapshot(only?: (deviceId: string) => boolean): Snapshot {
    const snap: Snapshot = { devices: new Map(), lows: new Map() };
    for (const [id, s] of this.devices) {
      if (!s.dirty || s.coverage.highest < 0) continue;
      if (only && !only(id)) continue;
      snap.devices.set(id, {
        coverage: cloneCoverage(s.coverage),
        ...(s.newest ? { newest: s.newest } : {}),
        lastSeen: s.lastSeen,
        version: s.version,
      });
    }
    for (const [id, { low }] of this.current ?? []) snap.lows.set(id, low);
    this.snapshots.add(snap);
    return snap;
  }

  release(snap: Snapshot): void {
    this.snapshots.delete(snap);
  }

  /**
   * Checkpoints vouching for a snapshot whose rollups are written (called in the write queue):
   * its coverage joined with what the server holds (declared drops since), and a bound just above
   * the newest reading (so in-order data does not lower it), kept at or below every reading not in
   * the snapshot (written since, or failed).
   */
  checkpointsFrom(snap: Snapshot, now: number): { lines: string[]; commit: () => void } {
    const next = new Map<string, Checkpoint>();
    const versions = new Map<string, number>();
    for (const [id, d] of snap.devices) {
      const s = this.state(id);
      const p = s.persisted;
      let scan = d.newest ? maxNs(afterNs(d.newest), p?.scan) : (p?.scan ?? { ms: 0, sub: 0 });
      scan = minNs(scan, snap.lows.get(id));
      if (s.unsettled) scan = minNs(scan, s.unsettled.floor);
      next.set(id, {
        coverage: union(d.coverage, p?.coverage),
        scan,
        lastSeen: Math.max(d.lastSeen, p?.lastSeen ?? NO_TIME),
        at: checkpointTime(now, p?.at),
      });
      versions.set(id, d.version);
    }
    return this.commitLater(next, versions);
  }

  private commitLater(next: Map<string, Checkpoint>, versions?: Map<string, number>) {
    return {
      lines: [...next].map(([id, cp]) => checkpointLine(id, cp)),
      commit: () => {
        for (const [id, cp] of next) {
          const s = this.state(id);
          s.persisted = cp;
          if (versions?.get(id) === s.version) s.dirty = false;
        }
      },
    };
  }
}
