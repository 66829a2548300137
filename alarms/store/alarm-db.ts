// The collector's state file (COLLECTOR_STATE_PATH): schema of the alarm tables, opened once, WAL.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS alarms (
  id TEXT PRIMARY KEY,
  scope TEXT NOT NULL,
  rule TEXT NOT NULL,
  severity TEXT NOT NULL,
  state TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  cleared_at INTEGER,
  acknowledged_at INTEGER,
  value REAL,
  message TEXT NOT NULL,
  version INTEGER NOT NULL,
  published_version INTEGER NOT NULL DEFAULT 0,
  notified_at INTEGER,
  repeats INTEGER NOT NULL DEFAULT 0
);
-- One alarm per (device, rule) while it is not cleared: enforced by the file itself.
CREATE UNIQUE INDEX IF NOT EXISTS alarms_one_active ON alarms (scope, rule) WHERE state <> 'cleared';
CREATE INDEX IF NOT EXISTS alarms_unpublished ON alarms (published_version, version);
CREATE TABLE IF NOT EXISTS alarm_rule_state (
  rule TEXT NOT NULL,
  scope TEXT NOT NULL,
  state TEXT NOT NULL,
  PRIMARY KEY (rule, scope)
);
CREATE TABLE IF NOT EXISTS alarm_devices (
  device_id TEXT PRIMARY KEY,
  status TEXT,
  status_since INTEGER NOT NULL,
  last_reading_at INTEGER,
  quiet_ms INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS alarm_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- The notification outbox: one row per (alarm, channel, transition), written in the transaction
-- that makes the transition, so a transition has exactly one notice whatever crashes when.
CREATE TABLE IF NOT EXISTS alarm_notices (
  id INTEGER PRIMARY KEY,
  alarm_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  kind TEXT NOT NULL,
  repeat_no INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  alert TEXT NOT NULL,
  state TEXT NOT NULL,
  batch_id TEXT,
  UNIQUE (alarm_id, channel, kind, repeat_no)
);
CREATE INDEX IF NOT EXISTS alarm_notices_pending ON alarm_notices (channel, state, batch_id, id);
CREATE TABLE IF NOT EXISTS alarm_batches (
  id TEXT PRIMARY KEY,
  channel TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  state TEXT NOT NULL,
  sent_at INTEGER,
  last_error TEXT
);
CREATE INDEX IF NOT EXISTS alarm_batches_pending ON alarm_batches (channel, state, created_at);
`;

export type AlarmDb = Database.Database;

/** Files written before a column existed get it (with its default). */
function migrate(db: AlarmDb): void {
  const columns = db.prepare('PRAGMA table_info(alarm_devices)').all() as Array<{ name: string }>;
  if (!columns.some((c) => c.name === 'quiet_ms')) {
    db.exec('ALTER TABLE alarm_devices ADD COLUMN quiet_ms INTEGER NOT NULL DEFAULT 0');
  }
}

/** Opens (creating) the state file. FULL sync: a transition is on disk before anyone hears of it. */
export function openAlarmDb(path: string): AlarmDb {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 1000');
  db.exec(SCHEMA);
  migrate(db);
  return db;
}
