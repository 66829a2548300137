// An alarm engine on a real state file with a hand-driven clock: what the engine tests and restart checks build on.
import { join } from 'node:path';
import { AlarmEngine } from '../../alarms/engine.js';
import { type AlarmChange, Lifecycle } from '../../alarms/lifecycle.js';
import type { RuleSet } from '../../alarms/rules.js';
import { type AlarmDb, openAlarmDb } from '../../alarms/store/alarm-db.js';
import { AlarmRows } from '../../alarms/store/alarm-rows.js';
import { OutboxRows } from '../../alarms/store/outbox-rows.js';
import type { AlarmRecord } from '../../alarms/store/records.js';
import type { Reading } from '../../core/contract.js';
import { silentLogger } from '../../core/log.js';
import { GeofenceFollower } from '../../geofences/follower.js';
import { RegistryFollower } from '../../registry/follower.js';
import { speedLimitsOf } from '../../registry/speed-limits.js';

export const T0 = Date.parse('2026-03-01T12:00:00.000Z');
export const iso = (ms: number): string => new Date(ms).toISOString();

export interface NoticeRow {
  alarm_id: string;
  channel: string;
  kind: string;
  repeat_no: number;
  state: string;
}

export class EngineFixture {
  now = T0;
  readonly changes: Array<{ change: AlarmChange; alarm: AlarmRecord }> = [];
  readonly db: AlarmDb;
  readonly rows: AlarmRows;
  readonly registry = new RegistryFollower(silentLogger());
  /** Fed like the collector's (GeofenceFollower.accept with a snapshot). */
  readonly geofences = new GeofenceFollower(silentLogger());
  readonly engine: AlarmEngine;

  constructor(
    readonly dir: string,
    rules: RuleSet,
    channels: readonly string[] = ['webhook'],
    options: { subscribed?: boolean; now?: number } = {},
  ) {
    this.now = options.now ?? T0;
    this.db = openAlarmDb(join(dir, 'collector-state.db'));
    this.rows = new AlarmRows(this.db);
    const lifecycle = new Lifecycle({
      rows: this.rows,
      outbox: new OutboxRows(this.db),
      channels,
      notify: rules.notify,
      now: () => this.now,
      published: (alarm, change) => this.changes.push({ change, alarm }),
    });
    this.engine = new AlarmEngine(
      rules,
      {
        rows: this.rows,
        lifecycle,
        limits: speedLimitsOf(this.registry),
        now: () => this.now,
        log: silentLogger(),
        geofences: this.geofences,
      },
      { updateEveryMs: 1000 },
    );
    this.engine.start();
    if (options.subscribed ?? true) this.engine.subscribed();
  }

  /** Moves the clock and ticks, in steps of `stepMs`. */
  advance(ms: number, stepMs = 250): void {
    const end = this.now + ms;
    while (this.now < end) {
      this.now = Math.min(end, this.now + stepMs);
      this.engine.tick();
    }
  }

  reading(deviceId: string, seq: number, speed: number, at = this.now): Reading {
    return { device_id: deviceId, seq, timestamp: iso(at), values: { speed } };
  }

  /** One reading per second for `seconds`, each arriving when measured, ticking in between. */
  drive(deviceId: string, speeds: readonly number[], firstSeq = 0): void {
    speeds.forEach((speed, i) => {
      this.engine.onReadings([this.reading(deviceId, firstSeq + i, speed)]);
      this.advance(1000);
    });
  }

  kinds(): string[] {
    return this.changes.map((c) => `${c.change} ${c.alarm.rule} ${c.alarm.scope}`);
  }

  alarms(): Array<{ id: string; scope: string; rule: string; state: string }> {
    return this.db
      .prepare('SELECT id, scope, rule, state FROM alarms ORDER BY started_at, id')
      .all() as Array<{ id: string; scope: string; rule: string; state: string }>;
  }

  notices(): NoticeRow[] {
    return this.db
      .prepare('SELECT alarm_id, channel, kind, repeat_no, state FROM alarm_notices ORDER BY id')
      .all() as NoticeRow[];
  }

  close(): void {
    this.engine.flush();
    this.db.close();
  }
}
