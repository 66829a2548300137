// Per-device live state (latest reading, last seen, reported status, health) and the online/warning/offline rule; pure, clock passed in.
import type { HealthMessage, Reading, StatusMessage } from '../core/contract.js';
import type {
  DeviceState,
  DevicesStatusBody,
  LatestData,
  PositionsBody,
} from '../core/dashboard-contract.js';
import { quietAfterMs } from '../core/expected-interval.js';
import type { LatestReading } from '../core/store/types.js';
import { emptyFleetValues, type FleetValues, noteLatest, noteReading } from './fleet-values.js';

interface Latest {
  /** The newest speed (null: the vehicle sends readings without one). */
  speed: number | null;
  timestamp: string;
  /** Device timestamp, ms. */
  at: number;
  seq: number;
}

interface Entry {
  latest: Latest | undefined;
  /** Server time the device was last heard from, ms; undefined: never. */
  lastSeenAt: number | undefined;
  /** The status topic said offline and nothing was heard since. */
  saidOffline: boolean;
  /** Status at the last transitions() call, to report changes once. */
  reported: DeviceState | undefined;
  /** Server time the last reading arrived. */
  lastDataAt: number | undefined;
  /** The reading received last (arrival order): consecutive seqs give the device's interval. */
  lastSeq: number | undefined;
  lastAt: number | undefined;
  /** The device's reading interval as observed (device time between consecutive seqs), smoothed. */
  intervalMs: number | undefined;
  /** The last reading said parked: its next one is due this much later than usual (ms). */
  quietMs: number;
  health: HealthMessage | undefined;
  /** Device time of the newest health message, clamped to our clock. */
  healthAt: number | undefined;
  /** The fleet table's signal columns (fuel, battery, ignition, last fix). */
  fleet: FleetValues;
}

export interface FleetSummary {
  online: number;
  offline: number;
  /** Online vehicles with a latest reading, the sum and the highest of those speeds. */
  speeds: number;
  speedSum: number;
  speedMax: number;
}

const speedOf = (v: unknown): number | null => (typeof v === 'number' ? v : null);

/** One vehicle for the live views (see live/fleet-snapshot.ts). */
export interface LiveRow {
  deviceId: string;
  status: DeviceState;
  speed: number | null;
  timestamp: string | null;
  /** Server time last heard from, ms. */
  lastSeenAt: number | undefined;
  fleet: FleetValues;
}

export interface StatusChange {
  deviceId: string;
  status: DeviceState;
}

export interface BoardOptions {
  /** HEALTH_INTERVAL_S in ms: health older than twice this is a warning. */
  healthIntervalMs: number;
  /**
   * Data is stale after twice the device's interval, but never sooner than this: the page is
   * updated once a second, and a device sending every 20 ms would otherwise flicker between
   * online and warning with every scheduling hiccup.
   */
  minStaleMs: number;
  /** PARKED_INTERVAL_S in ms: after a reading with the ignition off the next is due this late. */
  parkedIntervalMs: number;
}

export const DEFAULT_BOARD_OPTIONS: BoardOptions = {
  healthIntervalMs: 30_000,
  minStaleMs: 2000,
  parkedIntervalMs: 60_000,
};

/**
 * A device is offline when its status topic says so (and nothing was heard since) or it was not
 * heard from within offlineAfterMs. Heard from means: a reading arrived (arrival time, so a
 * replayed backlog counts as alive), or an `online` status or a health message carrying that
 * device timestamp (a retained one from long ago therefore does not make a silent device look
 * online). Otherwise it is in warning when its health (once it has sent any) is older than twice
 * the health interval, or its readings (once their interval is known) stopped for more than twice
 * that interval; else online.
 *
 * A parked vehicle (its last reading has the ignition off) reports only every PARKED_INTERVAL_S:
 * that reading counts as hearing from it until the next is due (core/expected-interval.ts), so it
 * is online, in warning once that reading is late by more than the usual staleness margin, and
 * offline only OFFLINE_AFTER_S after it was due.
 */
export class DeviceBoard {
  private readonly entries = new Map<string, Entry>();
  private readonly options: BoardOptions;

