// The InfluxDB writer's per-device state: live coverage, the checkpoint on the server, and when to write the next.
import {
  afterNs,
  type Checkpoint,
  checkpointLine,
  checkpointTime,
  compareNs,
  NO_TIME,
  type NsTime,
  pointNs,
} from './influx-checkpoint.js';
import type { LoadedDevice } from './influx-coverage-load.js';
import {
  type Coverage,
  cloneCoverage,
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
  /** Coverage changed since `persisted`. */
  dirty: boolean;
  /** Readings of failed writes that may have landed anyway: not counted, so `scan` stays below. */
  unsettled: { seqs: Set<number>; floor: NsTime } | undefined;
}

const minNs = (a: NsTime, b: NsTime | undefined) => (b && compareNs(b, a) < 0 ? b : a);
const maxNs = (a: NsTime, b: NsTime | undefined) => (b && compareNs(b, a) > 0 ? b : a);

export class InfluxProgress {
  private readonly devices = new Map<string, DeviceState>();

  private state(deviceId: string): DeviceState {
    let s = this.devices.get(deviceId);
    if (!s) {
      s = {
        coverage: emptyCoverage(),
        lastSeen: NO_TIME,
        newest: undefined,
        persisted: undefined,
        dirty: false,
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
  lowerBounds(plan: WritePlan, now: number): { lines: string[]; commit: () => void } {
    const lows = lowestPerDevice(plan);
    const next = new Map<string, Checkpoint>();
    for (const [deviceId, low] of lows) {
      const p = this.state(deviceId).persisted;
      if (p && compareNs(low, p.scan) >= 0) continue;
      next.set(deviceId, {
        coverage: p ? p.coverage : emptyCoverage(),
        scan: minNs(low, p?.scan),
        lastSeen: p ? p.lastSeen : NO_TIME,
        at: checkpointTime(now, p?.at),
      });
    }
    return {
      lines: [...next].map(([id, cp]) => checkpointLine(id, cp)),
      commit: () => {
        for (const [id, cp] of next) this.state(id).persisted = cp;
      },
    };
  }

  /** After InfluxDB took a batch's points. */
  written(plan: WritePlan): void {
    const touched = new Set<string>();
    for (let i = 0; i < plan.fresh.length; i++) {
      const r = plan.fresh[i];
      const time = plan.freshTimes[i];
      if (!r || time === undefined) continue;
      const s = this.state(r.device_id);
      touched.add(r.device_id);
      s.newest = maxNs(pointNs(time, r.seq), s.newest);
      if (time > s.lastSeen) s.lastSeen = time;
    }
    for (const [id, c] of plan.coverages) {
      const s = this.state(id);
      s.coverage = c;
      // Declared drops move coverage without points: the next checkpoint must carry them.
      if (touched.has(id) || plan.declaredDropped > 0) s.dirty = true;
      const u = s.unsettled;
      if (u && [...u.seqs].every((seq) => isCovered(c, seq))) s.unsettled = undefined;
    }
  }

  /** After a write failed: its points may have landed; until stored again they are not counted. */
  failed(plan: WritePlan): void {
    for (let i = 0; i < plan.fresh.length; i++) {
      const r = plan.fresh[i];
      const time = plan.freshTimes[i];
      if (!r || time === undefined) continue;
      const s = this.state(r.device_id);
      const t = pointNs(time, r.seq);
      // A Set: the collector retries the same batch while InfluxDB is down.
      if (!s.unsettled) s.unsettled = { seqs: new Set([r.seq]), floor: t };
      else {
        s.unsettled.seqs.add(r.seq);
        s.unsettled.floor = minNs(t, s.unsettled.floor);
      }
    }
  }

  /**
   * Checkpoints of every changed device, for a flush whose rollups are written: the live
   * coverage, and a bound just above the newest point (so in-order data does not lower it), kept
   * at or below any unsettled point.
   */
  checkpoints(now: number): { lines: string[]; commit: () => void } {
    const next = new Map<string, Checkpoint>();
    for (const [id, s] of this.devices) {
      if (!s.dirty || s.coverage.highest < 0) continue;
      let scan = s.newest
        ? maxNs(afterNs(s.newest), s.persisted?.scan)
        : (s.persisted?.scan ?? { ms: 0, sub: 0 });
      if (s.unsettled) scan = minNs(scan, s.unsettled.floor);
      next.set(id, {
        coverage: cloneCoverage(s.coverage),
        scan,
        lastSeen: s.lastSeen,
        at: checkpointTime(now, s.persisted?.at),
      });
    }
    return {
      lines: [...next].map(([id, cp]) => checkpointLine(id, cp)),
      commit: () => {
        for (const [id, cp] of next) {
          const s = this.state(id);
          s.persisted = cp;
          s.dirty = false;
        }
      },
    };
  }
}

function lowestPerDevice(plan: WritePlan): Map<string, NsTime> {
  const lows = new Map<string, NsTime>();
  for (let i = 0; i < plan.fresh.length; i++) {
    const r = plan.fresh[i];
    const time = plan.freshTimes[i];
    if (!r || time === undefined) continue;
    const t = pointNs(time, r.seq);
    const seen = lows.get(r.device_id);
    if (!seen || compareNs(t, seen) < 0) lows.set(r.device_id, t);
  }
  return lows;
}
