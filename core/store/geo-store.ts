// The geo store interface: trips, stops, events, per-day figures, a coarse track (minute and 10-minute tiers) and tracker checkpoints per vehicle, kept in the telemetry store's backend; replace-after(key) for late data.

/**
 * Where an output sits in a vehicle's sequence: the (time, seq) of the sample whose processing
 * produced it. Recomputing from a checkpoint replaces everything produced after the checkpoint's key.
 */
export interface GeoKey {
  /** ms since the epoch */
  time: number;
  seq: number;
}

/** A trip's or stop's share of one UTC day, the sums a daily report adds up. */
export interface GeoDayFigures {
  /** YYYY-MM-DD, UTC */
  day: string;
  distance_km: number;
  driving_s: number;
  /** Engine on while standing: idle in trips plus ignition-on time at stops. */
  idle_s: number;
  stopped_s: number;
  overspeed_s: number;
  max_speed_kmh: number;
  fuel_used_pct: number;
  harsh_events: number;
  /** 1 on the day a trip started, else 0. */
  trips: number;
}

/** A trip or a stop as stored. */
export interface GeoRecord {
  at: GeoKey;
  /** ms since the epoch */
  start: number;
  end: number;
  /** The whole record as geo/ built it (the API row plus per-day parts), plain JSON. */
  body: Record<string, unknown>;
  days: GeoDayFigures[];
}

export interface GeoEventRecord {
  at: GeoKey;
  /** Deterministic: the same event computed again (late data, restart) has the same id. */
  id: string;
  type: string;
  /** ms since the epoch */
  time: number;
  geofenceId: string | null;
  details: Record<string, unknown>;
}

export interface StoredGeoEvent extends GeoEventRecord {
  deviceId: string;
}

/**
 * A vehicle's geo state after the sample `at` (plain JSON text). `keep`: one of the checkpoints
 * late data recomputes from; otherwise the vehicle's rolling one (restarts, handovers), which
 * replaces the previous rolling one.
 */
export interface GeoCheckpoint {
  at: GeoKey;
  state: string;
  keep: boolean;
}

/**
 * One minute of a vehicle's valid fixes for long /track ranges: its first and last fix, and whether
 * the run broke (an invalid fix) before the first or between the two. The 10-minute tier uses the
 * same shape: the first fix of its first kept minute, the last of its last.
 */
export interface TrackBucket {
  /** Start of the minute (of the 10 minutes in the coarse tier), ms since the epoch. */
  minute: number;
  t1: number;
  lat1: number;
  lon1: number;
  t2: number;
  lat2: number;
  lon2: number;
  breakBefore: boolean;
  breakInside: boolean;
}

/** What one vehicle's processing of a batch changes, applied at once. */
export interface GeoChange {
  deviceId: string;
  /**
   * First delete what was produced after this key (trips, stops, events, checkpoints), the track
   * buckets from its minute on and the coarse ones from its 10 minutes on; null: delete nothing.
   */
  after: GeoKey | null;
  trips: GeoRecord[];
  stops: GeoRecord[];
  events: GeoEventRecord[];
  checkpoints: GeoCheckpoint[];
  /** Inserted or replaced by minute. */
  track: TrackBucket[];
  /** The 10-minute tier (COARSE_TRACK_MS), inserted or replaced by window. */
  coarseTrack: TrackBucket[];
  /**
   * The vehicle must be recomputed from before this key (late data seen, not yet recomputed): a
   * restart finds it in dirtyVehicles(). null: recomputed, the mark is cleared; absent: unchanged.
   */
  dirty?: GeoKey | null;
}

/** A change that changes nothing yet: the start of every vehicle's batch. */
export function emptyGeoChange(deviceId: string, after: GeoKey | null = null): GeoChange {
  return {
    deviceId,
    after,
    trips: [],
    stops: [],
    events: [],
    checkpoints: [],
    track: [],
    coarseTrack: [],
  };
}

export interface DirtyVehicle {
  deviceId: string;
  from: GeoKey;
}

/** The per-day sums of one vehicle. */
export interface GeoDayRow extends GeoDayFigures {
  deviceId: string;
}

export interface RangeQuery {
  deviceId: string;
  /** Inclusive, ms since the epoch: records overlapping [from, to]. */
  from: number;
  to: number;
  limit: number;
}

export interface EventQuery {
  /** undefined: every vehicle. */
  deviceId?: string | undefined;
  /** undefined or empty: every type. */
  types?: readonly string[] | undefined;
  /** Inclusive, event time, ms since the epoch. */
  from: number;
  to: number;
  limit: number;
}

export interface DayQuery {
  /** Inclusive UTC days, YYYY-MM-DD. */
  fromDay: string;
  toDay: string;
  /** undefined: every vehicle. */
  deviceIds?: readonly string[] | undefined;
}

