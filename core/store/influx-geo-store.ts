// The geo store in InfluxDB: trips, stops, events, days, the minute and 10-minute tracks and checkpoints as measurements beside the telemetry; replace-after(key) by DELETE per vehicle and time.
import {
  COARSE_TRACK_MS,
  compareGeoKeys,
  type DayQuery,
  type DirtyVehicle,
  dayOfMs,
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
  sumDay,
  type TrackBucket,
} from './geo-store.js';
import {
  type FieldValue,
  InfluxGeoIo,
  type InfluxGeoOptions,
  joinText,
  line,
  ns,
  rowsOf,
  splitText,
} from './influx-geo-io.js';
import { deviceFilter, quoteIdent, quoteString } from './influxql.js';

export type { InfluxGeoOptions };

const M = {
  trips: 'geo_trips',
  stops: 'geo_stops',
  events: 'geo_events',
  days: 'geo_days',
  track: 'geo_track',
  coarseTrack: 'geo_track_10m',
  checkpoints: 'geo_checkpoints',
  rolling: 'geo_rolling',
  dirty: 'geo_dirty',
  meta: 'geo_meta',
} as const;

const DAY_MS = 86_400_000;
/** Events are emitted at most this long after they happened (a harsh event settles with its trip). */
const EVENT_LAG_MS = 2 * DAY_MS;
const FIGURES = [
  'distance_km',
  'driving_s',
  'idle_s',
  'stopped_s',
  'overspeed_s',
  'max_speed_kmh',
  'fuel_used_pct',
  'harsh_events',
  'trips',
] as const;

/**
 * Where a point sits: the key of the sample that produced it, in nanoseconds (its seq's last three
 * digits, then the output's index among that sample's outputs of its kind). A vehicle's outputs
 * produced after a key are the points after `afterNs(key)`, which is what DELETE takes.
 */
const keyNs = (k: GeoKey, n: number) => ns(k.time, (((k.seq % 1000) + 1000) % 1000) * 1000 + n);
const afterNs = (k: GeoKey) => ns(k.time, (((k.seq % 1000) + 1000) % 1000) * 1000 + 1000);
const num = (v: unknown) => Number(v);
const dev = (deviceId: string) => ({ device_id: deviceId });

/**
 * Trips, stops, events and checkpoints are timestamped by the key that produced them, so one
 * DELETE per measurement replaces a recomputed span. Days are points at their midnight (written
 * again whenever a trip or stop touching them changes); the track at its minute; a vehicle's
 * rolling checkpoint, dirty mark and shared settings at time 0, overwritten in place. Everything
 * lives in the `coverage` policy (kept forever) when the telemetry store created it.
 */
export class InfluxGeoStore implements GeoStore {
  readonly kind = 'influxdb' as const;
  private io: InfluxGeoIo | undefined;

  constructor(private readonly options: InfluxGeoOptions) {}

  async start(): Promise<void> {
    if (this.io) return;
    this.io = await InfluxGeoIo.open(this.options);
  }

  private c(): InfluxGeoIo {
    if (!this.io) throw new Error('InfluxGeoStore not started');
    return this.io;
  }

