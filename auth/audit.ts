// The audit log: who did what, when, from which address, with what outcome; kept AUDIT_RETENTION, swept hourly with expired sessions, tokens and locks.
import type { Logger } from '../core/log.js';
import type { AuditEntry, AuditQuery, AuthStore } from './store/types.js';
import type { LoginThrottle } from './throttle.js';

const SWEEP_EVERY_MS = 3_600_000;

/** What the dashboard records (later features add theirs: geofence_create, report_export, …). */
export type AuditAction =
  | 'login'
  | 'logout'
  | 'password_change'
  | 'user_create'
  | 'user_update'
  | 'user_delete'
  | 'group_create'
  | 'group_update'
  | 'group_delete'
  | 'token_create'
  | 'token_revoke'
  | 'command_send'
  | 'alarm_ack'
  | 'device_register'
  | 'device_unregister'
  | 'readings_ingest'
  | 'export'
  | (string & {});

export type AuditRecord = Omit<AuditEntry, 'time'>;

export class AuditLog {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: {
      store: AuthStore;
      throttle: LoginThrottle;
      log: Logger;
      now: () => number;
      /** ms; 0 keeps entries forever. */
      retentionMs: number;
    },
  ) {}

  record(entry: AuditRecord): void {
    try {
      this.deps.store.audit.add({ ...entry, time: this.deps.now() });
    } catch (err) {
      // The action itself happened: a full disk must not turn it into a 500 afterwards.
      this.deps.log.error({ err, entry }, 'audit entry not written');
    }
  }

  query(q: AuditQuery): AuditEntry[] {
    return this.deps.store.audit.query(q);
  }

  start(): void {
    this.sweep();
    this.timer = setInterval(() => this.sweep(), SWEEP_EVERY_MS);
    this.timer.unref();
  }

  /** Deletes audit entries past retention, expired sessions and tokens, and stale login counts. */
  sweep(): void {
    const { store, now, retentionMs, throttle } = this.deps;
    const t = now();
    const removed = {
      audit: retentionMs > 0 ? store.audit.removeOlder(t - retentionMs) : 0,
      sessions: store.sessions.removeExpired(t),
      tokens: store.tokens.removeExpired(t),
      throttle: throttle.prune(t),
    };
    if (removed.audit + removed.sessions + removed.tokens > 0) {
      this.deps.log.debug(removed, 'auth sweep');
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
