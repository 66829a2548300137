// The gateway's on-disk queue (SQLite, WAL): every fix of every external device until the collector confirms it, and the fix times already seen, so a resend is stored once.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export interface NewFix {
  deviceId: string;
  fixMs: number;
  /** The reading's values as JSON (the seq is given later, when it is published). */
  values: string;
}

export interface NumberedFix {
  seq: number;
  fixMs: number;
  values: string;
}

/**
 * How many confirmed fix times each device's memory keeps (newest by arrival) to recognise a
 * resend. A tracker resends what it was not answered for, oldest first, before anything newer;
 * this covers far more than one buffer's worth of unanswered records.
 */
export const SEEN_PER_DEVICE = 2000;

/** Fixes per device kept in memory for the publisher's next question (see FixQueue.fresh). */
const FRESH_PER_DEVICE = 64;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS fixes (
  device_id TEXT NOT NULL,
  fix_ms INTEGER NOT NULL,
  arrival INTEGER NOT NULL,
  seq INTEGER,
  vals TEXT,
  PRIMARY KEY (device_id, fix_ms)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS fixes_unnumbered ON fixes (device_id, arrival)
  WHERE seq IS NULL AND vals IS NOT NULL;
CREATE INDEX IF NOT EXISTS fixes_queued ON fixes (device_id, seq)
  WHERE seq IS NOT NULL AND vals IS NOT NULL;
CREATE INDEX IF NOT EXISTS fixes_seen ON fixes (device_id, arrival) WHERE vals IS NULL;
CREATE TABLE IF NOT EXISTS devices (
  device_id TEXT PRIMARY KEY,
  next_seq INTEGER,
  pending TEXT
) WITHOUT ROWID;
`;

function statements(db: Database.Database) {
  return {
    insert: db.prepare<[string, number, number, string]>(
      'INSERT OR IGNORE INTO fixes (device_id, fix_ms, arrival, vals) VALUES (?, ?, ?, ?)',
    ),
    insertNumbered: db.prepare<[string, number, number, number, string]>(
      'INSERT OR IGNORE INTO fixes (device_id, fix_ms, arrival, seq, vals) VALUES (?, ?, ?, ?, ?)',
    ),
    maxArrival: db.prepare<[], { a: number | null }>('SELECT max(arrival) AS a FROM fixes'),
    counts: db.prepare<[], { device_id: string; queued: number; seen: number; unnumbered: number }>(
      `SELECT device_id, sum(vals IS NOT NULL) AS queued, sum(vals IS NULL) AS seen,
         sum(vals IS NOT NULL AND seq IS NULL) AS unnumbered
       FROM fixes GROUP BY device_id`,
    ),
    deviceRows: db.prepare<[], { device_id: string; next_seq: number | null }>(
      'SELECT device_id, next_seq FROM devices',
    ),
    unnumbered: db.prepare<[string, number], { fix_ms: number }>(
      `SELECT fix_ms FROM fixes WHERE device_id = ? AND seq IS NULL AND vals IS NOT NULL
       ORDER BY arrival LIMIT ?`,
    ),
    setSeq: db.prepare<[number, string, number]>(
      'UPDATE fixes SET seq = ? WHERE device_id = ? AND fix_ms = ? AND seq IS NULL',
    ),
    topSeqs: db.prepare<[], { device_id: string; top: number }>(
      'SELECT device_id, max(seq) AS top FROM fixes WHERE seq IS NOT NULL GROUP BY device_id',
    ),
    forget: db.prepare<[string, number]>(
      'UPDATE fixes SET vals = NULL WHERE device_id = ? AND fix_ms = ? AND vals IS NOT NULL',
    ),
    after: db.prepare<[string, number, number], { seq: number; fix_ms: number; vals: string }>(
      `SELECT seq, fix_ms, vals FROM fixes WHERE device_id = ? AND seq > ? AND vals IS NOT NULL
       ORDER BY seq LIMIT ?`,
    ),
    oldest: db.prepare<[string], { seq: number }>(
      `SELECT seq FROM fixes WHERE device_id = ? AND seq IS NOT NULL AND vals IS NOT NULL
       ORDER BY seq LIMIT 1`,
    ),
    confirm: db.prepare<[string, number]>(
      'UPDATE fixes SET vals = NULL WHERE device_id = ? AND seq <= ? AND vals IS NOT NULL',
    ),
    seenCut: db.prepare<[string, number], { arrival: number }>(
      `SELECT arrival FROM fixes WHERE device_id = ? AND vals IS NULL
       ORDER BY arrival DESC LIMIT 1 OFFSET ?`,
    ),
    trim: db.prepare<[string, number]>(
      'DELETE FROM fixes WHERE device_id = ? AND vals IS NULL AND arrival < ?',
    ),
    upsertNext: db.prepare<[{ id: string; seq: number }]>(
      `INSERT INTO devices (device_id, next_seq) VALUES (@id, @seq)
       ON CONFLICT (device_id) DO UPDATE SET next_seq = max(coalesce(next_seq, 0), @seq)`,
    ),
    pending: db.prepare<[string], { pending: string | null }>(
      'SELECT pending FROM devices WHERE device_id = ?',
    ),
    setPending: db.prepare<[{ id: string; pending: string | null }]>(
      `INSERT INTO devices (device_id, pending) VALUES (@id, @pending)
       ON CONFLICT (device_id) DO UPDATE SET pending = @pending`,
    ),
  };
}

interface DeviceState {
  /** Fixes stored and not yet confirmed (numbered or not). */
  queued: number;
  /** Of those, the ones without a seq yet. */
  unnumbered: number;
  /** Confirmed fix times remembered. */
  seen: number;
  /** The next seq this gateway gives the device; undefined until the collector's ack was heard. */
  nextSeq: number | undefined;
  /**
   * No row of the device has a seq above this (an upper bound: confirmed rows count too). A
   * publisher asking for fixes past it gets none without a query: most of its questions.
   */
  topSeq: number;
}

/**
 * One file for every device of this gateway (`{GATEWAY_QUEUE_DIR}/gateway.db`). A fix is one row
 * from its arrival to the end of its memory: `vals` holds the reading until the collector's
 * end-to-end ack covers its seq, then only (device, fix time) stays, to recognise a resend.
 * synchronous=NORMAL in WAL mode: a committed row survives the process being killed, not
 * necessarily a power failure (as for the vehicles' queues).
 */
export class FixQueue {
  private db: Database.Database | undefined;
  private s: ReturnType<typeof statements> | undefined;
  private arrival = 0;
  private readonly state = new Map<string, DeviceState>();
  /**
   * Per device, fixes numbered on arrival and not yet asked for by its publisher, in seq order
   * (at most FRESH_PER_DEVICE): the publisher's next question is nearly always "the fixes after the
   * one I sent last", answered from here instead of a query (~80 µs each, measured in the gateway
   * bench's profile). Anything else (a resend, a gap, a full list) is read from the file.
   */
  private readonly fresh = new Map<string, NumberedFix[]>();

  constructor(
    readonly path: string,
    private readonly options: {
      seenPerDevice?: number;
      /**
       * Local numbering: a fix arriving while its device's next seq is known and nothing older
       * waits for one gets its seq in the same transaction (one commit per fix instead of two).
       */
      numberOnArrival?: boolean;
      /** WAL pages after which a commit checkpoints (SQLite's default 1,000; see wal-checkpointer.ts). */
      walAutocheckpoint?: number;
    } = {},
  ) {}

  private get seenPerDevice(): number {
    return this.options.seenPerDevice ?? SEEN_PER_DEVICE;
  }

  open(): this {
    if (this.db) return this;
    mkdirSync(dirname(this.path), { recursive: true });
    const db = new Database(this.path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    if (this.options.walAutocheckpoint !== undefined) {
      db.pragma(`wal_autocheckpoint = ${Math.floor(this.options.walAutocheckpoint)}`);
    }
    db.exec(SCHEMA);
    const s = statements(db);
    this.db = db;
    this.s = s;
    this.arrival = s.maxArrival.get()?.a ?? 0;
    for (const r of s.counts.all()) {
      const d = this.device(r.device_id);
      d.queued = r.queued;
      d.seen = r.seen;
      d.unnumbered = r.unnumbered;
    }
    for (const r of s.deviceRows.all()) {
      this.device(r.device_id).nextSeq = r.next_seq ?? undefined;
    }
    // Seqs given on arrival are persisted with their rows (and in devices at each confirmation).
    for (const r of s.topSeqs.all()) {
      const d = this.device(r.device_id);
      d.nextSeq = Math.max(d.nextSeq ?? 0, r.top + 1);
      d.topSeq = r.top;
    }
    return this;
  }

  private get stmts(): ReturnType<typeof statements> {
    if (!this.s) throw new Error(`fix queue ${this.path} not open`);
    return this.s;
  }

  private device(id: string): DeviceState {
    let d = this.state.get(id);
    if (!d) {
      d = { queued: 0, unnumbered: 0, seen: 0, nextSeq: undefined, topSeq: -1 };
      this.state.set(id, d);
    }
    return d;
  }

  /** Devices with fixes still to deliver (resumed after a restart). */
  devicesWithBacklog(): string[] {
    return [...this.state].filter(([, d]) => d.queued > 0).map(([id]) => id);
  }

  /** Fixes stored and not yet confirmed. */
  queued(deviceId: string): number {
    return this.state.get(deviceId)?.queued ?? 0;
  }

  get totalQueued(): number {
    let n = 0;
    for (const d of this.state.values()) n += d.queued;
    return n;
  }

  /**
   * Stores every fix not seen before, all in one transaction: when this returns, they are on
   * disk. Returns per fix whether it was new (false: a resend of one already stored).
   */
  append(fixes: readonly NewFix[]): boolean[] {
    const s = this.stmts;
    const db = this.db as Database.Database;
    const numbered = new Map<string, number>();
    const added: Array<[string, NumberedFix]> = [];
    const stored = db.transaction(() =>
      fixes.map((f) => {
        const d = this.device(f.deviceId);
        const arrival = this.arrival + 1;
        const next = d.nextSeq;
        const inOrder = this.options.numberOnArrival && next !== undefined && d.unnumbered === 0;
        const seq = inOrder ? next + (numbered.get(f.deviceId) ?? 0) : undefined;
        const ok =
          (seq === undefined
            ? s.insert.run(f.deviceId, f.fixMs, arrival, f.values)
            : s.insertNumbered.run(f.deviceId, f.fixMs, arrival, seq, f.values)
          ).changes > 0;
        if (!ok) return false;
        this.arrival = arrival;
        d.queued += 1;
        if (seq === undefined) d.unnumbered += 1;
        else {
          numbered.set(f.deviceId, (numbered.get(f.deviceId) ?? 0) + 1);
          if (seq > d.topSeq) d.topSeq = seq;
          added.push([f.deviceId, { seq, fixMs: f.fixMs, values: f.values }]);
        }
        return true;
      }),
    );
    const result = stored.immediate();
    for (const [id, fix] of added) this.remember(id, fix);
    // The next seqs moved on: persisted with the rows (open() reads max(seq) + 1 back).
    for (const [id, n] of numbered) {
      const d = this.device(id);
      d.nextSeq = (d.nextSeq ?? 0) + n;
    }
    return result;
  }

  /** Runs `work` in one transaction (many devices' confirmations share one commit). */
  batch<T>(work: () => T): T {
    if (!this.db) throw new Error(`fix queue ${this.path} not open`);
    return this.db.transaction(work)();
  }

  /** Fixes of the device that wait for a seq. */
  unnumberedCount(deviceId: string): number {
    return this.state.get(deviceId)?.unnumbered ?? 0;
  }

  /** Oldest fixes (by arrival) that have no seq yet. */
  unnumbered(deviceId: string, limit: number): number[] {
    return this.stmts.unnumbered.all(deviceId, limit).map((r) => r.fix_ms);
  }

  /** The next seq this gateway would give; undefined until known (see setFloor). */
  nextSeq(deviceId: string): number | undefined {
    return this.state.get(deviceId)?.nextSeq;
  }

  /** Raises the next seq to at least `seq` (the collector's ack + 1; never goes back). */
  raiseNextSeq(deviceId: string, seq: number): void {
    const d = this.device(deviceId);
    if (d.nextSeq !== undefined && d.nextSeq >= seq) return;
    this.stmts.upsertNext.run({ id: deviceId, seq });
    d.nextSeq = seq;
  }

  /**
   * Gives the listed fixes their seqs (null: another gateway numbered this fix already, so it is
   * a resend: only its fix time is kept) and records the next seq, in one transaction.
   */
  number(deviceId: string, assignments: ReadonlyArray<readonly [number, number | null]>): void {
    const s = this.stmts;
    const d = this.device(deviceId);
    let next = d.nextSeq ?? 0;
    let forgotten = 0;
    let numbered = 0;
    (this.db as Database.Database).transaction(() => {
      for (const [fixMs, seq] of assignments) {
        if (seq === null) {
          forgotten += s.forget.run(deviceId, fixMs).changes;
          continue;
        }
        numbered += s.setSeq.run(seq, deviceId, fixMs).changes;
        if (seq + 1 > next) next = seq + 1;
        if (seq > d.topSeq) d.topSeq = seq;
      }
      s.upsertNext.run({ id: deviceId, seq: next });
      s.setPending.run({ id: deviceId, pending: null });
    })();
    d.nextSeq = next;
    d.queued -= forgotten;
    d.seen += forgotten;
    d.unnumbered -= numbered + forgotten;
  }

  /** The local numbering: the next `limit` unnumbered fixes get nextSeq, nextSeq + 1, … */
  numberLocally(deviceId: string, limit: number): number {
    const d = this.device(deviceId);
    if (d.nextSeq === undefined) throw new Error(`next seq of ${deviceId} not known yet`);
    const db = this.db as Database.Database;
    return db.transaction(() => {
      const fixes = this.unnumbered(deviceId, limit);
      const start = d.nextSeq ?? 0;
      this.number(
        deviceId,
        fixes.map((f, i) => [f, start + i] as const),
      );
      return fixes.length;
    })();
  }

  /** A numbering asked of Redis and not yet recorded: kept so a crash does not ask twice. */
  pending(deviceId: string): string | undefined {
    return this.stmts.pending.get(deviceId)?.pending ?? undefined;
  }

  setPending(deviceId: string, pending: string): void {
    this.stmts.setPending.run({ id: deviceId, pending });
  }

  private remember(deviceId: string, fix: NumberedFix): void {
    let list = this.fresh.get(deviceId);
    if (!list) {
      list = [];
      this.fresh.set(deviceId, list);
    }
    const last = list.at(-1);
    // Only a run without holes, each the seq after the one before, stands for the file.
    if (last !== undefined && last.seq + 1 !== fix.seq) list.length = 0;
    if (list.length < FRESH_PER_DEVICE) list.push(fix);
  }

  /** Numbered, unconfirmed fixes with seq > afterSeq, oldest seq first. */
  after(deviceId: string, afterSeq: number, limit: number): NumberedFix[] {
    const d = this.state.get(deviceId);
    if (d === undefined || d.queued === 0 || afterSeq >= d.topSeq) return [];
    const list = this.fresh.get(deviceId);
    if (list !== undefined) {
      let skip = 0;
      while (skip < list.length && (list[skip] as NumberedFix).seq <= afterSeq) skip++;
      if (skip > 0) list.splice(0, skip);
      if (list.length === 0) this.fresh.delete(deviceId);
      else if ((list[0] as NumberedFix).seq === afterSeq + 1) {
        const out = list.splice(0, limit);
        if (list.length === 0) this.fresh.delete(deviceId);
        return out;
      }
    }
    return this.stmts.after
      .all(deviceId, afterSeq, limit)
      .map((r) => ({ seq: r.seq, fixMs: r.fix_ms, values: r.vals }));
  }

  /** Smallest numbered, unconfirmed seq. */
  oldest(deviceId: string): number | undefined {
    if (this.queued(deviceId) === 0) return undefined;
    return this.stmts.oldest.get(deviceId)?.seq;
  }

  /** The collector stored everything through `seq`: those fixes keep only their identity. */
  confirmThrough(deviceId: string, seq: number): number {
    const d = this.device(deviceId);
    if (d.queued === 0) return 0;
    const n = this.stmts.confirm.run(deviceId, seq).changes;
    d.queued -= n;
    d.seen += n;
    if (d.seen > this.seenPerDevice * 1.1) this.trim(deviceId);
    return n;
  }

  /** Forgets the oldest confirmed fix times beyond SEEN_PER_DEVICE (in batches, not per ack). */
  private trim(deviceId: string): void {
    const s = this.stmts;
    const cut = s.seenCut.get(deviceId, this.seenPerDevice - 1)?.arrival;
    if (cut === undefined) return;
    const d = this.device(deviceId);
    // Before old rows go: their seqs no longer tell the next one (open() reads it back from here).
    if (d.nextSeq !== undefined) s.upsertNext.run({ id: deviceId, seq: d.nextSeq });
    d.seen -= s.trim.run(deviceId, cut).changes;
  }

  close(): void {
    if (this.db?.open) this.db.close();
    this.db = undefined;
    this.s = undefined;
  }
}