  async apply(changes: readonly GeoChange[]): Promise<void> {
    const io = this.c();
    if (changes.length === 0) return;
    const touched = new Map<string, Set<string>>();
    const mark = (deviceId: string, days: readonly { day: string }[]) => {
      const set = touched.get(deviceId) ?? new Set<string>();
      for (const d of days) set.add(d.day);
      touched.set(deviceId, set);
    };
    // 1. What a recomputation replaces: its days noted first, then deleted (checkpoints first, so
    // a failure midway never leaves a checkpoint ahead of the outputs it stands for).
    for (const c of changes) {
      if (c.after === null) continue;
      const id = c.deviceId;
      const from = afterNs(c.after);
      for (const m of [M.trips, M.stops]) {
        for (const r of await this.records(m, id, `time >= ${from}`)) mark(id, r.days);
      }
      const rolling = await this.rolling(id);
      if (rolling && compareGeoKeys(rolling.at, c.after) > 0)
        await io.delete(M.rolling, id, ns(0), true);
      await io.delete(M.checkpoints, id, from);
      for (const m of [M.trips, M.stops, M.events]) await io.delete(m, id, from);
      await io.delete(M.track, id, ns(Math.floor(c.after.time / 60_000) * 60_000));
      const window = Math.floor(c.after.time / COARSE_TRACK_MS) * COARSE_TRACK_MS;
      await io.delete(M.coarseTrack, id, ns(window));
    }
    // 2. The new outputs and track.
    const lines: string[] = [];
    for (const c of changes) {
      const id = c.deviceId;
      for (const [m, records] of [
        [M.trips, c.trips],
        [M.stops, c.stops],
      ] as const) {
        records.forEach((r, i) => {
          lines.push(line(m, dev(id), recordFields(r), keyNs(r.at, i)));
          mark(id, r.days);
        });
      }
      c.events.forEach((e, i) => {
        const fields: Record<string, FieldValue> = {
          id: e.id,
          type: e.type,
          time_ms: { int: e.time },
          at_seq: { int: e.at.seq },
          details: JSON.stringify(e.details),
        };
        if (e.geofenceId !== null) fields.geofence_id = e.geofenceId;
        lines.push(line(M.events, dev(id), fields, keyNs(e.at, i)));
      });
      for (const b of c.track) lines.push(line(M.track, dev(id), trackFields(b), ns(b.minute)));
      for (const b of c.coarseTrack) {
        lines.push(line(M.coarseTrack, dev(id), trackFields(b), ns(b.minute)));
      }
    }
    await io.write(lines);
    // 3. The days those touched, summed again from their trips and stops.
    const days: string[] = [];
    for (const [id, set] of touched) {
      if (set.size === 0) continue;
      const first = [...set].sort()[0] as string;
      const since = `time >= ${ns(dayStartMs(first))}`;
      const trips = (await this.records(M.trips, id, since)).sort((a, b) => a.start - b.start);
      const stops = (await this.records(M.stops, id, since)).sort((a, b) => a.start - b.start);
      for (const day of set) {
        const at = ns(dayStartMs(day));
        const sum = sumDay(day, trips, stops);
        if (sum) days.push(line(M.days, dev(id), dayFields(sum), at));
        else await io.delete(M.days, id, at, true);
      }
    }
    await io.write(days);
    // 4. Checkpoints and dirty marks last.
    const last: string[] = [];
    for (const c of changes) {
      const id = c.deviceId;
      for (const cp of c.checkpoints) {
        const fields = { at_seq: { int: cp.at.seq }, ...splitText('s', cp.state) };
        if (cp.keep) last.push(line(M.checkpoints, dev(id), fields, keyNs(cp.at, 0)));
        else last.push(line(M.rolling, dev(id), { at_ms: { int: cp.at.time }, ...fields }, ns(0)));
      }
      if (c.dirty !== undefined) {
        const fields: Record<string, FieldValue> =
          c.dirty === null
            ? { set: false, at_ms: { int: 0 }, at_seq: { int: 0 } }
            : { set: true, at_ms: { int: c.dirty.time }, at_seq: { int: c.dirty.seq } };
        last.push(line(M.dirty, dev(id), fields, ns(0)));
      }
    }
    await io.write(last);
  }

  private async records(
    measurement: string,
    deviceId: string,
    where: string,
  ): Promise<GeoRecord[]> {
    const io = this.c();
    const series = await io.select(
      `SELECT * FROM ${io.from(measurement)} WHERE ${deviceFilter(deviceId)} AND ${where}`,
    );
    return series.flatMap(rowsOf).map((get) => ({
      at: { time: num(get('time')), seq: num(get('at_seq')) },
      start: num(get('start_ms')),
      end: num(get('end_ms')),
      body: JSON.parse(joinText('body', get)) as Record<string, unknown>,
      days: JSON.parse(String(get('days'))) as GeoDayFigures[],
    }));
  }

