// Builds a large SQLite store in seconds with SQL alone (readings, rollups, coverage, latest values): for tests and benchmarks of months of data.
import { closeSync, fsyncSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { BUILTIN_CATALOG } from '../core/signals/catalog.js';
import {
  latestTimeColumn,
  latestValueColumn,
  rollupColumns,
  sqlType,
} from '../core/store/sqlite-layout.js';
import { createV1Store, migrate } from '../core/store/sqlite-schema.js';

export interface FillOptions {
  deviceIds: readonly string[];
  /** Readings per device, one every intervalMs, the last at `end` (after `older`'s, if any). */
  perDevice: number;
  intervalMs: number;
  end: number;
  /** `v1`: the speed-only layout of the previous release (to test and time its upgrade). */
  layout?: 'v1' | 'current';
  /**
   * `speed` (default): the speed column only. `all` (layout current): every built-in signal with
   * a tracker's precision, as bench/longevity-data.ts's telemetry CSV has them.
   */
  signals?: 'speed' | 'all';
  /** Readings before those, `count` per device one every `intervalMs` (seqs start with them). */
  older?: { count: number; intervalMs: number };
}

/** One lap of a vehicle's 2 km-radius loop, in ms (~50 km/h): positions stay put for a year. */
export const LAP_MS = 904_000;

/**
 * Every built-in signal as SQL of `x` (the seq), `t` (ms), `@v` (the vehicle's index) and `@first`
 * (its first reading's time): the formulas of bench/longevity-data.ts's telemetryValues, so a
 * store built either way holds values of the same kinds (REALs with decimals, small integers).
 */
const SIGNAL_SQL: Record<string, string> = {
  speed: 'round(45 + 25 * sin(t / 97000.0) + ((x * 7) % 50) / 10.0, 1)',
  lat: `round(52.52 + @v * 0.01 + 0.018 * sin(mod(t, ${LAP_MS}) * 2 * pi() / ${LAP_MS}), 6)`,
  lon: `round(13.405 + 0.0295 * cos(mod(t, ${LAP_MS}) * 2 * pi() / ${LAP_MS}), 6)`,
  alt: '30 + x % 20',
  acc: '3 + x % 7',
  heading: `min(round(mod(mod(t, ${LAP_MS}) * 360.0 / ${LAP_MS} + 90, 360), 1), 359.9)`,
  ignition: '1',
  odometer_km: 'round(12000 + @v * 1000 + (t - @first) / 1000.0 * 0.0139, 2)',
  fuel_pct: 'round(90 - mod(x / 400.0, 80), 1)',
  battery_v: 'round(13.8 + (x % 7) / 10.0, 1)',
  battery_pct: '80 + x % 20',
  coolant_c: '85 + x % 8',
  rpm: '800 + (x * 37) % 3000',
};

function signalExpressions(all: boolean): Array<[string, string]> {
  if (!all) return [['speed', '((x * 7919) % 12000) / 100.0']];
  return BUILTIN_CATALOG.signals.map((s) => {
    const sql = SIGNAL_SQL[s.key];
    // "Every built-in signal": a signal added to the catalog must be added here too.
    if (sql === undefined) throw new Error(`sqlite-fill has no formula for ${s.name}`);
    return [s.key, sqlType(s) === 'REAL' ? `CAST(${sql} AS REAL)` : sql];
  });
}

/**
 * What the collector would have written for these readings, without going through it: one
 * recursive CTE per device for the rows, GROUP BY for both rollup tiers, and each device's
 * coverage and latest values. The file is fsynced before this returns, so a test's first fsync
 * does not pay for gigabytes of page cache written here.
 */
export function fillSqliteStore(path: string, o: FillOptions): void {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    const v1 = o.layout === 'v1';
    const all = o.signals === 'all';
    if (all && v1) throw new Error('sqlite-fill: signals all needs layout current');
    if (v1) createV1Store(db);
    else migrate(db, BUILTIN_CATALOG);
    const signals = signalExpressions(all);
    const keys = signals.map(([k]) => k);
    const older = o.older ?? { count: 0, intervalMs: o.intervalMs };
    const start = o.end - (o.perDevice - 1) * o.intervalMs;
    const first = start - older.count * older.intervalMs;
    const flag = all ? ', pos_flag' : '';
    db.transaction(() => {
      const insert = db.prepare(
        `WITH RECURSIVE s(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM s WHERE x < @last),
         r(x, t) AS (SELECT x, CASE WHEN x < @older THEN @first + x * @olderInterval
                                 ELSE @start + (x - @older) * @interval END FROM s)
         INSERT INTO readings (device_id, seq, ts, ${keys.join(', ')}${flag})
         SELECT @device, x, t, ${signals.map(([, sql]) => sql).join(', ')}${all ? ', 0' : ''}
         FROM r`,
      );
      const device = db.prepare(
        `INSERT INTO devices (device_id, last_ts, last_seq, watermark, above)
         VALUES (@id, @end, @last, @last, NULL)
         ON CONFLICT (device_id) DO UPDATE SET last_ts = excluded.last_ts,
           last_seq = excluded.last_seq, watermark = excluded.watermark`,
      );
      const last = older.count + o.perDevice - 1;
      o.deviceIds.forEach((id, v) => {
        insert.run({
          device: id,
          last,
          older: older.count,
          olderInterval: older.intervalMs,
          first,
          start,
          interval: o.intervalMs,
          ...(all ? { v } : {}),
        });
        device.run({ id, end: o.end, last });
      });
      if (!v1) {
        // Latest values as the writer keeps them: each signal's newest value and its time.
        const cols = keys.flatMap((k) => [latestValueColumn(k), latestTimeColumn(k)]);
        const vals = keys.flatMap((k) => [k, 'ts']);
        db.exec(
          `UPDATE devices SET (${cols.join(', ')}${all ? ', fix_ts' : ''}) = (
             SELECT ${vals.join(', ')}${all ? ', ts' : ''} FROM readings r
             WHERE r.device_id = devices.device_id ORDER BY seq DESC LIMIT 1)`,
        );
      }
      const tier = (k: string): readonly string[] =>
        v1 ? ['n', 'sum', 'min', 'max'] : rollupColumns(k);
      const names = keys.flatMap((k) => [...tier(k)]);
      const fromRows = keys.flatMap((k) => [`count(${k})`, `sum(${k})`, `min(${k})`, `max(${k})`]);
      const fromMinutes = keys.flatMap((k) => {
        const [n, sum, min, max] = tier(k);
        return [`sum(${n})`, `sum(${sum})`, `min(${min})`, `max(${max})`];
      });
      // Rollups with count 0 keep sum 0 (never NULL): a signal missing from a bucket has n = 0.
      const sum0 = (list: string[]) =>
        list.map((e, i) => (i % 4 === 1 ? `coalesce(${e}, 0)` : e)).join(', ');
      db.exec(`
        DELETE FROM rollup_1m; DELETE FROM rollup_1h;
        INSERT INTO rollup_1m (device_id, bucket, ${names.join(', ')})
          SELECT device_id, ts - ts % 60000 AS b, ${sum0(fromRows)}
          FROM readings GROUP BY device_id, b;
        INSERT INTO rollup_1h (device_id, bucket, ${names.join(', ')})
          SELECT device_id, bucket - bucket % 3600000 AS b, ${sum0(fromMinutes)}
          FROM rollup_1m GROUP BY device_id, b;`);
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  // synchronous=OFF wrote through the page cache only: flush it now.
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
