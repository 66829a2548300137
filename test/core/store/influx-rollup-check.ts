// Checks a device's stored rollups of every built-in signal against InfluxDB's own GROUP BY time() over its raw points.
import { expect } from 'vitest';
import type { InfluxdProcess } from '../../../harness/influxd.js';

type Answer = { results: Array<{ series?: Array<{ columns: string[]; values: unknown[][] }> }> };

export async function rowsOf(
  influxd: InfluxdProcess,
  q: string,
): Promise<Array<Record<string, unknown>>> {
  const s = ((await influxd.query(q)) as Answer).results[0]?.series?.[0];
  return (s?.values ?? []).map((v) =>
    Object.fromEntries(s?.columns.map((c, i) => [c, v[i]]) ?? []),
  );
}

const NUMERIC = [
  'speed',
  'lat',
  'lon',
  'alt',
  'acc',
  'heading',
  'odometer_km',
  'fuel_pct',
  'battery_v',
  'battery_pct',
  'coolant_c',
  'rpm',
];
const FIELDS: Record<string, [string, string, string, string]> = {
  speed: ['count', 'sum', 'min', 'max'],
};
const fieldsOf = (k: string) => FIELDS[k] ?? [`${k}_count`, `${k}_sum`, `${k}_min`, `${k}_max`];

/** Every built-in signal's stored 1-minute and 1-hour rows equal InfluxDB's GROUP BY time() over raw points. */
export async function expectRollupsAsRaw(
  influxd: InfluxdProcess,
  db: string,
  device: string,
): Promise<number> {
  const where = `WHERE "device_id" = '${device}' AND time >= 0`;
  const raw = `"${db}"."autogen"."vehicle_speed"`;
  let checked = 0;
  for (const [rp, m, w] of [
    ['rollup_1m', 'vehicle_speed_1m', '1m'],
    ['rollup_1h', 'vehicle_speed_1h', '1h'],
  ] as const) {
    const stored = await rowsOf(influxd, `SELECT * FROM "${db}"."${rp}"."${m}" ${where}`);
    for (const k of NUMERIC) {
      const [n, sum, min, max] = fieldsOf(k);
      const want = await rowsOf(
        influxd,
        `SELECT count("${k}") AS n, sum("${k}") AS s, min("${k}") AS lo, max("${k}") AS hi FROM ${raw} ${where} GROUP BY time(${w}) fill(none)`,
      );
      const got = stored.filter((r) => typeof r[n] === 'number' && (r[n] as number) > 0);
      const present = want.filter((r) => typeof r.n === 'number' && (r.n as number) > 0);
      expect(
        got.map((r) => [r.time, r[n], r[min], r[max]]),
        `${rp} ${k}`,
      ).toEqual(present.map((r) => [r.time, r.n, r.lo, r.hi]));
      got.forEach((r, i) => {
        expect(r[sum] as number, `${rp} ${k}`).toBeCloseTo(present[i]?.s as number, 6);
      });
      checked += got.length;
    }
    // Ignition: count, and count true as ignition_sum (no min and max for a boolean).
    const all = await rowsOf(
      influxd,
      `SELECT count("ignition") AS n FROM ${raw} ${where} GROUP BY time(${w}) fill(none)`,
    );
    const on = await rowsOf(
      influxd,
      `SELECT count("ignition") AS n FROM ${raw} ${where} AND "ignition" = true GROUP BY time(${w}) fill(none)`,
    );
    const onAt = new Map(on.map((r) => [r.time, r.n]));
    const got = stored.filter((r) => typeof r.ignition_count === 'number');
    expect(
      got.map((r) => [r.time, r.ignition_count, r.ignition_sum ?? 0]),
      `${rp} ignition`,
    ).toEqual(
      all.filter((r) => typeof r.n === 'number').map((r) => [r.time, r.n, onAt.get(r.time) ?? 0]),
    );
    expect(stored.some((r) => 'ignition_min' in r || 'ignition_max' in r)).toBe(false);
  }
  return checked;
}
