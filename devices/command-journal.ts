// A vehicle's command journal in its queue file: every command id with its first answer, and the settings commands left behind.
import type Database from 'better-sqlite3';

/** What commands changed on this vehicle; undefined: never set (the configured default applies). */
export interface VehicleSettings {
  intervalMs: number | undefined;
  /** null: no limit. */
  speedLimitKmh: number | null;
}

export type SettingChange = { intervalMs: number } | { speedLimitKmh: number | null };

export interface JournalEntry {
  commandId: string;
  /** The result message exactly as first published. */
  answer: string;
  /** Times the command arrived (redeliveries after a crash, republished commands). */
  deliveries: number;
  /** The broker acknowledged the answer. */
  delivered: boolean;
}

export interface CommandJournal {
  find(commandId: string): JournalEntry | undefined;
  /** Another delivery of a known command. */
  noteDelivery(commandId: string): void;
  /**
   * Records the answer, and the setting it made, in one fsynced transaction: both or neither.
   * Throws when the file cannot take it (the caller answers `failed` then).
   */
  record(commandId: string, expiresAt: number, answer: string, change?: SettingChange): void;
  markDelivered(commandId: string): void;
  /** Answers not yet acknowledged by the broker, oldest first (sent again on every connect). */
  undelivered(): Array<{ commandId: string; answer: string }>;
  settings(): VehicleSettings;
  close(): void;
}

export const JOURNAL_SCHEMA = `
CREATE TABLE IF NOT EXISTS commands (
  device_id TEXT NOT NULL, command_id TEXT NOT NULL, answer TEXT NOT NULL,
  expires_at INTEGER NOT NULL, deliveries INTEGER NOT NULL, delivered INTEGER NOT NULL,
  recorded_at INTEGER NOT NULL,
  PRIMARY KEY (device_id, command_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS settings (
  device_id TEXT PRIMARY KEY, interval_ms INTEGER, speed_limit_kmh REAL
) WITHOUT ROWID;
`;

interface Row {
  command_id: string;
  answer: string;
  deliveries: number;
  delivered: number;
}

/**
 * Answers of commands that expired this long ago are forgotten (a redelivery after that is
 * refused as expired, so it still does not run).
 */
export const KEEP_EXPIRED_MS = 24 * 60 * 60 * 1000;

/**
 * Prepared once per file and shared by every vehicle's journal in it; forgets old answers of
 * every vehicle in the file at once (one statement, not one per vehicle of a 10,000-vehicle fleet).
 */
export function journalStatements(db: Database.Database, now: number) {
  db.exec(JOURNAL_SCHEMA);
  db.prepare('DELETE FROM commands WHERE delivered = 1 AND expires_at < ?').run(
    now - KEEP_EXPIRED_MS,
  );
  return {
    find: db.prepare<[string, string], Row>(
      'SELECT command_id, answer, deliveries, delivered FROM commands WHERE device_id = ? AND command_id = ?',
    ),
    insert: db.prepare<[string, string, string, number, number]>(
      'INSERT INTO commands VALUES (?, ?, ?, ?, 1, 0, ?)',
    ),
    delivery: db.prepare<[string, string]>(
      'UPDATE commands SET deliveries = deliveries + 1 WHERE device_id = ? AND command_id = ?',
    ),
    delivered: db.prepare<[string, string]>(
      'UPDATE commands SET delivered = 1 WHERE device_id = ? AND command_id = ?',
    ),
    undelivered: db.prepare<[string], { command_id: string; answer: string }>(
      'SELECT command_id, answer FROM commands WHERE device_id = ? AND delivered = 0 ORDER BY recorded_at',
    ),
    settings: db.prepare<[string], { interval_ms: number | null; speed_limit_kmh: number | null }>(
      'SELECT interval_ms, speed_limit_kmh FROM settings WHERE device_id = ?',
    ),
    // Upserts: a vehicle gets a settings row only once a command sets something.
    setInterval: db.prepare<[string, number]>(
      `INSERT INTO settings (device_id, interval_ms) VALUES (?, ?)
       ON CONFLICT (device_id) DO UPDATE SET interval_ms = excluded.interval_ms`,
    ),
    setSpeedLimit: db.prepare<[string, number | null]>(
      `INSERT INTO settings (device_id, speed_limit_kmh) VALUES (?, ?)
       ON CONFLICT (device_id) DO UPDATE SET speed_limit_kmh = excluded.speed_limit_kmh`,
    ),
  };
}
export type JournalStatements = ReturnType<typeof journalStatements>;

export interface JournalIo {
  /** Test-only FAULT_INJECTION=command-store-error: writing a setting fails like a full disk. */
  failSettings?: boolean;
  now: () => number;
  close: () => void;
}

export function createJournal(
  db: Database.Database,
  s: JournalStatements,
  deviceId: string,
  io: JournalIo,
): CommandJournal {
  let closed = false;
  const write = (change: SettingChange) => {
    if (io.failSettings) throw new Error('injected fault: setting not stored');
    if ('intervalMs' in change) s.setInterval.run(deviceId, change.intervalMs);
    else s.setSpeedLimit.run(deviceId, change.speedLimitKmh);
  };
  const recordTx = db.transaction(
    (commandId: string, expiresAt: number, answer: string, change?: SettingChange) => {
      s.insert.run(deviceId, commandId, answer, expiresAt, io.now());
      if (change) write(change);
    },
  );
  return {
    find: (commandId) => {
      const row = s.find.get(deviceId, commandId);
      return (
        row && {
          commandId: row.command_id,
          answer: row.answer,
          deliveries: row.deliveries,
          delivered: row.delivered === 1,
        }
      );
    },
    noteDelivery: (commandId) => {
      s.delivery.run(deviceId, commandId);
    },
    record: (commandId, expiresAt, answer, change) => {
      // Readings use synchronous=NORMAL (a power cut may lose the last ones, which are resent
      // anyway); a command's record is what makes it run once, so it is fsynced. Commands are
      // rare: the cost does not matter.
      db.pragma('synchronous = FULL');
      try {
        recordTx(commandId, expiresAt, answer, change);
      } finally {
        db.pragma('synchronous = NORMAL');
      }
    },
    markDelivered: (commandId) => {
      s.delivered.run(deviceId, commandId);
    },
    undelivered: () =>
      s.undelivered.all(deviceId).map((r) => ({ commandId: r.command_id, answer: r.answer })),
    settings: () => {
      const row = s.settings.get(deviceId);
      return {
        intervalMs: row?.interval_ms ?? undefined,
        speedLimitKmh: row?.speed_limit_kmh ?? null,
      };
    },
    close: () => {
      if (closed) return;
      closed = true;
      io.close();
    },
  };
}
