// The notification outbox in the collector's state file: notices per channel, grouped into batches that are sent and retried as one.
import type { AlarmMessage } from '../../core/contract.js';
import type { AlarmDb } from './alarm-db.js';

export type NoticeKind = 'firing' | 'resolved';
/** pending: waiting to be sent (in a batch or not yet); sent; silenced: matched a silence, never sent. */
export type NoticeState = 'pending' | 'sent' | 'silenced';

export interface NewNotice {
  alarmId: string;
  channel: string;
  kind: NoticeKind;
  /** 0 for a transition; 1, 2, ... for the repeats of a still-open alarm. */
  repeatNo: number;
  createdAt: number;
  /** The alarm as it was when the notice was made. */
  alert: AlarmMessage;
  state: 'pending' | 'silenced';
}

export interface Notice {
  id: number;
  alarmId: string;
  kind: NoticeKind;
  repeatNo: number;
  createdAt: number;
  alert: AlarmMessage;
}

export interface Batch {
  id: string;
  channel: string;
  createdAt: number;
  attempts: number;
  nextAttemptAt: number;
  notices: Notice[];
}

interface NoticeRow {
  id: number;
  alarm_id: string;
  kind: string;
  repeat_no: number;
  created_at: number;
  alert: string;
}

const notice = (r: NoticeRow): Notice => ({
  id: r.id,
  alarmId: r.alarm_id,
  kind: r.kind as NoticeKind,
  repeatNo: r.repeat_no,
  createdAt: r.created_at,
  alert: JSON.parse(r.alert) as AlarmMessage,
});

export class OutboxRows {
  private readonly s;

  constructor(private readonly db: AlarmDb) {
    this.s = {
      add: db.prepare(
        'INSERT OR IGNORE INTO alarm_notices (alarm_id, channel, kind, repeat_no, created_at, alert, state) ' +
          'VALUES (@alarmId, @channel, @kind, @repeatNo, @createdAt, @alert, @state)',
      ),
      firingState: db.prepare<[string, string], { state: string }>(
        "SELECT state FROM alarm_notices WHERE alarm_id = ? AND channel = ? AND kind = 'firing' AND repeat_no = 0",
      ),
      oldestLoose: db.prepare<[string], { created_at: number }>(
        "SELECT created_at FROM alarm_notices WHERE channel = ? AND state = 'pending' AND batch_id IS NULL ORDER BY id LIMIT 1",
      ),
      loose: db.prepare<[string, number], { id: number }>(
        "SELECT id FROM alarm_notices WHERE channel = ? AND state = 'pending' AND batch_id IS NULL ORDER BY id LIMIT ?",
      ),
      assign: db.prepare<[string, number]>('UPDATE alarm_notices SET batch_id = ? WHERE id = ?'),
      newBatch: db.prepare(
        "INSERT INTO alarm_batches (id, channel, created_at, next_attempt_at, state) VALUES (?, ?, ?, ?, 'pending')",
      ),
      pendingBatch: db.prepare<
        [string],
        {
          id: string;
          channel: string;
          created_at: number;
          attempts: number;
          next_attempt_at: number;
        }
      >(
        "SELECT id, channel, created_at, attempts, next_attempt_at FROM alarm_batches WHERE channel = ? AND state = 'pending' ORDER BY created_at, rowid LIMIT 1",
      ),
      batchNotices: db.prepare<[string], NoticeRow>(
        'SELECT id, alarm_id, kind, repeat_no, created_at, alert FROM alarm_notices WHERE batch_id = ? ORDER BY id',
      ),
      sent: db.prepare<[number, string]>(
        "UPDATE alarm_batches SET state = 'sent', sent_at = ? WHERE id = ?",
      ),
      noticesSent: db.prepare<[string]>(
        "UPDATE alarm_notices SET state = 'sent' WHERE batch_id = ?",
      ),
      failed: db.prepare<[number, string, string]>(
        'UPDATE alarm_batches SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE id = ?',
      ),
      // Only notices of cleared alarms: an open alarm's firing notice decides whether its clear is notified.
      pruneNotices: db.prepare<[number]>(
        "DELETE FROM alarm_notices WHERE state <> 'pending' AND created_at < ? AND alarm_id IN (SELECT id FROM alarms WHERE state = 'cleared')",
      ),
      pruneBatches: db.prepare<[number]>(
        "DELETE FROM alarm_batches WHERE state = 'sent' AND created_at < ?",
      ),
    };
  }

  /** INSERT OR IGNORE: the same transition cannot be queued twice for a channel. */
  add(n: NewNotice): void {
    this.s.add.run({ ...n, alert: JSON.stringify(n.alert) });
  }

  /** The state of an alarm's first firing notice on a channel (undefined: none was made). */
  firingState(alarmId: string, channel: string): NoticeState | undefined {
    return this.s.firingState.get(alarmId, channel)?.state as NoticeState | undefined;
  }

  /** When the oldest notice not yet in a batch was made. */
  oldestLoose(channel: string): number | undefined {
    return this.s.oldestLoose.get(channel)?.created_at;
  }

  /** Gathers up to `max` loose notices into a new batch (one transaction). */
  makeBatch(id: string, channel: string, now: number, max: number): void {
    this.db.transaction(() => {
      const ids = this.s.loose.all(channel, max);
      if (ids.length === 0) return;
      this.s.newBatch.run(id, channel, now, now);
      for (const { id: noticeId } of ids) this.s.assign.run(id, noticeId);
    })();
  }

  /** The oldest batch not yet delivered on the channel: batches go out in order. */
  pendingBatch(channel: string): Batch | undefined {
    const b = this.s.pendingBatch.get(channel);
    if (!b) return undefined;
    return {
      id: b.id,
      channel: b.channel,
      createdAt: b.created_at,
      attempts: b.attempts,
      nextAttemptAt: b.next_attempt_at,
      notices: this.s.batchNotices.all(b.id).map(notice),
    };
  }

  markSent(batchId: string, now: number): void {
    this.db.transaction(() => {
      this.s.sent.run(now, batchId);
      this.s.noticesSent.run(batchId);
    })();
  }

  markFailed(batchId: string, nextAttemptAt: number, error: string): void {
    this.s.failed.run(nextAttemptAt, error.slice(0, 500), batchId);
  }

  /** Forgets delivered and silenced notices of cleared alarms, and sent batches, older than `before`. */
  prune(before: number): void {
    this.s.pruneNotices.run(before);
    this.s.pruneBatches.run(before);
  }
}
