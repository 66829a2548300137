// Alarm lifecycle: open → acknowledged → cleared; each change and its notices committed in one transaction, then published.
import { randomUUID } from 'node:crypto';
import type { AlarmSeverity } from '../core/contract.js';
import { isSilenced } from './notify/silences.js';
import type { NotifySettings } from './rules.js';
import type { AlarmRows } from './store/alarm-rows.js';
import type { NoticeKind, OutboxRows } from './store/outbox-rows.js';
import { type AlarmRecord, toWire } from './store/records.js';

export interface LifecycleDeps {
  rows: AlarmRows;
  outbox: OutboxRows;
  /** Notification channels configured (webhook, email); none: no notices are made. */
  channels: readonly string[];
  notify: NotifySettings;
  now: () => number;
  /** After the commit: the MQTT feed tells the dashboard. */
  published: (alarm: AlarmRecord, change: AlarmChange) => void;
  newId?: () => string;
}

export type AlarmChange = 'opened' | 'updated' | 'acknowledged' | 'cleared';

/** What goes into the same transaction as the alarm change (the rule's evaluation state). */
type Also = () => void;

/**
 * A notice is made for an open and for a clear (and for each repeat of an unacknowledged open
 * alarm), inside the transaction that makes the change: after a crash either both are on disk or
 * neither, so a restart never notifies a transition twice nor forgets one. A clear is notified on
 * a channel only when its open was (not silenced there).
 */
export class Lifecycle {
  constructor(private readonly deps: LifecycleDeps) {}

  open(
    scope: string,
    rule: string,
    severity: AlarmSeverity,
    value: number | null,
    message: string,
    also?: Also,
  ): AlarmRecord {
    const now = this.deps.now();
    const alarm: AlarmRecord = {
      id: (this.deps.newId ?? randomUUID)(),
      scope,
      rule,
      severity,
      state: 'open',
      startedAt: now,
      updatedAt: now,
      clearedAt: null,
      acknowledgedAt: null,
      value,
      message,
      version: 1,
      publishedVersion: 0,
      notifiedAt: now,
      repeats: 0,
    };
    return this.commit(alarm, 'opened', also, (a) => this.notices(a, 'firing', 0, now));
  }

  /** A repeat of the condition: new value or text, same alarm. */
  update(alarm: AlarmRecord, value: number | null, message: string, also?: Also): AlarmRecord {
    if (alarm.value === value && alarm.message === message) {
      if (also) this.deps.rows.atomically(also);
      return alarm;
    }
    const next = {
      ...alarm,
      value,
      message,
      updatedAt: this.deps.now(),
      version: alarm.version + 1,
    };
    return this.commit(next, 'updated', also);
  }

  acknowledge(alarm: AlarmRecord): AlarmRecord {
    if (alarm.state !== 'open') return alarm;
    const now = this.deps.now();
    return this.commit(
      {
        ...alarm,
        state: 'acknowledged',
        acknowledgedAt: now,
        updatedAt: now,
        version: alarm.version + 1,
      },
      'acknowledged',
      undefined,
    );
  }

  clear(alarm: AlarmRecord, message: string, also?: Also): AlarmRecord {
    if (alarm.state === 'cleared') return alarm;
    const now = this.deps.now();
    const next: AlarmRecord = {
      ...alarm,
      state: 'cleared',
      clearedAt: now,
      updatedAt: now,
      message: `${alarm.message}; cleared: ${message}`.slice(0, 1000),
      version: alarm.version + 1,
    };
    return this.commit(next, 'cleared', also, (a) => this.notices(a, 'resolved', 0, now));
  }

  /** An open alarm nobody acknowledged, notified again once the repeat interval has passed. */
  repeatIfDue(alarm: AlarmRecord): AlarmRecord {
    const { repeatIntervalMs } = this.deps.notify;
    const now = this.deps.now();
    if (alarm.state !== 'open' || repeatIntervalMs <= 0 || this.deps.channels.length === 0) {
      return alarm;
    }
    if (now - (alarm.notifiedAt ?? alarm.startedAt) < repeatIntervalMs) return alarm;
    const next = { ...alarm, notifiedAt: now, repeats: alarm.repeats + 1 };
    this.deps.rows.atomically(() => {
      this.deps.rows.save(next);
      this.notices(next, 'firing', next.repeats, now);
    });
    return next;
  }

  private commit(
    alarm: AlarmRecord,
    change: AlarmChange,
    also: Also | undefined,
    notices?: (a: AlarmRecord) => void,
  ): AlarmRecord {
    this.deps.rows.atomically(() => {
      this.deps.rows.save(alarm);
      notices?.(alarm);
      also?.();
    });
    this.deps.published(alarm, change);
    return alarm;
  }

  private notices(alarm: AlarmRecord, kind: NoticeKind, repeatNo: number, now: number): void {
    const { outbox, channels, notify } = this.deps;
    const silenced = isSilenced(notify.silences, alarm, now);
    for (const channel of channels) {
      if (kind === 'resolved') {
        const firing = outbox.firingState(alarm.id, channel);
        if (firing !== 'pending' && firing !== 'sent') continue;
      }
      outbox.add({
        alarmId: alarm.id,
        channel,
        kind,
        repeatNo,
        createdAt: now,
        alert: toWire(alarm),
        state: silenced && kind === 'firing' ? 'silenced' : 'pending',
      });
    }
  }
}
