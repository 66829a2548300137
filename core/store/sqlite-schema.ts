// The SQLite store's schema and its one-time migrations (PRAGMA user_version), run by the writer at start; signal columns follow the catalog.
import type Database from 'better-sqlite3';
import type { SignalCatalog } from '../signals/catalog.js';
import { cover, emptyCoverage, encodeAbove } from './seq-coverage.js';
import { GEO_COARSE_TRACK, GEO_TABLES } from './sqlite-geo-schema.js';
import {
  latestTimeColumn,
  latestValueColumn,
  rollupColumnDefs,
  rollupColumns,
  sqlType,
} from './sqlite-layout.js';

/**
 * 1: coverage and speed rollups. 2: every signal of the catalog (columns, rollups, latest values).
 * 3: the geo tables (trips, stops, events, days, track, checkpoints: sqlite-geo-schema.ts).
 * 4: the 10-minute track (sqlite-geo-schema.ts).
 */
export const SCHEMA_VERSION = 4;

export const ROLLUP_TABLES = ['rollup_1m', 'rollup_1h'] as const;

/** Version 0's tables (a speed-only store before coverage), kept to upgrade such files. */
const V0_TABLES = `
CREATE TABLE IF NOT EXISTS readings (
  device_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  speed REAL NOT NULL,
  PRIMARY KEY (device_id, seq)
) WITHOUT ROWID;
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

/**
 * A new file gets version 2 directly: keys here, every signal's columns from the catalog
 * (ensureSignalColumns), then the covering time index.
 */
const V2_TABLES = `
CREATE TABLE readings (
  device_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  PRIMARY KEY (device_id, seq)
) WITHOUT ROWID;
CREATE TABLE devices (
  device_id TEXT PRIMARY KEY,
  last_ts INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  watermark INTEGER NOT NULL DEFAULT -1,
  above TEXT
) WITHOUT ROWID;
CREATE TABLE rollup_1m (
  device_id TEXT NOT NULL,
  bucket INTEGER NOT NULL,
  PRIMARY KEY (device_id, bucket)
) WITHOUT ROWID;
CREATE TABLE rollup_1h (
  device_id TEXT NOT NULL,
  bucket INTEGER NOT NULL,
  PRIMARY KEY (device_id, bucket)
) WITHOUT ROWID;
`;

/**
 * Covering index: speed history, latest and retention never touch the primary b-tree (a WITHOUT
 * ROWID table's index carries the primary key, so seq is in it too).
 */
const TIME_INDEX = 'CREATE INDEX IF NOT EXISTS readings_by_time ON readings (device_id, ts, speed)';

/** Floor of ts to a bucket in SQL (integer division truncates toward zero). */
const floorTo = (column: string, ms: number) =>
  `(${column} - ((${column} % ${ms}) + ${ms}) % ${ms})`;

export interface MigrationReport {
  from: number;
  to: number;
  devices: number;
  /** Signal columns added (a new catalog entry or SIGNALS_FILE signal). */
  columnsAdded: number;
  ms: number;
}

export function columnsOf(db: Database.Database, table: string): Set<string> {
  const rows = db.prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>;
  return new Set(rows.map((r) => r.name));
}

/**
 * Adds the columns of catalog signals the file does not have yet (a new built-in signal, a
 * SIGNALS_FILE entry): ALTER TABLE ADD COLUMN of a nullable or constant-default column only
 * changes the schema, never a row, so this is instant on any store size. Columns of signals
 * removed from SIGNALS_FILE stay (their data too) and are no longer read.
 */
export function ensureSignalColumns(db: Database.Database, catalog: SignalCatalog): number {
  let added = 0;
  const add = (table: string, have: Set<string>, name: string, def: string) => {
    if (have.has(name)) return;
    db.exec(`ALTER TABLE ${table} ADD COLUMN ${def}`);
    have.add(name);
    added += 1;
  };
  const readings = columnsOf(db, 'readings');
  const devices = columnsOf(db, 'devices');
  for (const s of catalog.signals) add('readings', readings, s.key, `${s.key} ${sqlType(s)}`);
  add('readings', readings, 'pos_flag', 'pos_flag INTEGER');
  for (const table of ROLLUP_TABLES) {
    const have = columnsOf(db, table);
    for (const s of catalog.signals) {
      const names = rollupColumns(s.key);
      rollupColumnDefs(s.key).forEach((def, i) => {
        add(table, have, names[i] as string, def);
      });
    }
  }
  add('devices', devices, 'fix_ts', 'fix_ts INTEGER');
  for (const s of catalog.signals) {
    const v = latestValueColumn(s.key);
    const t = latestTimeColumn(s.key);
    add('devices', devices, v, `${v} ${sqlType(s)}`);
    add('devices', devices, t, `${t} INTEGER`);
  }
  return added;
}

/**
 * Removes NOT NULL from columns whose rows keep their format (SQLite's documented procedure for
 * schema changes that do not touch stored content: https://www.sqlite.org/lang_altertable.html,
 * "Making Other Kinds Of Table Schema Changes"), in the caller's transaction.
 */
function dropNotNull(db: Database.Database, table: string, columns: readonly string[]): void {
  const sql = db
    .prepare<[string], string>("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?")
    .pluck()
    .get(table);
  if (sql === undefined) throw new Error(`no table ${table}`);
  let next = sql;
  for (const c of columns) {
    next = next.replace(new RegExp(`("?\\b${c}\\b"?\\s+(?:REAL|INTEGER))\\s+NOT NULL`), '$1');
  }
  if (next === sql) return;
  const version = db.pragma('schema_version', { simple: true }) as number;
  db.unsafeMode(true);
  try {
    db.pragma('writable_schema = ON');
    db.prepare("UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = ?").run(
      next,
      table,
    );
    db.pragma(`schema_version = ${version + 1}`);
    db.pragma('writable_schema = OFF');
  } finally {
    db.unsafeMode(false);
  }
}

/**
 * An empty store as version 1 wrote it (speed only): what tests and benchmarks build legacy stores
 * on, to prove the upgrade.
 */
export function createV1Store(db: Database.Database): void {
  db.transaction(() => {
    db.exec(V0_TABLES);
    db.exec(V1);
    db.pragma('user_version = 1');
  })();
}

/** Version 0 → 1: coverage and rollups computed once from the rows (SQL does the work). */
function toV1(db: Database.Database): number {
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
  }
  db.exec(`
    INSERT INTO rollup_1m (device_id, bucket, n, sum, min, max)
      SELECT device_id, ${floorTo('ts', 60_000)} AS b, count(*), sum(speed), min(speed), max(speed)
      FROM readings GROUP BY device_id, b;
    INSERT INTO rollup_1h (device_id, bucket, n, sum, min, max)
      SELECT device_id, ${floorTo('bucket', 3_600_000)} AS b, sum(n), sum(sum), min(min), max(max)
      FROM rollup_1m GROUP BY device_id, b;
  `);
  return ids.length;
}

/**
 * Version 1 → 2 without copying a row: the speed rollups' columns are renamed to the per-signal
 * names, speed may be NULL from now on (a telemetry reading without it), every other signal gets
 * its columns (instant, see ensureSignalColumns), and each device's latest speed is read once
 * through the time index. Cost: one index seek per device, whatever the store's size, so readers
 * wait a moment and a process killed meanwhile leaves version 1 intact (one transaction).
 */
function toV2(db: Database.Database, catalog: SignalCatalog, midway?: () => void): number {
  for (const table of ROLLUP_TABLES) {
    const [n, sum, min, max] = rollupColumns('speed');
    db.exec(`
      ALTER TABLE ${table} RENAME COLUMN n TO ${n};
      ALTER TABLE ${table} RENAME COLUMN sum TO ${sum};
      ALTER TABLE ${table} RENAME COLUMN min TO ${min};
      ALTER TABLE ${table} RENAME COLUMN max TO ${max};
    `);
    dropNotNull(db, table, [min, max]);
  }
  midway?.();
  dropNotNull(db, 'readings', ['speed']);
  ensureSignalColumns(db, catalog);
  const v = latestValueColumn('speed');
  const t = latestTimeColumn('speed');
  return db
    .prepare(
      `UPDATE devices SET (${v}, ${t}, fix_ts) = (
         SELECT speed, ts, NULL FROM readings r WHERE r.device_id = devices.device_id
         ORDER BY ts DESC, seq DESC LIMIT 1)`,
    )
    .run().changes;
}

/**
 * Brings a writable database to SCHEMA_VERSION in one transaction, then adds the columns of
 * catalog signals it lacks. Returns what it did, or undefined when there was nothing to do.
 */
export function migrate(
  db: Database.Database,
  catalog: SignalCatalog,
  hooks: {
    /** Told before an upgrade starts (readers wait meanwhile). */
    starting?: (from: number, to: number) => void;
    /** Test-only (FAULT_INJECTION=store-migration-crash): called inside the transaction, mid-way. */
    midway?: () => void;
  } = {},
): MigrationReport | undefined {
  const started = Date.now();
  const midway = hooks.midway;
  let fresh = false;
  let version = 0;
  let devices = 0;
  let columnsAdded = 0;
  // BEGIN IMMEDIATE, and the version read inside: several collectors may start on one file at
  // once, and the one that waits must see what the first did (not upgrade it a second time).
  db.transaction(() => {
    fresh = !columnsOf(db, 'readings').has('device_id');
    version = db.pragma('user_version', { simple: true }) as number;
    if (!fresh && version < SCHEMA_VERSION) hooks.starting?.(version, SCHEMA_VERSION);
    if (fresh) {
      db.exec(V2_TABLES);
      ensureSignalColumns(db, catalog);
      db.exec(TIME_INDEX);
      db.exec(GEO_TABLES);
      db.exec(GEO_COARSE_TRACK);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
      return;
    }
    if (version < 1) {
      db.exec(V0_TABLES);
      devices = toV1(db);
    }
    if (version < 2) {
      devices = toV2(db, catalog, midway);
    }
    // Version 2 → 3: new empty tables only, whatever the store's size.
    if (version < 3) db.exec(GEO_TABLES);
    // 3 → 4: one new empty table.
    if (version < 4) db.exec(GEO_COARSE_TRACK);
    if (version < SCHEMA_VERSION) db.pragma(`user_version = ${SCHEMA_VERSION}`);
    columnsAdded = ensureSignalColumns(db, catalog);
  }).immediate();
  if (fresh || (version >= SCHEMA_VERSION && columnsAdded === 0)) return undefined;
  return { from: version, to: SCHEMA_VERSION, devices, columnsAdded, ms: Date.now() - started };
}
