// What the alarm engine knows of each device across rules (status, since when, last reading) and of the fleet; saved about once a second.
import type { StatusMessage } from '../core/contract.js';
import type { AlarmRows } from './store/alarm-rows.js';
import type { DeviceFacts } from './store/records.js';

const LAST_READING_KEY = 'fleet_last_reading_at';

/**
 * Last-reading times change with every batch but matter in tens of seconds (no_data, fleet
 * silence): they are saved about once a second, not per reading. A status change is saved at once.
 */
export class DeviceFactsBoard {
  private readonly devices = new Map<string, DeviceFacts>();
  private readonly dirty = new Set<string>();
  private lastFlushAt = 0;
  /** Collector time the last reading from any device arrived; undefined: never. */
  lastReadingAt: number | undefined;

  constructor(
    private readonly rows: AlarmRows,
    private readonly now: () => number,
  ) {}

  load(): void {
    for (const f of this.rows.devices()) this.devices.set(f.deviceId, f);
    const last = this.rows.meta(LAST_READING_KEY);
    this.lastReadingAt = last === undefined ? undefined : Number(last);
  }

  /** The device's facts, created (status unknown) on first sight. */
  get(deviceId: string): DeviceFacts {
    let f = this.devices.get(deviceId);
    if (!f) {
      f = {
        deviceId,
        status: undefined,
        statusSince: this.now(),
        lastReadingAt: undefined,
        quietMs: 0,
      };
      this.devices.set(deviceId, f);
    }
    return f;
  }

  all(): IterableIterator<DeviceFacts> {
    return this.devices.values();
  }

  /** quietMs: what the reading announced of the next one (core/expected-interval.ts). */
  readingArrived(deviceId: string, at: number, quietMs = 0): DeviceFacts {
    const f = this.get(deviceId);
    f.lastReadingAt = at;
    f.quietMs = quietMs;
    this.lastReadingAt = at;
    this.dirty.add(deviceId);
    return f;
  }

  /** The facts after a status message; undefined when it changes nothing (a retained one heard again). */
  status(s: StatusMessage, at: number): DeviceFacts | undefined {
    const f = this.get(s.device_id);
    if (f.status === s.status) return undefined;
    f.status = s.status;
    f.statusSince = at;
    this.rows.saveDevice(f);
    this.dirty.delete(s.device_id);
    return f;
  }

  /** Saves what changed, at most about once a second unless forced. */
  flush(at: number, force = false): void {
    if (!force && at - this.lastFlushAt < 1000) return;
    this.lastFlushAt = at;
    if (this.dirty.size === 0) return;
    this.rows.atomically(() => {
      for (const id of this.dirty) {
        const f = this.devices.get(id);
        if (f) this.rows.saveDevice(f);
      }
      if (this.lastReadingAt !== undefined) {
        this.rows.setMeta(LAST_READING_KEY, String(this.lastReadingAt));
      }
    });
    this.dirty.clear();
  }
}
