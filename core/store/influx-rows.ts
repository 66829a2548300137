// Typed access to InfluxQL answer rows by column name (servers may order columns differently).
import type { InfluxSeries } from './influx-http.js';
import { DEVICE_TAG } from './influxql.js';

export interface Row {
  num(column: string): number;
}

export function rows(series: InfluxSeries): Row[] {
  const index = new Map(series.columns.map((c, i) => [c, i]));
  return series.values.map((values) => ({
    num(column: string): number {
      const value = values[index.get(column) ?? -1];
      if (typeof value !== 'number') {
        throw new Error(`InfluxDB answered ${JSON.stringify(value)} for column ${column}`);
      }
      return value;
    },
  }));
}

/** The device a series belongs to (GROUP BY device_id). */
export function deviceOf(series: InfluxSeries): string | undefined {
  return series.tags?.[DEVICE_TAG];
}

/** Each row's [time, seq] pair for a `SELECT "seq"` answer. */
export function timeSeqPairs(series: InfluxSeries): Array<[number, number]> {
  const t = series.columns.indexOf('time');
  const s = series.columns.indexOf('seq');
  return series.values.map((v) => [Number(v[t]), Number(v[s])]);
}
