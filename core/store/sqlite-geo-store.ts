// The geo store in the SQLite telemetry file: its own connection to the tables of schema v4; one transaction per apply.
import Database from 'better-sqlite3';
import { type DayParts, GeoDayCache, type RecordPart } from './geo-day-cache.js';
import {
  COARSE_TRACK_MS,
  type DayQuery,
  type DirtyVehicle,
  dayStartMs,
  type EventQuery,
  type GeoChange,
  type GeoCheckpoint,
  type GeoDayFigures,
  type GeoDayRow,
  type GeoKey,
  type GeoRecord,
  type GeoStore,
  type RangeQuery,
  type StoredGeoEvent,
  sumDayParts,
  type TrackBucket,
} from './geo-store.js';
import { WRITER_CACHE_KIB } from './sqlite-layout.js';
import { SCHEMA_VERSION } from './sqlite-schema.js';

export interface SqliteGeoStoreOptions {
  /** The telemetry store's file (SQLITE_PATH); the collector's store creates the tables. */
  path: string;
  readonly?: boolean;
}

const DAY_MS = 86_400_000;
const FLAG_BEFORE = 1;
const FLAG_INSIDE = 2;

interface RecordRow {
  start: number;
  end_ts: number;
  at_ts: number;
  at_seq: number;
  body: string;
  days: string;
}

interface EventRow {
  id: string;
  device_id: string;
  time: number;
  type: string;
  geofence_id: string | null;
  at_ts: number;
  at_seq: number;
  details: string;
}

type Statements = ReturnType<typeof prepare>;

