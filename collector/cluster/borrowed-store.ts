// The process's one store lent to a partition (start/stop are the owner's) with a fence: no write once the lease may be gone.
import type { DroppedNotice, Reading } from '../../core/contract.js';
import type { TelemetryStore, WriteResult } from '../../core/store/types.js';

export interface Fence {
  /** False once the lease is lost or may have expired: the write is refused. */
  valid(): boolean;
}

/** The partition a borrowed store serves: its claim's key and its vehicles. */
export interface Partition {
  key: string;
  owns: (deviceId: string) => boolean;
  /** True once the lease is going: a claim retrying on an unreachable store gives up. */
  cancelled: () => boolean;
}

const CLAIM_RETRY_MS = [200, 500, 1000, 2000];

/**
 * Retried until it succeeds or the lease goes: a partition must not be served on an empty
 * coverage (resends would be stored twice), and its vehicles keep their readings meanwhile.
 */
async function claimRetrying(
  store: TelemetryStore,
  fence: Fence,
  p: Partition,
): ReturnType<TelemetryStore['claim']> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await store.claim(p.key, p.owns, () => fence.valid());
    } catch (err) {
      if (!fence.valid() || p.cancelled()) throw err;
      const wait = CLAIM_RETRY_MS[Math.min(attempt, CLAIM_RETRY_MS.length - 1)] ?? 2000;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/**
 * Every partition collector of a process writes through the same store (one SQLite connection or
 * one InfluxDB client). The fence is checked right before each write (and by the store itself
 * before its queued writes go out): a lease that ran out while a batch waited makes the write
 * fail, so the batch is never acknowledged and the broker gives it to the next owner. The
 * collector's start-up read of coverage() becomes a claim: the partition's devices are read
 * again from the shared store, as another collector may have written them since.
 */
export function borrowedStore(
  store: TelemetryStore,
  fence: Fence,
  partition: Partition,
): TelemetryStore {
  const overrides: Partial<TelemetryStore> = {
    start: async () => {},
    stop: async () => {},
    coverage: () => claimRetrying(store, fence, partition),
    write: (
      readings: readonly Reading[],
      dropped?: readonly DroppedNotice[],
      times?: readonly number[],
    ) => {
      if (!fence.valid()) return Promise.reject(new Error('partition lease lost: write refused'));
      return store.write(readings, dropped, times);
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
  reflagged: [],
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
    claim: async () => [],
    disown: async () => {},
    write: async (readings: readonly Reading[]) => ({ ...NOTHING, stored: readings.length }),
  };
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop in overrides) return overrides[prop as keyof TelemetryStore];
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
