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

/** Rows in `table` of the SQLite file at `path`, counted once its writer has stopped. */
export function countRows(path: string, table = 'readings'): number {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/**
 * Rows in the readings table while Node-RED writes it, from one read-only connection kept open: the
 * last rowid (no row is ever deleted), a lookup instead of a scan. In a rollback journal a reader's
 * lock holds off the writer's commit and the writer's holds off the reader, so a read waits at most
 * 50 ms and says `undefined` (not known) rather than stall the poll or the writer.
 */
export class RowWatch {
  private db: Database.Database | undefined;

  constructor(private readonly path: string) {}

  rows(): number | undefined {
    try {
      this.db ??= new Database(this.path, { readonly: true, fileMustExist: true, timeout: 50 });
      const row = this.db.prepare('SELECT max(rowid) AS n FROM readings').get() as {
        n: number | null;
      };
      return row.n ?? 0;
    } catch {
      return undefined;
    }
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }
}
