// Readings as geo items: from a validated reading at ingest, and from the store's columns when a vehicle is recomputed from a checkpoint.

import type { Reading } from '../core/contract.js';
import { timestampMs } from '../core/iso-time.js';
import type { GeoKey } from '../core/store/geo-store.js';
import {
  EARLIEST_MS,
  FLAG_VALID,
  LATEST_MS,
  type ReadingColumns,
  type TelemetryStore,
} from '../core/store/types.js';
import { compareKeys, type GeoSample, sampleOfReading } from '../geo/sample.js';
import type { GeoItem } from './vehicle-geo.js';

/** The signals geo reads back (positions with their flags come with lat/lon). */
export const GEO_SIGNALS = ['lat', 'lon', 'heading', 'speed', 'ignition', 'fuel_pct'] as const;
const CHUNK_ROWS = 10_000;

/** A reading as stored (its position flag is the store's judgement). */
/** `key`: the reading's (time, seq), when the caller has it (the timestamp parsed once). */
export function itemOfReading(r: Reading, key?: { time: number; seq: number }): GeoItem {
  const k = key ?? { time: timestampMs(r.timestamp), seq: r.seq };
  return {
    key: k,
    sample: sampleOfReading(r, k.time),
    badFix: r.position_flag !== undefined,
  };
}

function itemAt(c: ReadingColumns, i: number): GeoItem {
  const v = c.values;
  const time = c.timestamp[i] as number;
  const seq = c.seq[i] as number;
  const s: GeoSample = { time, seq };
  const flag = c.flag[i] as number;
  const lat = v.lat?.[i] ?? Number.NaN;
  const lon = v.lon?.[i] ?? Number.NaN;
  const valid = flag === FLAG_VALID && Number.isFinite(lat) && Number.isFinite(lon);
  if (valid) {
    s.lat = lat;
    s.lon = lon;
    const heading = v.heading?.[i] ?? Number.NaN;
    if (Number.isFinite(heading)) s.heading = heading;
  }
  const speed = v.speed?.[i] ?? Number.NaN;
  if (Number.isFinite(speed)) s.speed = speed;
  const ignition = v.ignition?.[i] ?? Number.NaN;
  if (Number.isFinite(ignition)) s.ignition = ignition === 1;
  const fuel = v.fuel_pct?.[i] ?? Number.NaN;
  if (Number.isFinite(fuel)) s.fuel = fuel;
  const useful = valid || s.speed !== undefined || s.ignition !== undefined || s.fuel !== undefined;
  return { key: { time, seq }, sample: useful ? s : null, badFix: flag > FLAG_VALID };
}

/**
 * Every stored reading of the vehicle after `after` (null: all), in (time, seq) order, read again
 * from the store: positions come with the flags they have now (a late fix may have changed them).
 */
export async function* storedItems(
  store: TelemetryStore,
  deviceId: string,
  after: GeoKey | null,
): AsyncGenerator<GeoItem> {
  const chunks = store.readingChunks(
    {
      deviceId,
      signals: GEO_SIGNALS,
      from: after === null ? EARLIEST_MS : after.time,
      to: LATEST_MS,
      order: 'asc',
    },
    CHUNK_ROWS,
  );
  for await (const c of chunks) {
    for (let i = 0; i < c.length; i++) {
      const item = itemAt(c, i);
      if (after === null || compareKeys(item.key, after) > 0) yield item;
    }
  }
}
