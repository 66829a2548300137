// Reads and writes of alarms, rule evaluation state and device facts in the collector's state file.
import type { AlarmSeverity, AlarmState } from '../../core/contract.js';
import type { AlarmDb } from './alarm-db.js';
import type { AlarmRecord, DeviceFacts } from './records.js';

interface AlarmRow {
  id: string;
  scope: string;
  rule: string;
  severity: string;
  state: string;
  started_at: number;
  updated_at: number;
  cleared_at: number | null;
  acknowledged_at: number | null;
  value: number | null;
  message: string;
  version: number;
  published_version: number;
  notified_at: number | null;
  repeats: number;
}

const fromRow = (r: AlarmRow): AlarmRecord => ({
  id: r.id,
  scope: r.scope,
  rule: r.rule,
  severity: r.severity as AlarmSeverity,
  state: r.state as AlarmState,
  startedAt: r.started_at,
  updatedAt: r.updated_at,
  clearedAt: r.cleared_at,
  acknowledgedAt: r.acknowledged_at,
  value: r.value,
  message: r.message,
  version: r.version,
  publishedVersion: r.published_version,
  notifiedAt: r.notified_at,
  repeats: r.repeats,
});

const toRow = (a: AlarmRecord): Omit<AlarmRow, 'published_version'> => ({
  id: a.id,
  scope: a.scope,
  rule: a.rule,
  severity: a.severity,
  state: a.state,
  started_at: a.startedAt,
  updated_at: a.updatedAt,
  cleared_at: a.clearedAt,
  acknowledged_at: a.acknowledgedAt,
  value: a.value,
  message: a.message,
  version: a.version,
  notified_at: a.notifiedAt,
  repeats: a.repeats,
});

const COLUMNS =
  'id, scope, rule, severity, state, started_at, updated_at, cleared_at, acknowledged_at, value, message, version, notified_at, repeats';
const PARAMS =
  '@id, @scope, @rule, @severity, @state, @started_at, @updated_at, @cleared_at, @acknowledged_at, @value, @message, @version, @notified_at, @repeats';

/** Prepared once; every call is one statement (the engine groups them with `atomically`). */
export class AlarmRows {
  private readonly s;

  constructor(private readonly db: AlarmDb) {
    this.s = {
      active: db.prepare<[], AlarmRow>("SELECT * FROM alarms WHERE state <> 'cleared'"),
      byId: db.prepare<[string], AlarmRow>('SELECT * FROM alarms WHERE id = ?'),
      upsert: db.prepare(
        `INSERT INTO alarms (${COLUMNS}) VALUES (${PARAMS}) ON CONFLICT (id) DO UPDATE SET ` +
          'state = @state, updated_at = @updated_at, cleared_at = @cleared_at, ' +
          'acknowledged_at = @acknowledged_at, value = @value, message = @message, ' +
          'version = @version, notified_at = @notified_at, repeats = @repeats',
      ),
      unpublished: db.prepare<[], AlarmRow>(
        'SELECT * FROM alarms WHERE published_version < version ORDER BY updated_at',
      ),
      published: db.prepare<[number, string]>(
        'UPDATE alarms SET published_version = max(published_version, ?) WHERE id = ?',
      ),
      ruleStates: db.prepare<[], { rule: string; scope: string; state: string }>(
        'SELECT rule, scope, state FROM alarm_rule_state',
      ),
      saveRuleState: db.prepare<[string, string, string]>(
        'INSERT INTO alarm_rule_state (rule, scope, state) VALUES (?, ?, ?) ' +
          'ON CONFLICT (rule, scope) DO UPDATE SET state = excluded.state',
      ),
      dropRuleState: db.prepare<[string, string]>(
        'DELETE FROM alarm_rule_state WHERE rule = ? AND scope = ?',
      ),
      devices: db.prepare<
        [],
        {
          device_id: string;
          status: string | null;
          status_since: number;
          last_reading_at: number | null;
          quiet_ms: number;
        }
      >('SELECT * FROM alarm_devices'),
      saveDevice: db.prepare(
        'INSERT INTO alarm_devices (device_id, status, status_since, last_reading_at, quiet_ms) ' +
          'VALUES (@deviceId, @status, @statusSince, @lastReadingAt, @quietMs) ON CONFLICT (device_id) DO UPDATE ' +
          'SET status = @status, status_since = @statusSince, last_reading_at = @lastReadingAt, quiet_ms = @quietMs',
      ),
      meta: db.prepare<[string], { value: string }>('SELECT value FROM alarm_meta WHERE key = ?'),
      setMeta: db.prepare<[string, string]>(
        'INSERT INTO alarm_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
    };
  }

  /** Runs fn in one transaction (nested calls join the outer one). */
  atomically<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  active(): AlarmRecord[] {
    return this.s.active.all().map(fromRow);
  }

  byId(id: string): AlarmRecord | undefined {
    const row = this.s.byId.get(id);
    return row && fromRow(row);
  }

  save(a: AlarmRecord): void {
    this.s.upsert.run(toRow(a));
  }

  unpublished(): AlarmRecord[] {
    return this.s.unpublished.all().map(fromRow);
  }

  markPublished(id: string, version: number): void {
    this.s.published.run(version, id);
  }

  ruleStates(): Array<{ rule: string; scope: string; state: unknown }> {
    return this.s.ruleStates.all().map((r) => ({ ...r, state: JSON.parse(r.state) as unknown }));
  }

  /** undefined deletes: a rule back at rest keeps no row. */
  saveRuleState(rule: string, scope: string, state: unknown): void {
    if (state === undefined) this.s.dropRuleState.run(rule, scope);
    else this.s.saveRuleState.run(rule, scope, JSON.stringify(state));
  }

  devices(): DeviceFacts[] {
    return this.s.devices.all().map((r) => ({
      deviceId: r.device_id,
      status: r.status === 'online' || r.status === 'offline' ? r.status : undefined,
      statusSince: r.status_since,
      lastReadingAt: r.last_reading_at ?? undefined,
      quietMs: r.quiet_ms,
    }));
  }

  saveDevice(f: DeviceFacts): void {
    this.s.saveDevice.run({
      deviceId: f.deviceId,
      status: f.status ?? null,
      statusSince: f.statusSince,
      lastReadingAt: f.lastReadingAt ?? null,
      quietMs: f.quietMs,
    });
  }

  meta(key: string): string | undefined {
    return this.s.meta.get(key)?.value;
  }

  setMeta(key: string, value: string): void {
    this.s.setMeta.run(key, value);
  }
}