  constructor(
    private readonly offlineAfterMs: number,
    options: Partial<BoardOptions> = {},
  ) {
    this.options = { ...DEFAULT_BOARD_OPTIONS, ...options };
  }

  private entry(deviceId: string): Entry {
    let e = this.entries.get(deviceId);
    if (!e) {
      e = {
        latest: undefined,
        lastSeenAt: undefined,
        saidOffline: false,
        reported: undefined,
        lastDataAt: undefined,
        lastSeq: undefined,
        lastAt: undefined,
        intervalMs: undefined,
        quietMs: 0,
        health: undefined,
        healthAt: undefined,
        fleet: emptyFleetValues(),
      };
      this.entries.set(deviceId, e);
    }
    return e;
  }

  has(deviceId: string): boolean {
    return this.entries.has(deviceId);
  }

  /** What the store knew at start-up; never overrides newer live information. */
  seed(deviceId: string, lastSeen: number, latest: LatestReading | undefined, now: number): void {
    const e = this.entry(deviceId);
    // A device clock ahead of ours must not keep a dead device online.
    const seen = Math.min(lastSeen, now);
    e.lastSeenAt = Math.max(e.lastSeenAt ?? seen, seen);
    if (latest) {
      noteLatest(e.fleet, latest);
      this.setLatest(e, {
        speed: speedOf(latest.signals.speed?.value),
        timestamp: new Date(latest.timestamp).toISOString(),
        at: latest.timestamp,
        seq: latest.seq,
      });
    }
  }

  onReading(r: Reading, now: number): void {
    const e = this.entry(r.device_id);
    e.lastSeenAt = now;
    e.lastDataAt = now;
    e.saidOffline = false;
    const at = Date.parse(r.timestamp);
    // After a parked reading the gap is PARKED_INTERVAL_S, not the vehicle's usual interval.
    const afterParked = e.quietMs > 0;
    e.quietMs = quietAfterMs(r.values.ignition, this.options.parkedIntervalMs);
    if (
      !afterParked &&
      e.lastSeq !== undefined &&
      e.lastAt !== undefined &&
      r.seq === e.lastSeq + 1 &&
      at > e.lastAt
    ) {
      const gap = at - e.lastAt;
      e.intervalMs = e.intervalMs === undefined ? gap : 0.8 * e.intervalMs + 0.2 * gap;
    }
    e.lastSeq = r.seq;
    e.lastAt = at;
    noteReading(e.fleet, r, at);
    this.setLatest(e, {
      speed: speedOf(r.values.speed) ?? e.latest?.speed ?? null,
      timestamp: r.timestamp,
      at,
      seq: r.seq,
    });
  }

  onHealth(h: HealthMessage, now: number): void {
    const e = this.entry(h.device_id);
    const at = Math.min(now, Date.parse(h.timestamp));
    if (e.healthAt !== undefined && at < e.healthAt) return; // an older one, redelivered
    e.health = h;
    e.healthAt = at;
    e.lastSeenAt = Math.max(e.lastSeenAt ?? at, at);
  }

  /** One device's newest health message. */
  healthOf(deviceId: string): HealthMessage | undefined {
    return this.entries.get(deviceId)?.health;
  }

  /** Each device's newest health message (sent to a page when it connects). */
  healths(): HealthMessage[] {
    return this.sortedIds().flatMap((id) => this.entries.get(id)?.health ?? []);
  }

  onStatus(s: StatusMessage, now: number): void {
    const e = this.entry(s.device_id);
    if (s.status === 'offline') {
      e.saidOffline = true;
      return;
    }
    e.saidOffline = false;
    const at = Math.min(now, Date.parse(s.timestamp));
    e.lastSeenAt = Math.max(e.lastSeenAt ?? at, at);
  }

  /** A replayed (older) reading does not replace a newer latest one. */
  private setLatest(e: Entry, next: Latest): void {
    const cur = e.latest;
    if (!cur || next.at > cur.at || (next.at === cur.at && next.seq >= cur.seq)) e.latest = next;
  }

