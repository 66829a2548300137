// Active alarms per vehicle, kept in memory from the alarm follower's events (the table sorts and filters by them every second).
import type { Alarm } from '../../core/contract.js';

export class ActiveAlarms {
  /** Active (open or acknowledged) alarm id → its device (null: fleet-wide). */
  private readonly active = new Map<string, string | null>();
  private perDevice = new Map<string, number>();
  private dirty = false;

  /** Every alarm as it changes; a cleared one leaves the set. */
  apply(alarm: Alarm): void {
    if (alarm.state === 'cleared') this.active.delete(alarm.id);
    else this.active.set(alarm.id, alarm.device_id);
    this.dirty = true;
  }

  get total(): number {
    return this.active.size;
  }

  /** Active alarms by device id (rebuilt only after a change). */
  byDevice(): ReadonlyMap<string, number> {
    if (this.dirty) {
      const counts = new Map<string, number>();
      for (const deviceId of this.active.values()) {
        if (deviceId !== null) counts.set(deviceId, (counts.get(deviceId) ?? 0) + 1);
      }
      this.perDevice = counts;
      this.dirty = false;
    }
    return this.perDevice;
  }
}
