// Reads a SQLite store file as the tests check it: raw rows per device, coverage, rollups against raw aggregates.
import Database from 'better-sqlite3';

export interface StoredRow {
  seq: number;
  ts: number;
  speed: number;
}

export function openRead(path: string): Database.Database {
  return new Database(path, { readonly: true, fileMustExist: true });
}

export function rowsOf(db: Database.Database, deviceId: string): StoredRow[] {
  return db
    .prepare<[string], StoredRow>(
      'SELECT seq, ts, speed FROM readings WHERE device_id = ? ORDER BY seq',
    )
    .all(deviceId);
}

export interface DeviceRow {
  device_id: string;
  last_seq: number;
  watermark: number;
  above: string | null;
}

export function deviceRows(db: Database.Database): DeviceRow[] {
  return db
    .prepare<[], DeviceRow>(
      'SELECT device_id, last_seq, watermark, above FROM devices ORDER BY device_id',
    )
    .all();
}

interface Bucket {
  n: number;
  sum: number;
  min: number;
  max: number;
}

/**
 * Every 1-minute and 1-hour bucket compared with the aggregate of the raw rows it covers: the
 * descriptions of the differences (empty when the tiers agree with the rows, as they must when
 * retention has deleted nothing). Sums are compared to float rounding.
 */
export function rollupMismatches(db: Database.Database): string[] {
  const problems: string[] = [];
  for (const [table, ms] of [
    ['rollup_1m', 60_000],
    ['rollup_1h', 3_600_000],
  ] as const) {
    const raw = new Map<string, Bucket>();
    const rows = db
      .prepare<[], { device_id: string; ts: number; speed: number }>(
        'SELECT device_id, ts, speed FROM readings',
      )
      .iterate();
    for (const r of rows) {
      const key = `${r.device_id}@${Math.floor(r.ts / ms) * ms}`;
      const b = raw.get(key);
      if (!b) raw.set(key, { n: 1, sum: r.speed, min: r.speed, max: r.speed });
      else {
        b.n += 1;
        b.sum += r.speed;
        b.min = Math.min(b.min, r.speed);
        b.max = Math.max(b.max, r.speed);
      }
    }
    const tier = db
      .prepare<[], Bucket & { device_id: string; bucket: number }>(
        `SELECT device_id, bucket, speed_n AS n, speed_sum AS sum, speed_min AS min, speed_max AS max
         FROM ${table} WHERE speed_n > 0`,
      )
      .all();
    for (const t of tier) {
      const key = `${t.device_id}@${t.bucket}`;
      const b = raw.get(key);
      raw.delete(key);
      if (
        !b ||
        b.n !== t.n ||
        b.min !== t.min ||
        b.max !== t.max ||
        Math.abs(b.sum - t.sum) > 1e-6 * Math.max(1, Math.abs(b.sum))
      ) {
        problems.push(`${table} ${key}: tier ${JSON.stringify(t)} raw ${JSON.stringify(b)}`);
      }
    }
    for (const key of raw.keys()) problems.push(`${table} ${key}: raw rows without a bucket`);
  }
  return problems;
}
