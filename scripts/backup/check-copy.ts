// Checks a copied SQLite store: integrity, row counts, and every device's coverage against its rows.
import Database from 'better-sqlite3';

export interface CopyCheck {
  integrity: string;
  schemaVersion: number;
  /** Rows per table of the telemetry schema (tables it lacks are left out). */
  rows: Record<string, number>;
  devices: number;
  /** Devices whose stored rows reach above their coverage (highest seq, watermark): none in a consistent copy. */
  inconsistentDevices: string[];
}

const TABLES = ['readings', 'rollup_1m', 'rollup_1h', 'devices'];

/**
 * Opens the copy, turns it into a single self-contained file (rollback journal instead of WAL),
 * and checks it. `PRAGMA integrity_check` reads every page; the coverage check needs each
 * device's highest stored seq, read from the primary key.
 */
export function checkCopy(path: string): CopyCheck {
  const db = new Database(path, { fileMustExist: true });
  try {
    db.pragma('journal_mode = DELETE');
    const integrity = (db.pragma('integrity_check') as Array<{ integrity_check: string }>)
      .map((r) => r.integrity_check)
      .join('; ');
    const present = new Set(
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[],
    );
    const rows: Record<string, number> = {};
    for (const table of TABLES) {
      if (present.has(table)) {
        rows[table] = db.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
      }
    }
    let inconsistentDevices: string[] = [];
    const hasCoverage =
      present.has('readings') &&
      present.has('devices') &&
      db
        .prepare("SELECT count(*) FROM pragma_table_info('devices') WHERE name = 'watermark'")
        .pluck()
        .get() === 1;
    if (hasCoverage) {
      inconsistentDevices = db
        .prepare(
          `SELECT m.device_id FROM (SELECT device_id, max(seq) AS hi FROM readings GROUP BY device_id) m
           LEFT JOIN devices d ON d.device_id = m.device_id
           WHERE d.device_id IS NULL OR m.hi > d.last_seq OR d.watermark > d.last_seq`,
        )
        .pluck()
        .all() as string[];
    }
    return {
      integrity,
      schemaVersion: db.pragma('user_version', { simple: true }) as number,
      rows,
      devices: rows.devices ?? 0,
      inconsistentDevices,
    };
  } finally {
    db.close();
  }
}
