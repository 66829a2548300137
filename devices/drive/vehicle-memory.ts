// A simulated vehicle that remembers itself: after a restart it carries on where it was (position, odometer, fuel, coolant) instead of starting its day afresh.
import type { SignalValue } from '../../core/signals/catalog.js';
import type { DeviceAddon } from '../device-addon.js';
import type { SnapshotStore } from './snapshot-store.js';
import type { VehicleModel, VehicleSim } from './vehicle-sim.js';

/**
 * Saved when the device stops and, while it runs, with a reading at most every SAVE_EVERY_MS of
 * its time: in a fleet the reading's slot commits it, so it costs no commit of its own. After a
 * crash the vehicle resumes from at most that long before (its odometer may repeat those
 * metres); after a clean stop, exactly.
 */
const SAVE_EVERY_MS = 10_000;

/** The vehicle model a Device drives, remembered in the queue file (a model and an addon). */
export class VehicleMemory implements VehicleModel, DeviceAddon {
  private store: SnapshotStore | undefined;
  private savedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly sim: VehicleSim,
    /** Opens this vehicle's row (the queue file is open by the time the device attaches it). */
    private readonly open: () => SnapshotStore,
  ) {}

  get speedLimit(): number | null {
    return this.sim.speedLimit;
  }

  setSpeedLimit(kmh: number | null): void {
    this.sim.setSpeedLimit(kmh);
  }

  /** Device.start(): before the first reading. */
  attach(): void {
    const store = this.open();
    this.store = store;
    const last = store.load();
    if (last) this.sim.resume(last);
  }

  read(now: number): Record<string, SignalValue> | undefined {
    const values = this.sim.read(now);
    if (values && now - this.savedAt >= SAVE_EVERY_MS) {
      this.savedAt = now;
      this.store?.save(this.sim.snapshot());
    }
    return values;
  }

  stop(): void {
    const store = this.store;
    this.store = undefined;
    if (!store) return;
    if (this.savedAt > Number.NEGATIVE_INFINITY) store.save(this.sim.snapshot());
    store.close();
  }
}
