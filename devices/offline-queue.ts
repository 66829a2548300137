// Device offline queues in SQLite (WAL): every reading stays on disk until it is acknowledged.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import type { AckedQueue } from '../core/queue/acked-queue.js';
import {
  type CommandJournal,
  createJournal,
  type JournalStatements,
  journalStatements,
} from './command-journal.js';
import {
  type MemoryStatements,
  memoryStatements,
  type SnapshotStore,
  snapshotStore,
} from './drive/snapshot-store.js';

export interface QueuedMessage {
  seq: number;
  payload: string;
}

export interface OfflineQueue extends AckedQueue {
  /** Allocates the next seq, builds the payload for it and stores both in one transaction. */
  append(build: (seq: number) => string): QueuedMessage;
  /** Oldest queued messages with seq > afterSeq, at most `limit`. */
  after(afterSeq: number, limit: number): QueuedMessage[];
  /** Deletes acknowledged messages. */
  remove(seqs: readonly number[]): void;
  /** Deletes every message with seq <= `seq`; returns how many. */
  removeThrough(seq: number): number;
  /** Smallest queued seq, undefined when empty. */
  oldest(): number | undefined;
  /** Makes the next append use at least `seq` (never goes back). */
  advanceSeq(seq: number): void;
  /** Seq ranges evicted because the queue was full, oldest first (drills tell drops from loss). */
  evictions(): Array<[number, number]>;
  readonly size: number;
  /** Readings evicted because the queue was full, over the queue's whole life. */
  readonly dropped: number;
  /** The seq the next append will get (persisted, so it continues across restarts). */
  readonly nextSeq: number;
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS queue (
  device_id TEXT NOT NULL, seq INTEGER NOT NULL, payload TEXT NOT NULL,
  PRIMARY KEY (device_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS devices (
  device_id TEXT PRIMARY KEY, next_seq INTEGER NOT NULL, dropped INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS evictions (
  device_id TEXT NOT NULL, from_seq INTEGER NOT NULL, to_seq INTEGER NOT NULL,
  PRIMARY KEY (device_id, from_seq)
) WITHOUT ROWID;
`;

type Seq = { seq: number };

function statements(db: Database.Database) {
  return {
    device: db.prepare<[string], { next_seq: number; dropped: number }>(
      'SELECT next_seq, dropped FROM devices WHERE device_id = ?',
    ),
    addDevice: db.prepare<[string]>('INSERT OR IGNORE INTO devices VALUES (?, 0, 0)'),
    /** next_seq only ever grows; it matters once rows are deleted (rows carry it until then). */
    setNextSeq: db.prepare<[number, string]>(
      'UPDATE devices SET next_seq = max(next_seq, ?) WHERE device_id = ?',
    ),
    maxSeq: db.prepare<[string], { seq: number | null }>(
      'SELECT max(seq) AS seq FROM queue WHERE device_id = ?',
    ),
    setDropped: db.prepare<[number, string]>('UPDATE devices SET dropped = ? WHERE device_id = ?'),
    insert: db.prepare<[string, number, string]>('INSERT INTO queue VALUES (?, ?, ?)'),
    oldestN: db.prepare<[string, number], Seq>(
      'SELECT seq FROM queue WHERE device_id = ? ORDER BY seq LIMIT ?',
    ),
    after: db.prepare<[string, number, number], QueuedMessage>(
      'SELECT seq, payload FROM queue WHERE device_id = ? AND seq > ? ORDER BY seq LIMIT ?',
    ),
    deleteOne: db.prepare<[string, number]>('DELETE FROM queue WHERE device_id = ? AND seq = ?'),
    deleteThrough: db.prepare<[string, number]>(
      'DELETE FROM queue WHERE device_id = ? AND seq <= ?',
    ),
    count: db.prepare<[string], { n: number }>(
      'SELECT count(*) AS n FROM queue WHERE device_id = ?',
    ),
    extendEviction: db.prepare<[number, string, number]>(
      'UPDATE evictions SET to_seq = ? WHERE device_id = ? AND to_seq = ?',
    ),
    addEviction: db.prepare<[string, number, number]>('INSERT INTO evictions VALUES (?, ?, ?)'),
    evictions: db.prepare<[string], { from_seq: number; to_seq: number }>(
      'SELECT from_seq, to_seq FROM evictions WHERE device_id = ? ORDER BY from_seq',
    ),
  };
}
type Statements = ReturnType<typeof statements>;

/**
 * One SQLite file holding the queues of one or more devices. synchronous=NORMAL in WAL mode: a
 * committed row survives the process being killed (the OS has it), but the last commits may be
 * lost on power failure; FULL would fsync every reading (~0.16 ms each here).
 */
export class QueueDatabase {
  private db: Database.Database | undefined;
  private stmts: Statements | undefined;
  private journalStmts: JournalStatements | undefined;
  private memoryStmts: MemoryStatements | undefined;
  private views = 0;
  private deferred: Array<() => void> = [];

  constructor(readonly path: string) {}

  open(): this {
    if (this.db) return this;
    mkdirSync(dirname(this.path), { recursive: true });
    const db = new Database(this.path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // A fleet file takes thousands of small commits a second; checkpointing every ~40 MB of WAL
    // instead of every 4 MB copies each hot page into the main file far less often.
    db.pragma('wal_autocheckpoint = 10000');
    db.exec(SCHEMA);
    this.db = db;
    this.stmts = statements(db);
    return this;
  }

  /** The queue of one device in this file; the file closes when its last view closes. */
  queue(deviceId: string, capacity: number): OfflineQueue {
    const db = this.db;
    const s = this.stmts;
    if (!db || !s) throw new Error(`queue database ${this.path} not open`);
    this.views += 1;
    const io: ViewIo = {
      defer: (work) => this.defer(work),
      flush: () => this.flushDeferred(),
      close: () => this.release(),
    };
    return createView(db, s, deviceId, capacity, io);
  }

  /**
   * One vehicle's command journal (command ids, first answers, settings) in this file; it keeps
   * the file open like a queue view does.
   */
  journal(
    deviceId: string,
    options: { now: () => number; failSettings?: boolean },
  ): CommandJournal {
    const db = this.db;
    if (!db) throw new Error(`queue database ${this.path} not open`);
    this.journalStmts ??= journalStatements(db, options.now());
    this.views += 1;
    return createJournal(db, this.journalStmts, deviceId, {
      ...options,
      close: () => this.release(),
    });
  }

  /** One simulated vehicle's remembered state (position, gauges) in this file; a view like a queue. */
  vehicleMemory(deviceId: string): SnapshotStore {
    const db = this.db;
    if (!db) throw new Error(`queue database ${this.path} not open`);
    this.memoryStmts ??= memoryStatements(db);
    this.views += 1;
    return snapshotStore(this.memoryStmts, deviceId, () => this.release());
  }

  private release(): void {
    this.views -= 1;
    if (this.views === 0) this.close();
  }

  /** Runs `work` in one transaction: many devices' appends share one commit. */
  batch<T>(work: () => T): T {
    if (!this.db) throw new Error(`queue database ${this.path} not open`);
    return this.db.transaction(work)();
  }

  /**
   * Deletes of confirmed rows need no hurry (a row kept a little longer is at worst resent and
   * skipped by the store), so they are collected and committed together once per event-loop turn.
   */
  private defer(work: () => void): void {
    this.deferred.push(work);
    if (this.deferred.length === 1) setImmediate(() => this.flushDeferred());
  }

  private flushDeferred(): void {
    const work = this.deferred;
    this.deferred = [];
    if (work.length === 0 || !this.db?.open) return;
    this.batch(() => {
      for (const w of work) w();
    });
  }

  close(): void {
    this.flushDeferred();
    if (this.db?.open) this.db.close();
    this.db = undefined;
    this.stmts = undefined;
    this.journalStmts = undefined;
    this.memoryStmts = undefined;
  }
}

interface ViewIo {
  /** Queue a write for the next batch commit. */
  defer: (work: () => void) => void;
  /** Commit the deferred writes now. */
  flush: () => void;
  close: () => void;
}

function createView(
  db: Database.Database,
  s: Statements,
  deviceId: string,
  capacity: number,
  io: ViewIo,
): OfflineQueue {
  s.addDevice.run(deviceId);
  const row = s.device.get(deviceId);
  // Appends do not touch the devices row (one B-tree page less per reading): the highest queued
  // seq tells the next one, and every delete persists next_seq in its own transaction.
  let nextSeq = Math.max(row?.next_seq ?? 0, (s.maxSeq.get(deviceId)?.seq ?? -1) + 1);
  let dropped = row?.dropped ?? 0;
  let size = s.count.get(deviceId)?.n ?? 0;
  let closed = false;
  // The queued seqs form one run [nextSeq - size, nextSeq - 1] as long as rows only leave from
  // the front (e2e acks, evictions). remove() of single rows or a seq jump breaks that: then the
  // oldest seq is read from the file (and cached until the next change).
  let contiguous = false;
  let cachedOldest: number | undefined | null = null;
  const oldest = (): number | undefined => {
    if (size === 0) return undefined;
    if (contiguous) return nextSeq - size;
    if (cachedOldest === null) cachedOldest = s.oldestN.get(deviceId, 1)?.seq;
    return cachedOldest;
  };

  /** Leaves the contiguous fast path: deferred deletes must reach the file before it is read. */
  const breakRun = () => {
    io.flush();
    contiguous = false;
    cachedOldest = null;
  };

  /** Deletes the `n` oldest rows and records their seqs as runs, merged with the previous run. */
  const evict = (n: number): number => {
    const first = oldest();
    const victims =
      contiguous && first !== undefined
        ? Array.from({ length: Math.min(n, size) }, (_, i) => first + i)
        : s.oldestN.all(deviceId, n).map((r) => r.seq);
    const last = victims.at(-1);
    if (last === undefined) return 0;
    s.deleteThrough.run(deviceId, last);
    let runStart = victims[0] ?? last;
    for (let i = 1; i <= victims.length; i++) {
      const prev = victims[i - 1] ?? last;
      const cur = victims[i];
      if (cur === prev + 1) continue;
      if (s.extendEviction.run(prev, deviceId, runStart - 1).changes === 0) {
        s.addEviction.run(deviceId, runStart, prev);
      }
      if (cur !== undefined) runStart = cur;
    }
    return victims.length;
  };

  const appendTx = db.transaction((build: (seq: number) => string): QueuedMessage => {
    const seq = nextSeq;
    const payload = build(seq);
    const overflow = size + 1 - capacity;
    const evicted = overflow > 0 ? evict(overflow) : 0;
    if (evicted > 0) s.setDropped.run(dropped + evicted, deviceId);
    s.insert.run(deviceId, seq, payload);
    // Memory follows only once every statement succeeded (a throw rolls the transaction back).
    dropped += evicted;
    size += 1 - evicted;
    nextSeq = seq + 1;
    if (size === 1) contiguous = true;
    cachedOldest = null;
    return { seq, payload };
  });

  const removeTx = db.transaction((seqs: readonly number[]) => {
    breakRun();
    for (const seq of seqs) size -= s.deleteOne.run(deviceId, seq).changes;
    s.setNextSeq.run(nextSeq, deviceId);
  });

  return {
    append: (build) => appendTx(build),
    after: (afterSeq, limit) => s.after.all(deviceId, afterSeq, limit),
    remove: (seqs) => {
      if (seqs.length > 0) removeTx(seqs);
    },
    removeThrough: (seq) => {
      const first = oldest();
      if (first === undefined || seq < first) return 0;
      if (contiguous) {
        // Rows are first..nextSeq-1: the count is known, the DELETE can join the next batch.
        const removed = Math.min(seq, nextSeq - 1) - first + 1;
        size -= removed;
        const next = nextSeq;
        io.defer(() => {
          s.deleteThrough.run(deviceId, seq);
          s.setNextSeq.run(next, deviceId);
        });
        return removed;
      }
      const removed = db.transaction(() => {
        s.setNextSeq.run(nextSeq, deviceId);
        return s.deleteThrough.run(deviceId, seq).changes;
      })();
      size -= removed;
      cachedOldest = null;
      return removed;
    },
    oldest,
    advanceSeq: (seq) => {
      if (seq <= nextSeq) return;
      breakRun();
      s.setNextSeq.run(seq, deviceId);
      nextSeq = seq;
    },
    evictions: () => s.evictions.all(deviceId).map((r): [number, number] => [r.from_seq, r.to_seq]),
    get size() {
      return size;
    },
    get dropped() {
      return dropped;
    },
    get nextSeq() {
      return nextSeq;
    },
    close: () => {
      if (closed) return;
      closed = true;
      s.setNextSeq.run(nextSeq, deviceId);
      io.close();
    },
  };
}

export interface SqliteQueueOptions {
  dir: string;
  deviceId: string;
  capacity: number;
}

/** The per-device layout: `{dir}/{device_id}.db`, one file per vehicle, as a real device has. */
export function perDeviceQueueFile(dir: string, deviceId: string): QueueDatabase {
  return new QueueDatabase(join(dir, `${deviceId}.db`));
}

export function openSqliteQueue(options: SqliteQueueOptions): OfflineQueue {
  const file = perDeviceQueueFile(options.dir, options.deviceId).open();
  return file.queue(options.deviceId, options.capacity);
}

/** The shared layout: every device of a run-devices process in `{dir}/fleet.db` (opened by the fleet). */
export function sharedQueueFile(dir: string): QueueDatabase {
  return new QueueDatabase(join(dir, 'fleet.db'));
}
