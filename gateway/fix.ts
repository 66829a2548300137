// What every protocol decoder yields: one fix (time of measurement plus signals by catalog key), before it has a device id's seq.
import type { SignalCatalog, SignalValue } from '../core/signals/catalog.js';
import { signalValueOk } from '../core/signals/catalog.js';

/** One decoded measurement of an external device. */
export interface Fix {
  /** Time of measurement, ms since the epoch (the device's clock): with the device id, its identity. */
  fixMs: number;
  /** Signals by flat catalog key (`speed`, `lat`, `battery_pct`, custom names). */
  values: Record<string, SignalValue>;
}

/** The inputs, as the registry's `protocol` field and the metrics name them. */
export const PROTOCOLS = ['osmand', 'owntracks', 'teltonika'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** km/h per knot (international nautical mile per hour). */
export const KMH_PER_KNOT = 1.852;

/** Rounds unit conversions to what a sensor resolves, so payloads stay short and stable. */
export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

export interface CleanedValues {
  values: Record<string, SignalValue>;
  /** Keys dropped: unknown to the catalog, wrong type, non-finite or out of range. */
  dropped: string[];
}

/**
 * Keeps what the collector would keep (same catalog, same rules), so the gateway never queues a
 * signal the collector would drop, nor a reading it would reject for want of a valid signal: a
 * rejected reading's seq would never be covered and would hold back every later ack. A position
 * needs lat and lon together; a heading of exactly 360 is north (0).
 */
export function cleanValues(
  catalog: SignalCatalog,
  raw: Readonly<Record<string, SignalValue | undefined>>,
): CleanedValues {
  const values: Record<string, SignalValue> = {};
  const dropped: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const v = key === 'heading' && value === 360 ? 0 : value;
    const def = catalog.find(key);
    if (def && def.key === key && signalValueOk(def, v)) values[key] = v;
    else dropped.push(key);
  }
  if ((values.lat === undefined) !== (values.lon === undefined)) {
    for (const k of ['lat', 'lon'] as const) {
      if (values[k] !== undefined) {
        delete values[k];
        dropped.push(k);
      }
    }
  }
  if (values.lat === undefined) {
    for (const k of ['alt', 'acc', 'heading'] as const) {
      // Position details without a position are meaningless on the wire (position needs lat/lon).
      if (values[k] !== undefined) {
        delete values[k];
        dropped.push(k);
      }
    }
  }
  return { values, dropped };
}