/**
 * Derived geo data beside the telemetry store, in the same backend (SQLite tables in its file,
 * InfluxDB measurements in its database), so every collector of a cluster finds a vehicle's trips
 * and checkpoints when its partition's lease moves. Writers are the collectors (apply), readers the
 * dashboard. One shared suite (test/core/store/geo-suite.ts) runs against every implementation.
 */
export interface GeoStore {
  readonly kind: 'sqlite' | 'influxdb';
  start(): Promise<void>;
  /** Safe to call twice. */
  stop(): Promise<void>;
  /**
   * Applies the changes in order (each vehicle's deletions, then its new rows, then the per-day
   * figures of every day its trips and stops touched, summed again from the records).
   */
  apply(changes: readonly GeoChange[]): Promise<void>;
  /** The newest checkpoint whose key is before `before` (undefined: the newest of all). */
  checkpoint(deviceId: string, before?: GeoKey): Promise<GeoCheckpoint | undefined>;
  /** Ids of the events produced after `after` (what a recomputation is about to replace). */
  eventIdsAfter(deviceId: string, after: GeoKey | null): Promise<string[]>;
  trips(q: RangeQuery): Promise<GeoRecord[]>;
  stops(q: RangeQuery): Promise<GeoRecord[]>;
  events(q: EventQuery): Promise<StoredGeoEvent[]>;
  /** Per vehicle and day, by device then day. */
  days(q: DayQuery): Promise<GeoDayRow[]>;
  /** Buckets whose minute lies in [from, to], by minute. */
  track(deviceId: string, from: number, to: number): Promise<TrackBucket[]>;
  /** 10-minute buckets whose start lies in [from, to], by start. */
  coarseTrack(deviceId: string, from: number, to: number): Promise<TrackBucket[]>;
  /** Vehicles marked dirty (GeoChange.dirty) and not cleared since. */
  dirtyVehicles(): Promise<DirtyVehicle[]>;
  /** Small settings the collectors share (the last geofence list they saw). */
  meta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
}

/** The coarse track's bucket: a month is 4,320 of them (43,200 minutes took ~200 ms to read). */
export const COARSE_TRACK_MS = 600_000;

/** Compares keys: negative, zero or positive as `a` sorts before, with or after `b`. */
export function compareGeoKeys(a: GeoKey, b: GeoKey): number {
  return a.time - b.time || a.seq - b.seq;
}

const DAY_MS = 86_400_000;

/** Start (ms) of a UTC day given as YYYY-MM-DD. */
export function dayStartMs(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`);
}

/** The UTC day of a time, YYYY-MM-DD. */
export function dayOfMs(ms: number): string {
  return new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString().slice(0, 10);
}

/** Every UTC day a record spanning [start, end] touches. */
export function daysOf(start: number, end: number): string[] {
  const out: string[] = [];
  for (let d = Math.floor(start / DAY_MS); d <= Math.floor(end / DAY_MS); d++) {
    out.push(new Date(d * DAY_MS).toISOString().slice(0, 10));
  }
  return out;
}

/** The figures of one day summed over trips then stops, in the order given (a fixed order: equal sums). */
export function sumDay(
  day: string,
  trips: readonly GeoRecord[],
  stops: readonly GeoRecord[],
): GeoDayFigures | undefined {
  const parts: GeoDayFigures[] = [];
  for (const r of trips) for (const d of r.days) if (d.day === day) parts.push(d);
  for (const r of stops) for (const d of r.days) if (d.day === day) parts.push(d);
  return sumDayParts(day, parts);
}

/**
 * A day's figures from its records' parts, trips first then stops, each by start: the one place
 * they are added up (the SQLite store's day cache sums the same parts in the same order).
 */
export function sumDayParts(
  day: string,
  parts: readonly GeoDayFigures[],
): GeoDayFigures | undefined {
  if (parts.length === 0) return undefined;
  const out: GeoDayFigures = {
    day,
    distance_km: 0,
    driving_s: 0,
    idle_s: 0,
    stopped_s: 0,
    overspeed_s: 0,
    max_speed_kmh: 0,
    fuel_used_pct: 0,
    harsh_events: 0,
    trips: 0,
  };
  for (const d of parts) {
    out.distance_km += d.distance_km;
    out.driving_s += d.driving_s;
    out.idle_s += d.idle_s;
    out.stopped_s += d.stopped_s;
    out.overspeed_s += d.overspeed_s;
    out.max_speed_kmh = Math.max(out.max_speed_kmh, d.max_speed_kmh);
    out.fuel_used_pct += d.fuel_used_pct;
    out.harsh_events += d.harsh_events;
    out.trips += d.trips;
  }
  return out;
}
