// Per-device progress as the store reports it: the acknowledged watermark, open gaps, last seen; counters for stats.
import type { DeviceProgress } from '../core/store/seq-coverage.js';
import type { WriteResult } from '../core/store/types.js';

export interface TrackSnapshot {
  watermark: number;
  highest: number;
  /** Seqs between the watermark and the highest seen that are not stored (open gaps). */
  missing: number;
  lastSeenAt: number;
}

/**
 * The store decides what is new and keeps each device's coverage with its readings (see
 * core/store/seq-coverage.ts); this is the collector's copy of the answers, for acks and stats.
 * Start-up loads it from the store's coverage rows, one per device, whatever the history holds.
 */
export class DeviceProgressBoard {
  private readonly devices = new Map<string, TrackSnapshot>();
  gapsOpened = 0;
  gapsFilled = 0;
  duplicates = 0;
  /** Seqs devices declared dropped (evicted from a full queue) that were never stored. */
  declaredDropped = 0;
  /** Dropped notices refused because they reached beyond the highest seq stored. */
  droppedIgnored = 0;

  load(progress: readonly DeviceProgress[]): void {
    for (const p of progress) this.set(p, 0);
  }

  apply(result: WriteResult, at: number): void {
    for (const p of result.progress) this.set(p, at);
    this.gapsOpened += result.gaps.length;
    this.gapsFilled += result.filled;
    this.duplicates += result.duplicates;
    this.declaredDropped += result.declaredDropped;
    this.droppedIgnored += result.droppedIgnored;
  }

  private set(p: DeviceProgress, at: number): void {
    const lastSeenAt = at || (this.devices.get(p.deviceId)?.lastSeenAt ?? 0);
    this.devices.set(p.deviceId, {
      watermark: p.watermark,
      highest: p.highest,
      missing: p.missing,
      lastSeenAt,
    });
  }

  watermark(deviceId: string): number {
    return this.devices.get(deviceId)?.watermark ?? -1;
  }

  get size(): number {
    return this.devices.size;
  }

  /** Seqs missing in open gaps, over every device (one pass: read per scrape, not per message). */
  missingTotal(): number {
    let n = 0;
    for (const d of this.devices.values()) n += d.missing;
    return n;
  }

  deviceIds(): string[] {
    return [...this.devices.keys()];
  }

  snapshot(): Record<string, TrackSnapshot> {
    return Object.fromEntries(this.devices);
  }
}
