// Where a simulated vehicle's state is kept: one row per vehicle in its queue file (per-device or the fleet's), beside its readings and command journal.
import type Database from 'better-sqlite3';
import type { VehicleSnapshot } from './vehicle-sim.js';

export const MEMORY_SCHEMA = `
CREATE TABLE IF NOT EXISTS vehicle_state (
  device_id TEXT PRIMARY KEY, state TEXT NOT NULL
) WITHOUT ROWID;
`;

export interface SnapshotStore {
  load(): VehicleSnapshot | undefined;
  save(s: VehicleSnapshot): void;
  close(): void;
}

/** Prepared once per file and shared by every vehicle in it (10,000 in a fleet's file). */
export function memoryStatements(db: Database.Database) {
  db.exec(MEMORY_SCHEMA);
  return {
    get: db.prepare<[string], { state: string }>(
      'SELECT state FROM vehicle_state WHERE device_id = ?',
    ),
    put: db.prepare<[string, string]>(
      'INSERT INTO vehicle_state VALUES (?, ?) ON CONFLICT (device_id) DO UPDATE SET state = excluded.state',
    ),
  };
}
export type MemoryStatements = ReturnType<typeof memoryStatements>;

/** One vehicle's row in the file's vehicle_state table. */
export function snapshotStore(
  { get, put }: MemoryStatements,
  deviceId: string,
  close: () => void,
): SnapshotStore {
  let closed = false;
  return {
    load: () => {
      const row = get.get(deviceId);
      if (!row) return undefined;
      try {
        const s = JSON.parse(row.state) as VehicleSnapshot;
        const fields = [s.at, s.x, s.y, s.odometerKm, s.fuelPct, s.coolantC];
        return fields.every((v) => typeof v === 'number' && Number.isFinite(v)) ? s : undefined;
      } catch {
        return undefined; // a damaged row: start the day afresh
      }
    },
    save: (s) => {
      if (!closed) put.run(deviceId, JSON.stringify(s));
    },
    close: () => {
      if (closed) return;
      closed = true;
      close();
    },
  };
}
