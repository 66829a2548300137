// The registry in SQLite (the dashboard's own state file, DASHBOARD_STATE_PATH): one row per registered device.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { entryOf, type RegistryEntry } from './entry.js';
import {
  type RegistryChange,
  RegistryConflictError,
  type RegistryStore,
} from './registry-store.js';

const TABLE = `
CREATE TABLE IF NOT EXISTS registry (
  device_id TEXT PRIMARY KEY,
  name TEXT,
  plate TEXT,
  speed_limit_kmh REAL
) WITHOUT ROWID;
`;

/** Columns added after the first release: added to an older file at start. */
const ADDED_COLUMNS = [
  ['imei', 'TEXT'],
  ['protocol', 'TEXT'],
] as const;

type Row = Omit<RegistryEntry, 'imei' | 'protocol'> & {
  imei: string | null;
  protocol: RegistryEntry['protocol'] | null;
};

const COLUMNS = 'device_id, name, plate, speed_limit_kmh, imei, protocol';

interface Statements {
  list: Database.Statement<[], Row>;
  get: Database.Statement<[string], Row>;
  byImei: Database.Statement<[string], { device_id: string }>;
  upsert: Database.Statement<Row>;
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
    const have = new Set(
      db
        .prepare<[], { name: string }>('PRAGMA table_info(registry)')
        .all()
        .map((c) => c.name),
    );
    for (const [name, type] of ADDED_COLUMNS) {
      if (!have.has(name)) db.exec(`ALTER TABLE registry ADD COLUMN ${name} ${type}`);
    }
    db.exec(
      'CREATE UNIQUE INDEX IF NOT EXISTS registry_imei ON registry (imei) WHERE imei IS NOT NULL',
    );
    this.stmts = {
      list: db.prepare(`SELECT ${COLUMNS} FROM registry ORDER BY device_id`),
      get: db.prepare(`SELECT ${COLUMNS} FROM registry WHERE device_id = ?`),
      byImei: db.prepare('SELECT device_id FROM registry WHERE imei = ?'),
      upsert: db.prepare(
        `INSERT INTO registry (${COLUMNS})
         VALUES (@device_id, @name, @plate, @speed_limit_kmh, @imei, @protocol)
         ON CONFLICT (device_id) DO UPDATE SET name = excluded.name, plate = excluded.plate,
           speed_limit_kmh = excluded.speed_limit_kmh, imei = excluded.imei,
           protocol = excluded.protocol`,
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
    return this.statements().list.all().map(entryOf);
  }

  async get(deviceId: string): Promise<RegistryEntry | undefined> {
    const row = this.statements().get.get(deviceId);
    return row && entryOf(row);
  }

  async put(
    deviceId: string,
    change: RegistryChange,
  ): Promise<{ entry: RegistryEntry; created: boolean }> {
    const s = this.statements();
    const db = this.db as Database.Database;
    const pick = <K extends keyof Row>(key: K, before: Row | undefined): Row[K] => {
      const v = change[key as keyof RegistryChange] as Row[K] | undefined;
      return v !== undefined ? v : ((before?.[key] ?? null) as Row[K]);
    };
    // Read and write in one transaction: two PUTs of one device never lose each other's fields.
    return db
      .transaction(() => {
        const before = s.get.get(deviceId);
        const row: Row = {
          device_id: deviceId,
          name: pick('name', before),
          plate: pick('plate', before),
          speed_limit_kmh: pick('speed_limit_kmh', before),
          imei: pick('imei', before),
          protocol: pick('protocol', before),
        };
        if (row.imei !== null) {
          const holder = s.byImei.get(row.imei)?.device_id;
          if (holder !== undefined && holder !== deviceId) {
            throw new RegistryConflictError(`imei ${row.imei} is already ${holder}'s`);
          }
        }
        s.upsert.run(row);
        return { entry: entryOf(row), created: before === undefined };
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