  private status(e: Entry, now: number): DeviceState {
    if (e.saidOffline || e.lastSeenAt === undefined) return 'offline';
    // Heard from: the last sign of life, or (parked) the time its next reading was due.
    const heard = Math.max(e.lastSeenAt, (e.lastDataAt ?? e.lastSeenAt) + e.quietMs);
    if (now - heard > this.offlineAfterMs) return 'offline';
    const { healthIntervalMs, minStaleMs } = this.options;
    if (e.healthAt !== undefined && now - e.healthAt > 2 * healthIntervalMs) return 'warning';
    if (e.lastDataAt === undefined) return 'online';
    const margin = Math.max(2 * (e.intervalMs ?? 0), minStaleMs);
    const dataStale =
      e.quietMs > 0
        ? now - e.lastDataAt > e.quietMs + margin
        : e.intervalMs !== undefined && now - e.lastDataAt > margin;
    return dataStale ? 'warning' : 'online';
  }

  statusOf(deviceId: string, now: number): DeviceState | undefined {
    const e = this.entries.get(deviceId);
    return e && this.status(e, now);
  }

  private sortedIds(): string[] {
    return [...this.entries.keys()].sort();
  }

  /** The `latest_data` event. */
  latestData(now: number): LatestData {
    const out: LatestData = {};
    for (const id of this.sortedIds()) {
      const e = this.entries.get(id) as Entry;
      out[id] = {
        speed: e.latest?.speed ?? null,
        timestamp: e.latest?.timestamp ?? null,
        status: this.status(e, now),
      };
    }
    return out;
  }

  /** Every vehicle's live state, unsorted (the live views sort and filter per client). */
  liveRows(now: number): LiveRow[] {
    const out: LiveRow[] = [];
    for (const [deviceId, e] of this.entries) {
      out.push({
        deviceId,
        status: this.status(e, now),
        speed: e.latest?.speed ?? null,
        timestamp: e.latest?.timestamp ?? null,
        lastSeenAt: e.lastSeenAt,
        fleet: e.fleet,
      });
    }
    return out;
  }

  /** The `GET /api/devices/positions` body: vehicles with a usable fix, by id. */
  positions(now: number, canSee: (id: string) => boolean): PositionsBody {
    const out: PositionsBody = [];
    for (const id of this.sortedIds()) {
      const e = this.entries.get(id) as Entry;
      const { fix, fixAt } = e.fleet;
      if (!fix || fixAt === undefined || !canSee(id)) continue;
      out.push({
        device_id: id,
        lat: fix.lat,
        lon: fix.lon,
        heading: fix.heading,
        status: this.status(e, now),
        speed: e.latest?.speed ?? null,
        fix_at: new Date(fixAt).toISOString(),
      });
    }
    return out;
  }

  /** The `GET /api/devices/status` body. */
  statusReport(now: number): DevicesStatusBody {
    const out: DevicesStatusBody = {};
    for (const id of this.sortedIds()) {
      const e = this.entries.get(id) as Entry;
      const seen = e.lastSeenAt;
      out[id] = {
        status: this.status(e, now),
        last_seen: seen === undefined ? null : new Date(seen).toISOString(),
        time_since_last_seen:
          seen === undefined ? null : Math.max(0, Math.round((now - seen) / 100) / 10),
      };
    }
    return out;
  }

  /** Vehicles by status, and the latest speeds of the online ones (metrics; one pass, no sort). */
  summary(now: number): FleetSummary {
    const out: FleetSummary = { online: 0, offline: 0, speeds: 0, speedSum: 0, speedMax: 0 };
    for (const e of this.entries.values()) {
      if (this.status(e, now) === 'offline') {
        out.offline += 1;
        continue;
      }
      out.online += 1;
      const speed = e.latest?.speed;
      if (speed === undefined || speed === null) continue;
      out.speeds += 1;
      out.speedSum += speed;
      if (speed > out.speedMax) out.speedMax = speed;
    }
    return out;
  }

  /** Devices whose status changed since the previous call (for the log). */
  transitions(now: number): StatusChange[] {
    const changes: StatusChange[] = [];
    for (const [deviceId, e] of this.entries) {
      const status = this.status(e, now);
      if (status !== e.reported) changes.push({ deviceId, status });
      e.reported = status;
    }
    return changes;
  }
}
