// The SQLite store's schema and its one-time migrations (PRAGMA user_version), run by the writer at start.
import type Database from 'better-sqlite3';
import { cover, emptyCoverage, encodeAbove } from './seq-coverage.js';

export const SCHEMA_VERSION = 1;

const TABLES = `
CREATE TABLE IF NOT EXISTS readings (
  device_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  speed REAL NOT NULL,
  PRIMARY KEY (device_id, seq)
) WITHOUT ROWID;
-- Covering index: history, latest and retention never touch the primary b-tree (a WITHOUT ROWID
-- table's index carries the primary key, so seq is in it too).
CREATE INDEX IF NOT EXISTS readings_by_time ON readings (device_id, ts, speed);
CREATE TABLE IF NOT EXISTS devices (
  device_id TEXT PRIMARY KEY,
  last_ts INTEGER NOT NULL,
  last_seq INTEGER NOT NULL
) WITHOUT ROWID;
`;

/** Version 1: coverage per device (watermark + ranges above it) and the 1-minute and 1-hour tiers. */
const V1 = `
ALTER TABLE devices ADD COLUMN watermark INTEGER NOT NULL DEFAULT -1;
ALTER TABLE devices ADD COLUMN above TEXT;
CREATE TABLE rollup_1m (
  device_id TEXT NOT NULL,
  bucket INTEGER NOT NULL,
  n INTEGER NOT NULL,
  sum REAL NOT NULL,
  min REAL NOT NULL,
  max REAL NOT NULL,
  PRIMARY KEY (device_id, bucket)
) WITHOUT ROWID;
CREATE TABLE rollup_1h (
  device_id TEXT NOT NULL,
  bucket INTEGER NOT NULL,
  n INTEGER NOT NULL,
  sum REAL NOT NULL,
  min REAL NOT NULL,
  max REAL NOT NULL,
  PRIMARY KEY (device_id, bucket)
) WITHOUT ROWID;
`;

/** Floor of ts to a bucket in SQL (integer division truncates toward zero). */
const floorTo = (column: string, ms: number) =>
  `(${column} - ((${column} % ${ms}) + ${ms}) % ${ms})`;

export interface MigrationReport {
  from: number;
  to: number;
  devices: number;
}

/**
 * Brings a writable database to SCHEMA_VERSION in one transaction. A store written by an older
 * version gets its coverage and rollups computed once from the rows it holds (SQL does the work;
 * nothing is loaded into memory but one device's seq ranges at a time).
 */
export function migrate(db: Database.Database): MigrationReport | undefined {
  db.exec(TABLES);
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version >= SCHEMA_VERSION) return undefined;
  let devices = 0;
  db.transaction(() => {
    db.exec(V1);
    const ids = db.prepare('SELECT device_id FROM devices').pluck().all() as string[];
    const islands = db.prepare<[string], { lo: number; hi: number }>(
      `SELECT min(seq) AS lo, max(seq) AS hi FROM (
         SELECT seq, seq - row_number() OVER (ORDER BY seq) AS grp FROM readings WHERE device_id = ?
       ) GROUP BY grp ORDER BY lo`,
    );
    const save = db.prepare('UPDATE devices SET watermark = ?, above = ? WHERE device_id = ?');
    for (const id of ids) {
      const c = emptyCoverage();
      for (const { lo, hi } of islands.iterate(id)) cover(c, lo, hi);
      save.run(c.watermark, encodeAbove(c.above), id);
      devices += 1;
    }
    db.exec(`
      INSERT INTO rollup_1m (device_id, bucket, n, sum, min, max)
        SELECT device_id, ${floorTo('ts', 60_000)} AS b, count(*), sum(speed), min(speed), max(speed)
        FROM readings GROUP BY device_id, b;
      INSERT INTO rollup_1h (device_id, bucket, n, sum, min, max)
        SELECT device_id, ${floorTo('bucket', 3_600_000)} AS b, sum(n), sum(sum), min(min), max(max)
        FROM rollup_1m GROUP BY device_id, b;
    `);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  })();
  return { from: version, to: SCHEMA_VERSION, devices };
}