  private async rolling(deviceId: string): Promise<GeoCheckpoint | undefined> {
    const io = this.c();
    const [series] = await io.select(
      `SELECT * FROM ${io.from(M.rolling)} WHERE ${deviceFilter(deviceId)}`,
    );
    const get = series && rowsOf(series)[0];
    if (!get) return undefined;
    return {
      at: { time: num(get('at_ms')), seq: num(get('at_seq')) },
      state: joinText('s', get),
      keep: false,
    };
  }

  async checkpoint(deviceId: string, before?: GeoKey): Promise<GeoCheckpoint | undefined> {
    const io = this.c();
    const bound = before
      ? ` AND time < ${ns(before.time, (((before.seq % 1000) + 1000) % 1000) * 1000)}`
      : '';
    const [series] = await io.select(
      `SELECT * FROM ${io.from(M.checkpoints)} WHERE ${deviceFilter(deviceId)}${bound} ORDER BY time DESC LIMIT 1`,
    );
    const get = series && rowsOf(series)[0];
    const kept: GeoCheckpoint | undefined = get && {
      at: { time: num(get('time')), seq: num(get('at_seq')) },
      state: joinText('s', get),
      keep: true,
    };
    const rolling = await this.rolling(deviceId);
    const usable =
      rolling && (!before || compareGeoKeys(rolling.at, before) < 0) ? rolling : undefined;
    if (!usable) return kept;
    if (!kept) return usable;
    return compareGeoKeys(usable.at, kept.at) > 0 ? usable : kept;
  }

  async eventIdsAfter(deviceId: string, after: GeoKey | null): Promise<string[]> {
    const io = this.c();
    const bound = after === null ? '' : ` AND time >= ${afterNs(after)}`;
    const series = await io.select(
      `SELECT "id" FROM ${io.from(M.events)} WHERE ${deviceFilter(deviceId)}${bound}`,
    );
    return series.flatMap(rowsOf).map((get) => String(get('id')));
  }

  async trips(q: RangeQuery): Promise<GeoRecord[]> {
    return this.overlapping(M.trips, q);
  }

  async stops(q: RangeQuery): Promise<GeoRecord[]> {
    return this.overlapping(M.stops, q);
  }

  /** A record is produced at or after its end: those overlapping [from, to] were produced since `from`. */
  private async overlapping(measurement: string, q: RangeQuery): Promise<GeoRecord[]> {
    const records = await this.records(measurement, q.deviceId, `time >= ${ns(q.from)}`);
    return records
      .filter((r) => r.start <= q.to && r.end >= q.from)
      .sort((a, b) => a.start - b.start)
      .slice(0, q.limit);
  }

  async events(q: EventQuery): Promise<StoredGeoEvent[]> {
    const io = this.c();
    const where = [`time >= ${ns(q.from)}`, `time <= ${ns(q.to + EVENT_LAG_MS)}`];
    if (q.deviceId !== undefined) where.push(deviceFilter(q.deviceId));
    const types = q.types ?? [];
    if (types.length > 0)
      where.push(`(${types.map((t) => `"type" = ${quoteString(t)}`).join(' OR ')})`);
    const series = await io.select(
      `SELECT * FROM ${io.from(M.events)} WHERE ${where.join(' AND ')} GROUP BY ${quoteIdent('device_id')}`,
    );
    const out: StoredGeoEvent[] = [];
    for (const s of series) {
      const deviceId = s.tags?.device_id ?? '';
      for (const get of rowsOf(s)) {
        const time = num(get('time_ms'));
        if (time < q.from || time > q.to) continue;
        const g = get('geofence_id');
        out.push({
          deviceId,
          at: { time: num(get('time')), seq: num(get('at_seq')) },
          id: String(get('id')),
          type: String(get('type')),
          time,
          geofenceId: g === null || g === undefined ? null : String(g),
          details: JSON.parse(String(get('details'))) as Record<string, unknown>,
        });
      }
    }
    out.sort((a, b) => a.time - b.time || (a.id < b.id ? -1 : 1));
    return out.slice(0, q.limit);
  }

