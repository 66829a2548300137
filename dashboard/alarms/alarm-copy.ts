// The dashboard's copy of the alarms (DASHBOARD_STATE_PATH, SQLite): every version it heard, newest kept, cleared ones included.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Alarm, AlarmMessage, AlarmSeverity, AlarmState } from '../../core/contract.js';
import type { AlarmQueryState } from '../../core/dashboard-contract.js';

export interface AlarmQuery {
  state: AlarmQueryState;
  deviceId: string | undefined;
  /** Only alarms of these vehicles (a non-admin's groups); undefined: every alarm, fleet-wide ones too. */
  devices?: ReadonlySet<string> | undefined;
  limit: number;
}

interface Row {
  id: string;
  device_id: string | null;
  rule: string;
  severity: string;
  state: string;
  started_at: string;
  updated_at: string;
  cleared_at: string | null;
  acknowledged_at: string | null;
  value: number | null;
  message: string;
  version: number;
}

const toAlarm = (r: Row): Alarm => ({
  id: r.id,
  device_id: r.device_id,
  rule: r.rule,
  severity: r.severity as AlarmSeverity,
  state: r.state as AlarmState,
  started_at: r.started_at,
  updated_at: r.updated_at,
  cleared_at: r.cleared_at,
  acknowledged_at: r.acknowledged_at,
  value: r.value,
  message: r.message,
});

const SCHEMA = `
CREATE TABLE IF NOT EXISTS alarms (
  id TEXT PRIMARY KEY,
  device_id TEXT,
  rule TEXT NOT NULL,
  severity TEXT NOT NULL,
  state TEXT NOT NULL,
  started_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  cleared_at TEXT,
  acknowledged_at TEXT,
  value REAL,
  message TEXT NOT NULL,
  version INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS alarms_by_state ON alarms (state, started_at);
CREATE INDEX IF NOT EXISTS alarms_by_device ON alarms (device_id, started_at);
`;

const STATES: Record<AlarmQueryState, readonly AlarmState[]> = {
  active: ['open', 'acknowledged'],
  acknowledged: ['acknowledged'],
  cleared: ['cleared'],
  all: ['open', 'acknowledged', 'cleared'],
};

/**
 * Why a copy at all: the collector and the dashboard may run on different hosts, and history
 * (cleared alarms) must survive a dashboard restart. The collector's state file stays the truth;
 * this copy follows it over MQTT and only ever moves to a newer version of an alarm.
 */
export class AlarmCopy {
  private db: Database.Database | undefined;
  private s: ReturnType<AlarmCopy['prepare']> | undefined;

  constructor(private readonly path: string) {}

  start(): void {
    if (this.path !== ':memory:') mkdirSync(dirname(this.path), { recursive: true });
    const db = new Database(this.path);
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 1000');
    db.exec(SCHEMA);
    this.db = db;
    this.s = this.prepare(db);
  }

  private prepare(db: Database.Database) {
    return {
      version: db.prepare<[string], { version: number }>('SELECT version FROM alarms WHERE id = ?'),
      upsert: db.prepare(
        'INSERT INTO alarms (id, device_id, rule, severity, state, started_at, updated_at, cleared_at, ' +
          'acknowledged_at, value, message, version) VALUES (@id, @device_id, @rule, @severity, @state, ' +
          '@started_at, @updated_at, @cleared_at, @acknowledged_at, @value, @message, @version) ' +
          'ON CONFLICT (id) DO UPDATE SET state = @state, updated_at = @updated_at, cleared_at = @cleared_at, ' +
          'acknowledged_at = @acknowledged_at, value = @value, message = @message, version = @version ' +
          'WHERE alarms.version < @version',
      ),
      get: db.prepare<[string], Row>('SELECT * FROM alarms WHERE id = ?'),
    };
  }

  private get statements() {
    if (!this.s) throw new Error('alarm copy not started');
    return this.s;
  }

  /** Stores the message if it is newer than what is kept; true when something changed. */
  upsert(m: AlarmMessage): boolean {
    return this.statements.upsert.run(m).changes > 0;
  }

  get(id: string): Alarm | undefined {
    const row = this.statements.get.get(id);
    return row && toAlarm(row);
  }

  list(q: AlarmQuery): Alarm[] {
    const db = this.db;
    if (!db) throw new Error('alarm copy not started');
    const states = STATES[q.state];
    const where = [`state IN (${states.map(() => '?').join(', ')})`];
    const params: Array<string | number> = [...states];
    if (q.deviceId !== undefined) {
      where.push('device_id = ?');
      params.push(q.deviceId);
    }
    if (q.devices !== undefined) {
      where.push('device_id IN (SELECT value FROM json_each(?))');
      params.push(JSON.stringify([...q.devices]));
    }
    params.push(q.limit);
    const rows = db
      .prepare<Array<string | number>, Row>(
        `SELECT * FROM alarms WHERE ${where.join(' AND ')} ORDER BY started_at DESC, id LIMIT ?`,
      )
      .all(...params);
    return rows.map(toAlarm);
  }

  stop(): void {
    this.db?.close();
    this.db = undefined;
    this.s = undefined;
  }
}
