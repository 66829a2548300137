// The process's one store lent to a partition (start/stop are the owner's) with a fence: no write once the lease may be gone.
import type { DroppedNotice, SpeedReading } from '../../core/contract.js';
import type { TelemetryStore, WriteResult } from '../../core/store/types.js';

export interface Fence {
  /** False once the lease is lost or may have expired: the write is refused. */
  valid(): boolean;
}

/**
 * Every partition collector of a process writes through the same store (one SQLite connection or
 * one InfluxDB client). The fence is checked right before each write: a lease that ran out while
 * a batch waited makes the write fail, so the batch is never acknowledged and the broker gives it
 * to the next owner.
 */
export function borrowedStore(store: TelemetryStore, fence: Fence): TelemetryStore {
  const overrides: Partial<TelemetryStore> = {
    start: async () => {},
    stop: async () => {},
    write: (readings: readonly SpeedReading[], dropped?: readonly DroppedNotice[]) => {
      if (!fence.valid()) return Promise.reject(new Error('partition lease lost: write refused'));
      return store.write(readings, dropped);
    },
  };
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop in overrides) return overrides[prop as keyof TelemetryStore];
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const NOTHING: Omit<WriteResult, 'stored'> = {
  duplicates: 0,
  progress: [],
  gaps: [],
  filled: 0,
  declaredDropped: 0,
  droppedIgnored: 0,
};

/**
 * The alarms feed's store: nothing is written (the partition owners store the readings); every
 * reading is handed on as if stored, so the alarm engine sees what the vehicles publish.
 */
export function witnessStore(store: TelemetryStore): TelemetryStore {
  const overrides: Partial<TelemetryStore> = {
    start: async () => {},
    stop: async () => {},
    coverage: async () => [],
    write: async (readings: readonly SpeedReading[]) => ({ ...NOTHING, stored: readings.length }),
  };
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop in overrides) return overrides[prop as keyof TelemetryStore];
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
