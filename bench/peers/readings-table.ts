// The plain readings table a Node-RED user makes for "MQTT in, SQLite out", and its row count.
import Database from 'better-sqlite3';

/**
 * One row per message: device_id, seq, the timestamp as sent, and one column per signal of the
 * full telemetry payload (speed-only readings leave all but speed NULL). No key, no index: what a
 * user types before wiring the flow. Created once before Node-RED starts, in SQLite's defaults
 * (rollback journal, synchronous FULL), which the sqlite node keeps.
 */
export const READINGS_COLUMNS = [
  'device_id',
  'seq',
  'ts',
  'speed',
  'lat',
  'lon',
  'alt',
  'acc',
  'heading',
  'ignition',
  'odometer_km',
  'fuel_pct',
  'battery_v',
  'battery_pct',
  'coolant_c',
  'rpm',
] as const;

const TYPES: Record<string, string> = {
  device_id: 'TEXT NOT NULL',
  seq: 'INTEGER NOT NULL',
  ts: 'TEXT NOT NULL',
  ignition: 'INTEGER',
  alt: 'INTEGER',
  acc: 'INTEGER',
  battery_pct: 'INTEGER',
  coolant_c: 'INTEGER',
  rpm: 'INTEGER',
};

export function createReadingsTable(path: string): void {
  const db = new Database(path);
  try {
    const columns = READINGS_COLUMNS.map((c) => `${c} ${TYPES[c] ?? 'REAL'}`).join(', ');
    db.exec(`CREATE TABLE readings (${columns})`);
  } finally {
    db.close();
  }
}

/** One number from the SQLite file at `path` (0 while it cannot be read). */
function scalar(path: string, sql: string): number {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare(sql).get() as { n: number | null }).n ?? 0;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

/** Rows in `table` (a full count: once, at the end). */
export const countRows = (path: string, table = 'readings'): number =>
  scalar(path, `SELECT count(*) AS n FROM ${table}`);

/**
 * Rows in the readings table while Node-RED writes it: the last rowid (no row is ever deleted), a
 * lookup instead of a scan, so the poll's read lock, which holds off the writer's commits in a
 * rollback journal, stays short.
 */
export const lastRowid = (path: string): number =>
  scalar(path, 'SELECT max(rowid) AS n FROM readings');
