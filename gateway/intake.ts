// Where every input's fixes enter the gateway: admission (allow-list), the collector's own signal rules, capacity, then a durable write; the device is answered only after it.
import { isDeviceId, MAX_FUTURE_SKEW_MS } from '../core/contract.js';
import type { Logger } from '../core/log.js';
import type { SignalCatalog } from '../core/signals/catalog.js';
import type { DeviceDirectory } from './directory.js';
import { cleanValues, type Fix, type Protocol } from './fix.js';
import type { FixQueue } from './queue/fix-queue.js';
import type { GroupCommit } from './queue/group-commit.js';

export type SkipReason = 'future_timestamp' | 'no_signals';

export type IntakeResult =
  | {
      ok: true;
      /** New fixes, now on disk. */
      stored: number;
      /** Resends of fixes already stored (same device and fix time). */
      duplicates: number;
      /** Fixes nothing can be made of, by index: answered (the device must not send them again), not stored. */
      skipped: Array<{ index: number; reason: SkipReason }>;
    }
  | { ok: false; status: 400 | 403 | 503; reason: string };

export interface IntakeDeps {
  queue: FixQueue;
  commit: GroupCommit;
  directory: DeviceDirectory;
  catalog: SignalCatalog;
  /** Unconfirmed fixes per device before the gateway refuses more (the device keeps them). */
  capacity: number;
  now: () => number;
  log: Logger;
  /** Test only (FAULT_INJECTION=gateway-crash-before-answer): die between durable and answered. */
  crashBeforeAnswer?: boolean;
}

export interface IntakeCounters {
  stored: number;
  duplicates: number;
  skipped: Record<SkipReason, number>;
  refused: Record<
    'invalid_device_id' | 'unknown_device' | 'registry_unknown' | 'queue_full',
    number
  >;
  /** Signals dropped as the collector would (out of range, unknown), by key. */
  droppedSignals: number;
}

export class Intake {
  readonly counters: IntakeCounters = {
    stored: 0,
    duplicates: 0,
    skipped: { future_timestamp: 0, no_signals: 0 },
    refused: { invalid_device_id: 0, unknown_device: 0, registry_unknown: 0, queue_full: 0 },
    droppedSignals: 0,
  };
  private readonly warnedDropped = new Set<string>();

  constructor(private readonly deps: IntakeDeps) {}

  /** Is this device let in on this input (DEVICE_ALLOWLIST)? Inputs ask before decoding more. */
  admit(deviceId: string, protocol: Protocol): IntakeResult | undefined {
    if (!isDeviceId(deviceId)) {
      this.counters.refused.invalid_device_id += 1;
      return { ok: false, status: 400, reason: 'id: must match ^[A-Za-z0-9_-]{1,64}$' };
    }
    const admission = this.deps.directory.admit(deviceId, protocol);
    if (admission.ok) return undefined;
    if (admission.status === 403) this.counters.refused.unknown_device += 1;
    else this.counters.refused.registry_unknown += 1;
    return admission;
  }

  /** Resolves once the fixes are durable (or refused): only then may the device be answered. */
  async accept(protocol: Protocol, deviceId: string, fixes: readonly Fix[]): Promise<IntakeResult> {
    const refused = this.admit(deviceId, protocol);
    if (refused) return refused;
    const { queue, commit, catalog, now, capacity } = this.deps;
    const skipped: Array<{ index: number; reason: SkipReason }> = [];
    const rows: Array<{ deviceId: string; fixMs: number; values: string }> = [];
    const limit = now() + MAX_FUTURE_SKEW_MS;
    fixes.forEach((fix, index) => {
      if (fix.fixMs > limit) {
        skipped.push({ index, reason: 'future_timestamp' });
        return;
      }
      const { values, dropped } = cleanValues(catalog, fix.values);
      if (dropped.length > 0) this.noteDropped(deviceId, dropped);
      if (Object.keys(values).length === 0) {
        skipped.push({ index, reason: 'no_signals' });
        return;
      }
      rows.push({ deviceId, fixMs: fix.fixMs, values: JSON.stringify(values) });
    });
    for (const s of skipped) this.counters.skipped[s.reason] += 1;
    if (rows.length > 0 && queue.queued(deviceId) + rows.length > capacity) {
      this.counters.refused.queue_full += 1;
      return {
        ok: false,
        status: 503,
        reason: `the gateway holds ${queue.queued(deviceId)} undelivered fixes of ${deviceId}; try again later`,
      };
    }
    const stored = rows.length === 0 ? [] : await commit.append(rows);
    if (this.deps.crashBeforeAnswer && rows.length > 0) process.kill(process.pid, 'SIGKILL');
    const n = stored.filter(Boolean).length;
    this.counters.stored += n;
    this.counters.duplicates += stored.length - n;
    return { ok: true, stored: n, duplicates: stored.length - n, skipped };
  }

  /** Logged once per device and key, counted always (as the collector treats them). */
  private noteDropped(deviceId: string, keys: readonly string[]): void {
    this.counters.droppedSignals += keys.length;
    for (const key of keys) {
      const k = `${deviceId}\u0000${key}`;
      if (this.warnedDropped.has(k) || this.warnedDropped.size > 10_000) continue;
      this.warnedDropped.add(k);
      this.deps.log.info(
        { device: deviceId, signal: key },
        'signal dropped (unknown, wrong type or out of range)',
      );
    }
  }
}
