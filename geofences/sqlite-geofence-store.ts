// The geofences in SQLite (the dashboard's own state file, DASHBOARD_STATE_PATH): one row per geofence, its shape as JSON.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { GeofenceBody } from '../core/geo-wire.js';
import {
  type GeofenceInput,
  GeofenceNameTakenError,
  type GeofenceStore,
} from './geofence-store.js';

const TABLE = `
CREATE TABLE IF NOT EXISTS geofences (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  shape TEXT NOT NULL,
  speed_limit_kmh REAL
);
`;

interface Row {
  id: number;
  name: string;
  shape: string;
  speed_limit_kmh: number | null;
}

const bodyOf = (r: Row): GeofenceBody => ({
  id: r.id,
  name: r.name,
  shape: JSON.parse(r.shape) as unknown,
  ...(r.speed_limit_kmh === null ? {} : { speed_limit_kmh: r.speed_limit_kmh }),
});

/** AUTOINCREMENT: an id is never reused, so an event's geofence_id never names a later zone. */
export class SqliteGeofenceStore implements GeofenceStore {
  private db: Database.Database | undefined;

  constructor(private readonly path: string) {}

  async start(): Promise<void> {
    if (this.db) return;
    mkdirSync(dirname(this.path), { recursive: true });
    const db = new Database(this.path);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 2000');
    db.exec(TABLE);
    this.db = db;
  }

  private conn(): Database.Database {
    if (!this.db) throw new Error('SqliteGeofenceStore not started');
    return this.db;
  }

  async list(): Promise<GeofenceBody[]> {
    return this.conn()
      .prepare<[], Row>('SELECT id, name, shape, speed_limit_kmh FROM geofences ORDER BY id')
      .all()
      .map(bodyOf);
  }

  async get(id: number): Promise<GeofenceBody | undefined> {
    return this.getSync(id);
  }

  private taken(name: string, except: number): void {
    const other = this.conn()
      .prepare<[string, number], number>('SELECT id FROM geofences WHERE name = ? AND id != ?')
      .pluck()
      .get(name, except);
    if (other !== undefined) throw new GeofenceNameTakenError(name);
  }

  async create(input: GeofenceInput): Promise<GeofenceBody> {
    const db = this.conn();
    return db
      .transaction(() => {
        this.taken(input.name, -1);
        const { lastInsertRowid } = db
          .prepare('INSERT INTO geofences (name, shape, speed_limit_kmh) VALUES (?, ?, ?)')
          .run(input.name, JSON.stringify(input.shape), input.speed_limit_kmh ?? null);
        return this.getSync(Number(lastInsertRowid)) as GeofenceBody;
      })
      .immediate();
  }

  async update(id: number, input: GeofenceInput): Promise<GeofenceBody | undefined> {
    const db = this.conn();
    return db
      .transaction(() => {
        this.taken(input.name, id);
        const { changes } = db
          .prepare('UPDATE geofences SET name = ?, shape = ?, speed_limit_kmh = ? WHERE id = ?')
          .run(input.name, JSON.stringify(input.shape), input.speed_limit_kmh ?? null, id);
        return changes === 0 ? undefined : this.getSync(id);
      })
      .immediate();
  }

  private getSync(id: number): GeofenceBody | undefined {
    const row = this.conn()
      .prepare<[number], Row>('SELECT id, name, shape, speed_limit_kmh FROM geofences WHERE id = ?')
      .get(id);
    return row && bodyOf(row);
  }

  async remove(id: number): Promise<boolean> {
    return this.conn().prepare('DELETE FROM geofences WHERE id = ?').run(id).changes > 0;
  }

  async stop(): Promise<void> {
    this.db?.close();
    this.db = undefined;
  }
}
