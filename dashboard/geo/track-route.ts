// /track's data: raw valid fixes for short ranges, the geo store's minute or 10-minute track (plus the raw last minutes) for long ones, thinned by geo/track.ts.
import { COARSE_TRACK_MS, type GeoStore, type TrackBucket } from '../../core/store/geo-store.js';
import { FLAG_NONE, FLAG_VALID, type TelemetryStore } from '../../core/store/types.js';
import { type TrackCollection, trackGeoJson } from '../../geo/track.js';
import { bucketColumns } from '../../tracking/track-tier.js';

/** Up to this span the raw fixes are read (a day at 1 Hz is 86,400 rows); longer: the minute track. */
export const RAW_TRACK_SPAN_MS = 6 * 3_600_000;
/** The minute track ends at the last minute the collector finished: the rest is read raw, at most this much. */
const RAW_TAIL_MS = 3_600_000;
const MINUTE_MS = 60_000;

/**
 * The 10-minute tier when it still offers twice the points asked for (two fixes per bucket), so
 * the thinning still chooses: from 2,000 points, ranges over 13.9 days (a month of minutes took
 * ~200 ms to read, its 10 minutes ~15 ms). Not when a silence shorter than a bucket must split.
 */
export function usesCoarseTrack(spanMs: number, maxPoints: number, maxGapMs: number): boolean {
  return (
    spanMs > RAW_TRACK_SPAN_MS &&
    maxGapMs >= COARSE_TRACK_MS &&
    spanMs / COARSE_TRACK_MS >= maxPoints
  );
}

/**
 * The stored buckets of [from, to]: whole 10 minutes from that tier where it has rows; before its
 * first one (the range's first minutes, or a time before the collector wrote that tier), minutes.
 */
async function storedBuckets(
  geo: GeoStore,
  deviceId: string,
  from: number,
  to: number,
  coarse: boolean,
): Promise<TrackBucket[]> {
  const firstMinute = Math.floor(from / MINUTE_MS) * MINUTE_MS;
  if (!coarse) return geo.track(deviceId, firstMinute, to);
  const firstWindow = Math.ceil(from / COARSE_TRACK_MS) * COARSE_TRACK_MS;
  const windows = await geo.coarseTrack(deviceId, firstWindow, to);
  const start = windows[0]?.minute ?? to + 1;
  const head = await geo.track(deviceId, firstMinute, start - 1);
  return head.length === 0 ? windows : head.concat(windows);
}

class Columns {
  time: Float64Array;
  lat: Float64Array;
  lon: Float64Array;
  length = 0;

  constructor(capacity: number) {
    this.time = new Float64Array(capacity);
    this.lat = new Float64Array(capacity);
    this.lon = new Float64Array(capacity);
  }

  push(t: number, y: number, x: number): void {
    if (this.length === this.time.length) this.grow();
    this.time[this.length] = t;
    this.lat[this.length] = y;
    this.lon[this.length] = x;
    this.length++;
  }

  private grow(): void {
    const n = Math.max(1024, this.time.length * 2);
    const t = new Float64Array(n);
    const y = new Float64Array(n);
    const x = new Float64Array(n);
    t.set(this.time);
    y.set(this.lat);
    x.set(this.lon);
    this.time = t;
    this.lat = y;
    this.lon = x;
  }
}

/** Raw fixes of [from, to]: readings without a position are skipped, flagged ones break the run. */
async function rawFixes(
  store: TelemetryStore,
  deviceId: string,
  from: number,
  to: number,
  into: Columns,
): Promise<void> {
  const range = { deviceId, signals: ['lat', 'lon'], from, to, order: 'asc' as const };
  for await (const c of store.readingChunks(range, 20_000)) {
    const lat = c.values.lat as Float64Array;
    const lon = c.values.lon as Float64Array;
    for (let i = 0; i < c.length; i++) {
      const flag = c.flag[i] as number;
      if (flag === FLAG_NONE) continue;
      const t = c.timestamp[i] as number;
      if (flag === FLAG_VALID) into.push(t, lat[i] as number, lon[i] as number);
      else into.push(t, Number.NaN, Number.NaN);
    }
  }
}

export async function vehicleTrack(
  store: TelemetryStore,
  geo: GeoStore,
  deviceId: string,
  range: { from: number; to: number },
  o: { maxPoints: number; maxGapMs: number },
): Promise<TrackCollection> {
  const { from, to } = range;
  const { maxPoints, maxGapMs } = o;
  if (to - from <= RAW_TRACK_SPAN_MS) {
    const c = new Columns(4096);
    await rawFixes(store, deviceId, from, to, c);
    return trackGeoJson(c, { maxPoints, maxGapMs });
  }
  const coarse = usesCoarseTrack(to - from, maxPoints, maxGapMs);
  const b = bucketColumns(await storedBuckets(geo, deviceId, from, to, coarse));
  const c = new Columns(b.length + 4096);
  let end = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < b.length; i++) {
    const t = b.time[i] as number;
    if (t < from || t > to) continue;
    c.push(t, b.lat[i] as number, b.lon[i] as number);
    end = t;
  }
  const tailFrom = Math.max(end + 1, from, to - RAW_TAIL_MS);
  if (tailFrom <= to) await rawFixes(store, deviceId, tailFrom, to, c);
  return trackGeoJson(c, { maxPoints, maxGapMs });
}
