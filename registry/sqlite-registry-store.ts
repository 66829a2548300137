// The registry in SQLite (the dashboard's own state file, DASHBOARD_STATE_PATH): one row per registered device.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { RegistryEntry } from './entry.js';
import type { RegistryChange, RegistryStore } from './registry-store.js';

const TABLE = `
CREATE TABLE IF NOT EXISTS registry (
  device_id TEXT PRIMARY KEY,
  name TEXT,
  plate TEXT,
  speed_limit_kmh REAL
) WITHOUT ROWID;
`;

interface Statements {
  list: Database.Statement<[], RegistryEntry>;
  get: Database.Statement<[string], RegistryEntry>;
  upsert: Database.Statement<RegistryEntry>;
  remove: Database.Statement<[string]>;
}

/**
 * The file may be shared with other parts of the dashboard's state (each keeps its own tables);
 * WAL lets them open their own connections to it.
 */
export class SqliteRegistryStore implements RegistryStore {
  private db: Database.Database | undefined;
  private stmts: Statements | undefined;

  constructor(private readonly path: string) {}

  async start(): Promise<void> {
    if (this.db) return;
    mkdirSync(dirname(this.path), { recursive: true });
    const db = new Database(this.path);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 2000');
    db.exec(TABLE);
    this.stmts = {
      list: db.prepare(
        'SELECT device_id, name, plate, speed_limit_kmh FROM registry ORDER BY device_id',
      ),
      get: db.prepare(
        'SELECT device_id, name, plate, speed_limit_kmh FROM registry WHERE device_id = ?',
      ),
      upsert: db.prepare(
        `INSERT INTO registry (device_id, name, plate, speed_limit_kmh)
         VALUES (@device_id, @name, @plate, @speed_limit_kmh)
         ON CONFLICT (device_id) DO UPDATE SET name = excluded.name, plate = excluded.plate,
           speed_limit_kmh = excluded.speed_limit_kmh`,
      ),
      remove: db.prepare('DELETE FROM registry WHERE device_id = ?'),
    };
    this.db = db;
  }

  private statements(): Statements {
    if (!this.stmts) throw new Error('SqliteRegistryStore not started');
    return this.stmts;
  }

  async list(): Promise<RegistryEntry[]> {
    return this.statements().list.all();
  }

  async get(deviceId: string): Promise<RegistryEntry | undefined> {
    return this.statements().get.get(deviceId);
  }

  async put(
    deviceId: string,
    change: RegistryChange,
  ): Promise<{ entry: RegistryEntry; created: boolean }> {
    const s = this.statements();
    const db = this.db as Database.Database;
    // Read and write in one transaction: two PUTs of one device never lose each other's fields.
    return db
      .transaction(() => {
        const before = s.get.get(deviceId);
        const entry: RegistryEntry = {
          device_id: deviceId,
          name: change.name !== undefined ? change.name : (before?.name ?? null),
          plate: change.plate !== undefined ? change.plate : (before?.plate ?? null),
          speed_limit_kmh:
            change.speed_limit_kmh !== undefined
              ? change.speed_limit_kmh
              : (before?.speed_limit_kmh ?? null),
        };
        s.upsert.run(entry);
        return { entry, created: before === undefined };
      })
      .immediate();
  }

  async remove(deviceId: string): Promise<boolean> {
    return this.statements().remove.run(deviceId).changes > 0;
  }

  async stop(): Promise<void> {
    this.db?.close();
    this.db = undefined;
    this.stmts = undefined;
  }
}
