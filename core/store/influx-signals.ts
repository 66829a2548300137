// The InfluxDB store's rollup fields per catalog signal: their names (speed keeps the ones it had), a bucket's line protocol, and the InfluxQL aggregates over raw points and finer buckets.
import { escape as lp } from '@influxdata/influxdb-client';
import type { SignalCatalog, SignalDef } from '../signals/catalog.js';
import { DEVICE_TAG, quoteIdent } from './influxql.js';
import { AGG_SLOTS, emptyAggs } from './rollup.js';

/** A signal's fields in `vehicle_speed_1m` / `vehicle_speed_1h`; booleans have no min and max. */
export interface RollupFields {
  count: string;
  sum: string;
  min: string | undefined;
  max: string | undefined;
}

/**
 * `speed` keeps `count`, `sum`, `min`, `max`: the names every store had before the catalog, so an
 * existing store's buckets are read and extended as they are (no rewrite at upgrade). Every other
 * signal `<key>_count`, `<key>_sum`, `<key>_min`, `<key>_max` (unique: the suffix after the last
 * `_` is the aggregate, and no key is `count`…). Booleans keep count and count true (`<key>_sum`,
 * an integer, as `SELECT count(…) INTO` writes it): a window's min is 1 iff all are true, its max
 * 1 iff any is, so min and max follow from the two and are not stored (InfluxQL has no sum of a
 * boolean field, and a boolean min would be a boolean field).
 */
export function rollupFields(def: SignalDef): RollupFields {
  if (def.key === 'speed') return { count: 'count', sum: 'sum', min: 'min', max: 'max' };
  const k = def.key;
  if (def.type === 'boolean') {
    return { count: `${k}_count`, sum: `${k}_sum`, min: undefined, max: undefined };
  }
  return { count: `${k}_count`, sum: `${k}_sum`, min: `${k}_min`, max: `${k}_max` };
}

/** A boolean window's min and max from its count and count true. */
export function booleanMinMax(count: number, trueCount: number): { min: number; max: number } {
  return { min: trueCount === count ? 1 : 0, max: trueCount > 0 ? 1 : 0 };
}

const q = quoteIdent;

/** The catalog as the InfluxDB store's rollups see it: signal k at aggs[k*4 .. k*4+3]. */
export class InfluxSignals {
  readonly defs: readonly SignalDef[];
  readonly keys: readonly string[];
  readonly fields: readonly RollupFields[];

  constructor(catalog: SignalCatalog) {
    this.defs = catalog.signals;
    this.keys = catalog.keys;
    this.fields = this.defs.map(rollupFields);
  }

  /**
   * `<measurement>,device_id=<id> count=<n>i,max=…,min=…,sum=…,fuel_pct_count=<n>i,… <ns>`: every
   * signal the bucket holds (count > 0); counts (and booleans' count true) as integers.
   */
  bucketLine(measurement: string, deviceId: string, bucket: number, aggs: Float64Array): string {
    let fields = '';
    for (let k = 0; k < this.defs.length; k++) {
      const o = k * AGG_SLOTS;
      const n = aggs[o] as number;
      if (n === 0) continue;
      const f = this.fields[k] as RollupFields;
      const sep = fields === '' ? '' : ',';
      if (f.min === undefined || f.max === undefined) {
        fields += `${sep}${f.count}=${n}i,${f.sum}=${aggs[o + 1]}i`;
      } else {
        fields +=
          `${sep}${f.count}=${n}i,${f.max}=${aggs[o + 3]},${f.min}=${aggs[o + 2]},` +
          `${f.sum}=${aggs[o + 1]}`;
      }
    }
    const ns = (BigInt(bucket) * 1_000_000n).toString();
    return `${lp.measurement(measurement)},${lp.tag(DEVICE_TAG)}=${lp.tag(deviceId)} ${fields} ${ns}`;
  }

  /** A stored bucket (a `SELECT *` row) as aggs; signals it lacks are empty. */
  decode(columns: readonly string[], row: readonly unknown[]): Float64Array {
    const aggs = emptyAggs(this.defs.length);
    const at = (name: string | undefined) => {
      if (name === undefined) return undefined;
      const v = row[columns.indexOf(name)];
      return typeof v === 'number' ? v : undefined;
    };
    for (let k = 0; k < this.defs.length; k++) {
      const f = this.fields[k] as RollupFields;
      const n = at(f.count);
      if (n === undefined || n === 0) continue;
      const o = k * AGG_SLOTS;
      const sum = at(f.sum) ?? 0;
      aggs[o] = n;
      aggs[o + 1] = sum;
      if (f.min === undefined) {
        const { min, max } = booleanMinMax(n, sum);
        aggs[o + 2] = min;
        aggs[o + 3] = max;
      } else {
        aggs[o + 2] = at(f.min) ?? Number.POSITIVE_INFINITY;
        aggs[o + 3] = at(f.max) ?? Number.NEGATIVE_INFINITY;
      }
    }
    return aggs;
  }

  /** Every signal's bucket fields from raw points (`SELECT … INTO`), booleans' count true aside. */
  fromRaw(): string {
    return this.defs
      .map((def, k) => {
        const f = this.fields[k] as RollupFields;
        const v = q(def.key);
        if (f.min === undefined || f.max === undefined) return `count(${v}) AS ${q(f.count)}`;
        return (
          `count(${v}) AS ${q(f.count)}, sum(${v}) AS ${q(f.sum)}, ` +
          `min(${v}) AS ${q(f.min)}, max(${v}) AS ${q(f.max)}`
        );
      })
      .join(', ');
  }

  /** Boolean signals: the raw field and the bucket field that counts its true values. */
  trueCounts(): Array<{ key: string; field: string }> {
    const out: Array<{ key: string; field: string }> = [];
    this.defs.forEach((def, k) => {
      const f = this.fields[k] as RollupFields;
      if (f.min === undefined) out.push({ key: def.key, field: f.sum });
    });
    return out;
  }

  /** Every signal's coarser bucket fields from finer buckets. */
  fromFiner(): string {
    return this.fields
      .map((f) => {
        const merged = `sum(${q(f.count)}) AS ${q(f.count)}, sum(${q(f.sum)}) AS ${q(f.sum)}`;
        if (f.min === undefined || f.max === undefined) return merged;
        return `${merged}, min(${q(f.min)}) AS ${q(f.min)}, max(${q(f.max)}) AS ${q(f.max)}`;
      })
      .join(', ');
  }
}

/** Adds `from` into `into`, signal by signal (count, sum, min, max). */
export function mergeAggs(into: Float64Array, from: Float64Array): void {
  for (let o = 0; o < into.length; o += AGG_SLOTS) {
    into[o] = (into[o] as number) + (from[o] as number);
    into[o + 1] = (into[o + 1] as number) + (from[o + 1] as number);
    if ((from[o + 2] as number) < (into[o + 2] as number)) into[o + 2] = from[o + 2] as number;
    if ((from[o + 3] as number) > (into[o + 3] as number)) into[o + 3] = from[o + 3] as number;
  }
}