  async days(q: DayQuery): Promise<GeoDayRow[]> {
    const io = this.c();
    const range = `time >= ${ns(dayStartMs(q.fromDay))} AND time <= ${ns(dayStartMs(q.toDay))}`;
    const ids = q.deviceIds === undefined ? undefined : [...new Set(q.deviceIds)].sort();
    const where =
      ids === undefined ? range : `${range} AND (${ids.map(deviceFilter).join(' OR ')})`;
    if (ids !== undefined && ids.length === 0) return [];
    const series = await io.select(
      `SELECT * FROM ${io.from(M.days)} WHERE ${where} GROUP BY ${quoteIdent('device_id')}`,
    );
    const out: GeoDayRow[] = [];
    for (const s of series) {
      const deviceId = s.tags?.device_id ?? '';
      for (const get of rowsOf(s)) {
        const row = { deviceId, day: dayOfMs(num(get('time'))) } as GeoDayRow;
        for (const f of FIGURES) row[f] = num(get(f));
        out.push(row);
      }
    }
    return out.sort((a, b) =>
      a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : a.day < b.day ? -1 : 1,
    );
  }

  async track(deviceId: string, from: number, to: number): Promise<TrackBucket[]> {
    return this.buckets(M.track, deviceId, from, to);
  }

  async coarseTrack(deviceId: string, from: number, to: number): Promise<TrackBucket[]> {
    return this.buckets(M.coarseTrack, deviceId, from, to);
  }

  private async buckets(
    measurement: string,
    deviceId: string,
    from: number,
    to: number,
  ): Promise<TrackBucket[]> {
    const io = this.c();
    const series = await io.select(
      `SELECT * FROM ${io.from(measurement)} WHERE ${deviceFilter(deviceId)} AND time >= ${ns(from)} AND time <= ${ns(to)}`,
    );
    return series
      .flatMap(rowsOf)
      .map((get) => {
        const flags = num(get('flags'));
        return {
          minute: num(get('time')),
          t1: num(get('t1')),
          lat1: num(get('lat1')),
          lon1: num(get('lon1')),
          t2: num(get('t2')),
          lat2: num(get('lat2')),
          lon2: num(get('lon2')),
          breakBefore: (flags & 1) !== 0,
          breakInside: (flags & 2) !== 0,
        };
      })
      .sort((a, b) => a.minute - b.minute);
  }

  async dirtyVehicles(): Promise<DirtyVehicle[]> {
    const io = this.c();
    const series = await io.select(
      `SELECT * FROM ${io.from(M.dirty)} GROUP BY ${quoteIdent('device_id')}`,
    );
    const out: DirtyVehicle[] = [];
    for (const s of series) {
      for (const get of rowsOf(s)) {
        if (get('set') !== true) continue;
        out.push({
          deviceId: s.tags?.device_id ?? '',
          from: { time: num(get('at_ms')), seq: num(get('at_seq')) },
        });
      }
    }
    return out.sort((a, b) => (a.deviceId < b.deviceId ? -1 : 1));
  }

  async meta(key: string): Promise<string | undefined> {
    const io = this.c();
    const [series] = await io.select(
      `SELECT * FROM ${io.from(M.meta)} WHERE ${quoteIdent('name')} = ${quoteString(key)}`,
    );
    const get = series && rowsOf(series)[0];
    return get ? joinText('v', get) : undefined;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.c().write([line(M.meta, { name: key }, splitText('v', value), ns(0))]);
  }

  async stop(): Promise<void> {
    this.io = undefined;
  }
}

function recordFields(r: GeoRecord): Record<string, FieldValue> {
  return {
    start_ms: { int: r.start },
    end_ms: { int: r.end },
    at_seq: { int: r.at.seq },
    days: JSON.stringify(r.days),
    ...splitText('body', JSON.stringify(r.body)),
  };
}

function trackFields(b: TrackBucket): Record<string, FieldValue> {
  return {
    t1: { int: b.t1 },
    lat1: b.lat1,
    lon1: b.lon1,
    t2: { int: b.t2 },
    lat2: b.lat2,
    lon2: b.lon2,
    flags: { int: (b.breakBefore ? 1 : 0) | (b.breakInside ? 2 : 0) },
  };
}

function dayFields(d: GeoDayFigures): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const f of FIGURES) out[f] = f === 'harsh_events' || f === 'trips' ? { int: d[f] } : d[f];
  return out;
}
