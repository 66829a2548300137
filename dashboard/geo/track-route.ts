// /track's data: raw valid fixes for short ranges, the geo store's minute track (plus the raw last minutes) for long ones, thinned by geo/track.ts.
import { FLAG_NONE, FLAG_VALID, type TelemetryStore } from '../../core/store/types.js';
import { type TrackCollection, trackGeoJson } from '../../geo/track.js';
import { bucketColumns } from '../../tracking/track-tier.js';
import type { DashboardGeo } from './dashboard-geo.js';

/** Up to this span the raw fixes are read (a day at 1 Hz is 86,400 rows); longer: the minute track. */
export const RAW_TRACK_SPAN_MS = 6 * 3_600_000;
/** The minute track ends at the last minute the collector finished: the rest is read raw, at most this much. */
const RAW_TAIL_MS = 3_600_000;

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
  geo: DashboardGeo,
  deviceId: string,
  range: { from: number; to: number },
  maxPoints: number,
): Promise<TrackCollection> {
  const { from, to } = range;
  const maxGapMs = geo.config.tripMaxGapS * 1000;
  if (to - from <= RAW_TRACK_SPAN_MS) {
    const c = new Columns(4096);
    await rawFixes(store, deviceId, from, to, c);
    return trackGeoJson(c, { maxPoints, maxGapMs });
  }
  const buckets = await geo.link.get().track(deviceId, Math.floor(from / 60_000) * 60_000, to);
  const b = bucketColumns(buckets);
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
