// Builds a large SQLite store in seconds with SQL alone (readings, rollups, coverage): for tests and benchmarks of months of data.
import { closeSync, fsyncSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { BUILTIN_CATALOG } from '../core/signals/catalog.js';
import { createV1Store, migrate } from '../core/store/sqlite-schema.js';

export interface FillOptions {
  deviceIds: readonly string[];
  /** Readings per device, seq 0..perDevice-1, one every intervalMs, the last at `end`. */
  perDevice: number;
  intervalMs: number;
  end: number;
  /** `v1`: the speed-only layout of the previous release (to test and time its upgrade). */
  layout?: 'v1' | 'current';
}

/**
 * What the collector would have written for these readings, without going through it: one
 * recursive CTE per device for the rows, GROUP BY for both rollup tiers, and each device's
 * coverage row. Speeds are a cheap deterministic wave in 0..120. The file is fsynced before this
 * returns, so a test's first fsync does not pay for gigabytes of page cache written here.
 */
export function fillSqliteStore(path: string, o: FillOptions): void {
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    const v1 = o.layout === 'v1';
    if (v1) createV1Store(db);
    else migrate(db, BUILTIN_CATALOG);
    const start = o.end - (o.perDevice - 1) * o.intervalMs;
    db.transaction(() => {
      const insert = db.prepare(
        `WITH RECURSIVE s(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM s WHERE x < @last)
         INSERT INTO readings (device_id, seq, ts, speed)
         SELECT @device, x, @start + x * @interval, ((x * 7919) % 12000) / 100.0 FROM s`,
      );
      const device = v1
        ? db.prepare(
            `INSERT INTO devices (device_id, last_ts, last_seq, watermark, above)
             VALUES (@id, @end, @last, @last, NULL)
             ON CONFLICT (device_id) DO UPDATE SET last_ts = excluded.last_ts,
               last_seq = excluded.last_seq, watermark = excluded.watermark`,
          )
        : db.prepare(
            `INSERT INTO devices (device_id, last_ts, last_seq, watermark, above, v_speed, t_speed)
             VALUES (@id, @end, @last, @last, NULL, ((@last * 7919) % 12000) / 100.0, @end)
             ON CONFLICT (device_id) DO UPDATE SET last_ts = excluded.last_ts,
               last_seq = excluded.last_seq, watermark = excluded.watermark,
               v_speed = excluded.v_speed, t_speed = excluded.t_speed`,
          );
      for (const id of o.deviceIds) {
        insert.run({ device: id, last: o.perDevice - 1, start, interval: o.intervalMs });
        device.run({ id, end: o.end, last: o.perDevice - 1 });
      }
      const [n, sum, min, max] = v1
        ? ['n', 'sum', 'min', 'max']
        : ['speed_n', 'speed_sum', 'speed_min', 'speed_max'];
      db.exec(`
        DELETE FROM rollup_1m; DELETE FROM rollup_1h;
        INSERT INTO rollup_1m (device_id, bucket, ${n}, ${sum}, ${min}, ${max})
          SELECT device_id, ts - ts % 60000 AS b, count(*), sum(speed), min(speed), max(speed)
          FROM readings GROUP BY device_id, b;
        INSERT INTO rollup_1h (device_id, bucket, ${n}, ${sum}, ${min}, ${max})
          SELECT device_id, bucket - bucket % 3600000 AS b, sum(${n}), sum(${sum}),
            min(${min}), max(${max}) FROM rollup_1m GROUP BY device_id, b;`);
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