function recordStatements(db: Database.Database, table: 'geo_trips' | 'geo_stops') {
  return {
    insert: db.prepare(
      `INSERT OR REPLACE INTO ${table} (device_id, start, end_ts, at_ts, at_seq, body, days)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ),
    daysAfter: db
      .prepare<[string, number, number, number], string>(
        `SELECT days FROM ${table} WHERE device_id = ? AND (at_ts > ? OR (at_ts = ? AND at_seq > ?))`,
      )
      .pluck(),
    deleteAfter: db.prepare(
      `DELETE FROM ${table} WHERE device_id = ? AND (at_ts > ? OR (at_ts = ? AND at_seq > ?))`,
    ),
    // Records overlapping [from, to]: read from the end index (those ending at or after `from`),
    // since a stop may have started long before it; reports and late data look at recent days.
    overlapping: db.prepare<[string, number, number, number], RecordRow>(
      `SELECT start, end_ts, at_ts, at_seq, body, days FROM ${table} INDEXED BY ${table}_end
       WHERE device_id = ? AND start <= ? AND end_ts >= ? ORDER BY start LIMIT ?`,
    ),
    /** The same records' per-day parts only (the day cache's first read of a day). */
    overlappingDays: db.prepare<[string, number, number], { start: number; days: string }>(
      `SELECT start, days FROM ${table} INDEXED BY ${table}_end
       WHERE device_id = ? AND start <= ? AND end_ts >= ? ORDER BY start`,
    ),
  };
}

function prepare(db: Database.Database) {
  return {
    trips: recordStatements(db, 'geo_trips'),
    stops: recordStatements(db, 'geo_stops'),
    insertEvent: db.prepare(
      `INSERT OR REPLACE INTO geo_events (id, device_id, time, type, geofence_id, at_ts, at_seq, details)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    eventIdsAfter: db
      .prepare<[string, number, number, number], string>(
        `SELECT id FROM geo_events WHERE device_id = ? AND (at_ts > ? OR (at_ts = ? AND at_seq > ?))`,
      )
      .pluck(),
    deleteEventsAfter: db.prepare(
      'DELETE FROM geo_events WHERE device_id = ? AND (at_ts > ? OR (at_ts = ? AND at_seq > ?))',
    ),
    deleteCheckpointsAfter: db.prepare(
      'DELETE FROM geo_checkpoints WHERE device_id = ? AND (at_ts > ? OR (at_ts = ? AND at_seq > ?))',
    ),
    deleteRolling: db.prepare('DELETE FROM geo_checkpoints WHERE device_id = ? AND keep = 0'),
    insertCheckpoint: db.prepare(
      `INSERT OR REPLACE INTO geo_checkpoints (device_id, at_ts, at_seq, keep, state)
       VALUES (?, ?, ?, ?, ?)`,
    ),
    newestCheckpoint: db.prepare<
      [string],
      { at_ts: number; at_seq: number; keep: number; state: string }
    >(
      `SELECT at_ts, at_seq, keep, state FROM geo_checkpoints WHERE device_id = ?
       ORDER BY at_ts DESC, at_seq DESC LIMIT 1`,
    ),
    checkpointBefore: db.prepare<
      [string, number, number, number],
      { at_ts: number; at_seq: number; keep: number; state: string }
    >(
      `SELECT at_ts, at_seq, keep, state FROM geo_checkpoints
       WHERE device_id = ? AND (at_ts < ? OR (at_ts = ? AND at_seq < ?))
       ORDER BY at_ts DESC, at_seq DESC LIMIT 1`,
    ),
    track: trackStatements(db, 'geo_track'),
    coarseTrack: trackStatements(db, 'geo_track_10m'),
    upsertDay: db.prepare(
      `INSERT OR REPLACE INTO geo_days (device_id, day, distance_km, driving_s, idle_s, stopped_s,
         overspeed_s, max_speed_kmh, fuel_used_pct, harsh_events, trips)
       VALUES (@deviceId, @day, @distance_km, @driving_s, @idle_s, @stopped_s, @overspeed_s,
         @max_speed_kmh, @fuel_used_pct, @harsh_events, @trips)`,
    ),
    deleteDay: db.prepare('DELETE FROM geo_days WHERE device_id = ? AND day = ?'),
    days: db.prepare<[string, string], DayRowSql>(
      `SELECT * FROM geo_days WHERE day >= ? AND day <= ? ORDER BY device_id, day`,
    ),
    deviceDays: db.prepare<[string, string, string], DayRowSql>(
      `SELECT * FROM geo_days WHERE device_id = ? AND day >= ? AND day <= ? ORDER BY day`,
    ),
    setDirty: db.prepare(
      'INSERT OR REPLACE INTO geo_dirty (device_id, at_ts, at_seq) VALUES (?, ?, ?)',
    ),
    clearDirty: db.prepare('DELETE FROM geo_dirty WHERE device_id = ?'),
    dirty: db.prepare<[], { device_id: string; at_ts: number; at_seq: number }>(
      'SELECT device_id, at_ts, at_seq FROM geo_dirty ORDER BY device_id',
    ),
    meta: db.prepare<[string], string>('SELECT value FROM geo_meta WHERE key = ?').pluck(),
    setMeta: db.prepare('INSERT OR REPLACE INTO geo_meta (key, value) VALUES (?, ?)'),
  };
}

/** minute, t1, lat1, lon1, t2, lat2, lon2, flags */
type TrackRow = [number, number, number, number, number, number, number, number];

function trackStatements(db: Database.Database, table: 'geo_track' | 'geo_track_10m') {
  return {
    deleteFrom: db.prepare(`DELETE FROM ${table} WHERE device_id = ? AND minute >= ?`),
    upsert: db.prepare(
      `INSERT OR REPLACE INTO ${table} (device_id, minute, t1, lat1, lon1, t2, lat2, lon2, flags)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // Rows as arrays: a month of minutes is 43,200 rows, and named row objects cost twice the time.
    range: db
      .prepare<[string, number, number], TrackRow>(
        `SELECT minute, t1, lat1, lon1, t2, lat2, lon2, flags FROM ${table}
         WHERE device_id = ? AND minute >= ? AND minute <= ? ORDER BY minute`,
      )
      .raw(),
  };
}

function bucketOf(r: TrackRow): TrackBucket {
  const [minute, t1, lat1, lon1, t2, lat2, lon2, flags] = r;
  return {
    minute,
    t1,
    lat1,
    lon1,
    t2,
    lat2,
    lon2,
    breakBefore: (flags & FLAG_BEFORE) !== 0,
    breakInside: (flags & FLAG_INSIDE) !== 0,
  };
}

type DayRowSql = GeoDayFigures & { device_id: string };

const keyArgs = (k: GeoKey): [number, number, number] => [k.time, k.time, k.seq];

function recordOf(r: RecordRow): GeoRecord {
  return {
    at: { time: r.at_ts, seq: r.at_seq },
    start: r.start,
    end: r.end_ts,
    body: JSON.parse(r.body) as Record<string, unknown>,
    days: JSON.parse(r.days) as GeoDayFigures[],
  };
}

function eventOf(r: EventRow): StoredGeoEvent {
  return {
    deviceId: r.device_id,
    at: { time: r.at_ts, seq: r.at_seq },
    id: r.id,
    type: r.type,
    time: r.time,
    geofenceId: r.geofence_id,
    details: JSON.parse(r.details) as Record<string, unknown>,
  };
}

function dayRowOf(r: DayRowSql): GeoDayRow {
  const { device_id, ...figures } = r;
  return { deviceId: device_id, ...figures };
}

/**
 * A second connection to the telemetry file (WAL: the collector's store writes through its own).
 * Every apply is one IMMEDIATE transaction, so a reader never sees a recomputation half done.
 * `synchronous = NORMAL`: geo data is derived; a commit lost with the power is recomputed from the
 * previous checkpoint and the stored readings at the next start.
 */
export class SqliteGeoStore implements GeoStore {
  readonly kind = 'sqlite' as const;
  private db: Database.Database | undefined;
  private s: Statements | undefined;
  private readonly dayCache = new GeoDayCache();

  constructor(private readonly options: SqliteGeoStoreOptions) {}

  async start(): Promise<void> {
    if (this.db) return;
    const readonly = this.options.readonly ?? false;
    const db = new Database(this.options.path, { readonly, fileMustExist: true });
    try {
      db.pragma(`busy_timeout = ${readonly ? 5000 : 1000}`);
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version < SCHEMA_VERSION) {
        throw new Error(
          `${this.options.path} has schema v${version}; the collector's store upgrades it to v${SCHEMA_VERSION} when it starts`,
        );
      }
      if (!readonly) {
        db.pragma('synchronous = NORMAL');
        db.pragma(`cache_size = -${WRITER_CACHE_KIB}`);
      }
      this.s = prepare(db);
      this.db = db;
    } catch (err) {
      db.close();
      throw err;
    }
  }

  private st(): Statements {
    if (!this.s) throw new Error('SqliteGeoStore not started');
    return this.s;
  }

  async apply(changes: readonly GeoChange[]): Promise<void> {
    const db = this.db;
    const s = this.st();
    if (!db || changes.length === 0) return;
    try {
      db.transaction(() => {
        for (const c of changes) this.applyOne(s, c);
      }).immediate();
    } catch (err) {
      this.dayCache.clear(); // it took writes that were rolled back
      throw err;
    }
  }

  private applyOne(s: Statements, c: GeoChange): void {
    const id = c.deviceId;
    const touched = new Set<string>();
    const mark = (days: readonly GeoDayFigures[]) => {
      for (const d of days) touched.add(d.day);
    };
    if (c.after !== null) {
      this.dayCache.forget(id);
      const k = keyArgs(c.after);
      for (const t of [s.trips, s.stops]) {
        for (const days of t.daysAfter.iterate(id, ...k)) mark(JSON.parse(days) as GeoDayFigures[]);
        t.deleteAfter.run(id, ...k);
      }
      s.deleteEventsAfter.run(id, ...k);
      s.deleteCheckpointsAfter.run(id, ...k);
      s.track.deleteFrom.run(id, Math.floor(c.after.time / 60_000) * 60_000);
      const window = Math.floor(c.after.time / COARSE_TRACK_MS) * COARSE_TRACK_MS;
      s.coarseTrack.deleteFrom.run(id, window);
    }
    for (const [records, t, kind] of [
      [c.trips, s.trips, 'trips'],
      [c.stops, s.stops, 'stops'],
    ] as const) {
      for (const r of records) {
        this.dayCache.put(id, kind, r.start, r.days);
        t.insert.run(
          id,
          r.start,
          r.end,
          r.at.time,
          r.at.seq,
          JSON.stringify(r.body),
          JSON.stringify(r.days),
        );
        mark(r.days);
      }
    }
    for (const e of c.events) {
      s.insertEvent.run(
        e.id,
        id,
        e.time,
        e.type,
        e.geofenceId,
        e.at.time,
        e.at.seq,
        JSON.stringify(e.details),
      );
    }
    for (const cp of c.checkpoints) {
      if (!cp.keep) s.deleteRolling.run(id);
      s.insertCheckpoint.run(id, cp.at.time, cp.at.seq, cp.keep ? 1 : 0, cp.state);
    }
    for (const [buckets, t] of [
      [c.track, s.track],
      [c.coarseTrack, s.coarseTrack],
    ] as const) {
      for (const b of buckets) {
        const flags = (b.breakBefore ? FLAG_BEFORE : 0) | (b.breakInside ? FLAG_INSIDE : 0);
        t.upsert.run(id, b.minute, b.t1, b.lat1, b.lon1, b.t2, b.lat2, b.lon2, flags);
      }
    }
    for (const day of touched) this.resumDay(s, id, day);
    if (c.dirty === null) s.clearDirty.run(id);
    else if (c.dirty !== undefined) s.setDirty.run(id, c.dirty.time, c.dirty.seq);
  }

  /**
   * The day's figures summed again from the parts of the trips and stops that touch it (trips
   * first, each by start), kept in memory after the day's first read (geo-day-cache.ts).
   */
  private resumDay(s: Statements, deviceId: string, day: string): void {
    let parts = this.dayCache.get(deviceId, day);
    if (!parts) {
      const from = dayStartMs(day);
      const to = from + DAY_MS - 1;
      const read = (t: Statements['trips']): RecordPart[] => {
        const out: RecordPart[] = [];
        for (const row of t.overlappingDays.iterate(deviceId, to, from)) {
          const part = (JSON.parse(row.days) as GeoDayFigures[]).find((d) => d.day === day);
          if (part) out.push({ start: row.start, part });
        }
        return out;
      };
      parts = { trips: read(s.trips), stops: read(s.stops) } satisfies DayParts;
      this.dayCache.set(deviceId, day, parts);
    }
    const figures = sumDayParts(
      day,
      [...parts.trips, ...parts.stops].map((p) => p.part),
    );
    if (figures) s.upsertDay.run({ deviceId, ...figures });
    else s.deleteDay.run(deviceId, day);
  }

  async checkpoint(deviceId: string, before?: GeoKey): Promise<GeoCheckpoint | undefined> {
    const s = this.st();
    // A vehicle is loaded (taken over, recomputed) from its checkpoint: its days are read afresh.
    this.dayCache.forget(deviceId);
    const row = before
      ? s.checkpointBefore.get(deviceId, ...keyArgs(before))
      : s.newestCheckpoint.get(deviceId);
    return (
      row && { at: { time: row.at_ts, seq: row.at_seq }, keep: row.keep === 1, state: row.state }
    );
  }

  async eventIdsAfter(deviceId: string, after: GeoKey | null): Promise<string[]> {
    const k = after ?? { time: Number.MIN_SAFE_INTEGER, seq: 0 };
    return this.st().eventIdsAfter.all(deviceId, ...keyArgs(k));
  }

  async trips(q: RangeQuery): Promise<GeoRecord[]> {
    return this.st().trips.overlapping.all(q.deviceId, q.to, q.from, q.limit).map(recordOf);
  }

  async stops(q: RangeQuery): Promise<GeoRecord[]> {
    return this.st().stops.overlapping.all(q.deviceId, q.to, q.from, q.limit).map(recordOf);
  }

  async events(q: EventQuery): Promise<StoredGeoEvent[]> {
    const db = this.db;
    if (!db) throw new Error('SqliteGeoStore not started');
    const where = ['time >= @from', 'time <= @to'];
    const params: Record<string, unknown> = { from: q.from, to: q.to, limit: q.limit };
    if (q.deviceId !== undefined) {
      where.push('device_id = @device');
      params.device = q.deviceId;
    }
    const types = q.types ?? [];
    if (types.length > 0) {
      where.push(`type IN (${types.map((_, i) => `@t${i}`).join(', ')})`);
      types.forEach((t, i) => {
        params[`t${i}`] = t;
      });
    }
    const rows = db
      .prepare<Record<string, unknown>, EventRow>(
        `SELECT id, device_id, time, type, geofence_id, at_ts, at_seq, details FROM geo_events
         WHERE ${where.join(' AND ')} ORDER BY time, id LIMIT @limit`,
      )
      .all(params);
    return rows.map(eventOf);
  }

  async days(q: DayQuery): Promise<GeoDayRow[]> {
    const s = this.st();
    if (q.deviceIds === undefined) return s.days.all(q.fromDay, q.toDay).map(dayRowOf);
    const out: GeoDayRow[] = [];
    for (const id of [...new Set(q.deviceIds)].sort()) {
      for (const r of s.deviceDays.all(id, q.fromDay, q.toDay)) out.push(dayRowOf(r));
    }
    return out;
  }

  async track(deviceId: string, from: number, to: number): Promise<TrackBucket[]> {
    return this.st().track.range.all(deviceId, from, to).map(bucketOf);
  }

  async coarseTrack(deviceId: string, from: number, to: number): Promise<TrackBucket[]> {
    return this.st().coarseTrack.range.all(deviceId, from, to).map(bucketOf);
  }

  async dirtyVehicles(): Promise<DirtyVehicle[]> {
    return this.st()
      .dirty.all()
      .map((r) => ({ deviceId: r.device_id, from: { time: r.at_ts, seq: r.at_seq } }));
  }

  async meta(key: string): Promise<string | undefined> {
    return this.st().meta.get(key);
  }

  async setMeta(key: string, value: string): Promise<void> {
    this.st().setMeta.run(key, value);
  }

  async stop(): Promise<void> {
    this.db?.close();
    this.db = undefined;
    this.s = undefined;
  }
}
