// Retention for the SQLite store: deletes rows past each tier's horizon in small, resumable steps.
import type Database from 'better-sqlite3';
import { HOUR_MS, MINUTE_MS } from './rollup.js';
import type { PruneStep, Retention } from './types.js';

interface TierTable {
  /** Retention of this tier (ms, 0 = forever). */
  keep: (r: Retention) => number;
  /** Deletes at most `limit` of one device's rows older than `before`; returns how many. */
  remove: Database.Statement<{ device: string; before: number; limit: number }>;
  /** A rollup row counts as old once its whole bucket is. */
  bucketMs: number;
}

const DEVICES_PAGE = 64;

/**
 * One step deletes at most `budget` rows in one transaction, so ingest (same connection, same
 * event loop) waits at most one short step. Steps walk tier by tier and device by device from a
 * cursor kept between calls; the index on (device_id, ts) and the rollups' (device_id, bucket)
 * keys find the old rows of a device without scanning. Freed pages go to SQLite's free list and
 * are reused by new rows, so under steady load the file stops growing.
 */
export class SqlitePruner {
  private tier = 0;
  private afterDevice = '';
  private tiers: TierTable[] | undefined;
  private nextDevices: Database.Statement<[string, number], string> | undefined;

  constructor(
    private readonly db: Database.Database,
    private readonly retention: Retention,
  ) {}

  private prepare(): TierTable[] {
    if (this.tiers) return this.tiers;
    const db = this.db;
    this.nextDevices = db
      .prepare<[string, number], string>(
        'SELECT device_id FROM devices WHERE device_id > ? ORDER BY device_id LIMIT ?',
      )
      .pluck();
    const rollup = (table: string) =>
      db.prepare<{ device: string; before: number; limit: number }>(
        `DELETE FROM ${table} WHERE device_id = @device AND bucket IN (
           SELECT bucket FROM ${table} WHERE device_id = @device AND bucket < @before LIMIT @limit)`,
      );
    this.tiers = [
      {
        keep: (r) => r.rawMs,
        bucketMs: 1,
        remove: db.prepare(
          `DELETE FROM readings WHERE device_id = @device AND seq IN (
             SELECT seq FROM readings INDEXED BY readings_by_time
             WHERE device_id = @device AND ts < @before LIMIT @limit)`,
        ),
      },
      { keep: (r) => r.oneMinuteMs, bucketMs: MINUTE_MS, remove: rollup('rollup_1m') },
      { keep: (r) => r.oneHourMs, bucketMs: HOUR_MS, remove: rollup('rollup_1h') },
    ];
    return this.tiers;
  }

  step(now: number, budget: number): PruneStep {
    const tiers = this.prepare();
    const nextDevices = this.nextDevices;
    if (!nextDevices) throw new Error('pruner not prepared');
    let deleted = 0;
    this.db.transaction(() => {
      while (deleted < budget && this.tier < tiers.length) {
        const t = tiers[this.tier] as TierTable;
        const keepMs = t.keep(this.retention);
        const ids = keepMs > 0 ? nextDevices.all(this.afterDevice, DEVICES_PAGE) : [];
        if (ids.length === 0) {
          this.tier += 1;
          this.afterDevice = '';
          continue;
        }
        const before = now - keepMs - t.bucketMs + 1;
        for (const device of ids) {
          const limit = budget - deleted;
          const n = t.remove.run({ device, before, limit }).changes;
          deleted += n;
          if (n >= limit) break; // more of this device may be due: resume on it
          this.afterDevice = device;
        }
      }
    })();
    if (this.tier < tiers.length) return { deleted, more: true };
    this.tier = 0;
    this.afterDevice = '';
    return { deleted, more: false };
  }
}
