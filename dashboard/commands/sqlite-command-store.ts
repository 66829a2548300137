// CommandStore on SQLite (DASHBOARD_STATE_PATH): WAL, fsynced commits, state changes as guarded UPDATEs.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { CommandStatus } from '../../core/dashboard-contract.js';
import type { CommandStore, StoredCommand } from './command-store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS commands (
  seq INTEGER PRIMARY KEY,
  command_id TEXT NOT NULL UNIQUE,
  device_id TEXT NOT NULL,
  name TEXT NOT NULL,
  params TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  published_at INTEGER,
  sent_at INTEGER,
  result TEXT,
  error TEXT
);
CREATE INDEX IF NOT EXISTS commands_by_device ON commands (device_id, seq);
CREATE INDEX IF NOT EXISTS commands_pending ON commands (device_id, seq)
  WHERE status IN ('queued', 'sent');
`;

interface Row {
  command_id: string;
  device_id: string;
  name: string;
  params: string;
  status: CommandStatus;
  created_at: number;
  updated_at: number;
  expires_at: number;
  published_at: number | null;
  sent_at: number | null;
  result: string | null;
  error: string | null;
}

const COLUMNS =
  'command_id, device_id, name, params, status, created_at, updated_at, expires_at, published_at, sent_at, result, error';
const PENDING_SQL = "status IN ('queued', 'sent')";

function fromRow(r: Row): StoredCommand {
  return {
    commandId: r.command_id,
    deviceId: r.device_id,
    name: r.name,
    params: JSON.parse(r.params) as Record<string, unknown>,
    status: r.status,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    expiresAt: r.expires_at,
    publishedAt: r.published_at ?? undefined,
    sentAt: r.sent_at ?? undefined,
    result: r.result === null ? undefined : (JSON.parse(r.result) as Record<string, unknown>),
    error: r.error ?? undefined,
  };
}

function statements(db: Database.Database) {
  return {
    insert: db.prepare<[string, string, string, string, number, number, number], Row>(
      `INSERT INTO commands (command_id, device_id, name, params, status, created_at, updated_at, expires_at)
       VALUES (?, ?, ?, ?, 'queued', ?, ?, ?) RETURNING ${COLUMNS}`,
    ),
    get: db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM commands WHERE command_id = ?`),
    list: db.prepare<[string, number], Row>(
      `SELECT ${COLUMNS} FROM commands WHERE device_id = ? ORDER BY seq DESC LIMIT ?`,
    ),
    head: db.prepare<[string], Row>(
      `SELECT ${COLUMNS} FROM commands WHERE device_id = ? AND ${PENDING_SQL} ORDER BY seq LIMIT 1`,
    ),
    pendingCount: db.prepare<[string], { n: number }>(
      `SELECT count(*) AS n FROM commands WHERE device_id = ? AND ${PENDING_SQL}`,
    ),
    pendingDevices: db.prepare<[], { device_id: string }>(
      `SELECT DISTINCT device_id FROM commands WHERE ${PENDING_SQL}`,
    ),
    published: db.prepare<[number, string]>(
      'UPDATE commands SET published_at = coalesce(published_at, ?) WHERE command_id = ?',
    ),
    sent: db.prepare<[number, number, string], Row>(
      `UPDATE commands SET status = 'sent', sent_at = ?, updated_at = ?
       WHERE command_id = ? AND status = 'queued' RETURNING ${COLUMNS}`,
    ),
    answer: db.prepare<[string, string | null, string | null, number, string, string], Row>(
      `UPDATE commands SET status = ?, result = ?, error = ?, updated_at = ?
       WHERE command_id = ? AND device_id = ? AND status IN ('queued', 'sent', 'timed_out')
       RETURNING ${COLUMNS}`,
    ),
    settle: db.prepare<{ now: number; timeout: number; timeoutText: string }, Row>(
      `UPDATE commands SET
         status = CASE WHEN status = 'queued' AND published_at IS NULL THEN 'expired' ELSE 'timed_out' END,
         error = CASE
           WHEN status = 'sent' THEN 'no answer within ' || @timeoutText || ' of being sent'
           WHEN published_at IS NULL THEN 'expires_at passed before it could be sent (vehicle offline or busy)'
           ELSE 'expires_at passed; the broker never acknowledged it' END,
         updated_at = @now
       WHERE ${PENDING_SQL} AND (
         (status = 'queued' AND expires_at <= @now) OR (status = 'sent' AND sent_at + @timeout <= @now))
       RETURNING ${COLUMNS}`,
    ),
    nextDeadline: db.prepare<[number], { at: number | null }>(
      `SELECT min(CASE WHEN status = 'queued' THEN expires_at ELSE sent_at + ? END) AS at
       FROM commands WHERE ${PENDING_SQL}`,
    ),
    prune: db.prepare<[number]>(`DELETE FROM commands WHERE NOT ${PENDING_SQL} AND updated_at < ?`),
  };
}

export class SqliteCommandStore implements CommandStore {
  private db: Database.Database | undefined;
  private s: ReturnType<typeof statements> | undefined;

  constructor(private readonly path: string) {}

  private get stmts(): ReturnType<typeof statements> {
    if (!this.s) throw new Error('command store not started');
    return this.s;
  }

  start(): void {
    if (this.db) return;
    if (this.path !== ':memory:') mkdirSync(dirname(this.path), { recursive: true });
    const db = new Database(this.path);
    db.pragma('journal_mode = WAL');
    // A stored command is a promise to the user: every commit is fsynced (commands are rare).
    db.pragma('synchronous = FULL');
    db.exec(SCHEMA);
    this.db = db;
    this.s = statements(db);
  }

  insert(c: Parameters<CommandStore['insert']>[0]): StoredCommand {
    const row = this.stmts.insert.get(
      c.commandId,
      c.deviceId,
      c.name,
      JSON.stringify(c.params),
      c.createdAt,
      c.createdAt,
      c.expiresAt,
    );
    if (!row) throw new Error('insert returned nothing');
    return fromRow(row);
  }

  get(commandId: string): StoredCommand | undefined {
    const row = this.stmts.get.get(commandId);
    return row && fromRow(row);
  }

  list(deviceId: string, limit: number): StoredCommand[] {
    return this.stmts.list.all(deviceId, limit).map(fromRow);
  }

  head(deviceId: string): StoredCommand | undefined {
    const row = this.stmts.head.get(deviceId);
    return row && fromRow(row);
  }

  pendingCount(deviceId: string): number {
    return this.stmts.pendingCount.get(deviceId)?.n ?? 0;
  }

  pendingDevices(): string[] {
    return this.stmts.pendingDevices.all().map((r) => r.device_id);
  }

  markPublished(commandId: string, at: number): void {
    this.stmts.published.run(at, commandId);
  }

  markSent(commandId: string, at: number): StoredCommand | undefined {
    const row = this.stmts.sent.get(at, at, commandId);
    return row && fromRow(row);
  }

  recordAnswer(
    commandId: string,
    deviceId: string,
    answer: Parameters<CommandStore['recordAnswer']>[2],
    at: number,
  ): StoredCommand | undefined {
    const row = this.stmts.answer.get(
      answer.status,
      answer.result === undefined ? null : JSON.stringify(answer.result),
      answer.error ?? null,
      at,
      commandId,
      deviceId,
    );
    return row && fromRow(row);
  }

  settleDue(now: number, timeoutMs: number): StoredCommand[] {
    const timeoutText = `${timeoutMs / 1000} s`;
    return this.stmts.settle.all({ now, timeout: timeoutMs, timeoutText }).map(fromRow);
  }

  nextDeadline(timeoutMs: number): number | undefined {
    return this.stmts.nextDeadline.get(timeoutMs)?.at ?? undefined;
  }

  prune(before: number): number {
    return this.stmts.prune.run(before).changes;
  }

  stop(): void {
    if (this.db?.open) this.db.close();
    this.db = undefined;
    this.s = undefined;
  }
}
