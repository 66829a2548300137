// Composition of a fleet: vehicle ids, phases spread over the interval, and the queue layout.
import type { Config } from '../core/config.js';
import type { Logger } from '../core/log.js';
import { LogDigest } from '../core/log-digest.js';
import { type CreateDeviceOptions, createDevice, fleetIds } from './create-device.js';
import { StreetGrid } from './drive/street-grid.js';
import { Fleet } from './fleet.js';
import { type QueueDatabase, sharedQueueFile } from './offline-queue.js';
import { TickWheel } from './tick-wheel.js';

/** Past this many vehicles per process, auto picks the shared queue file (file descriptors). */
export const PER_DEVICE_FILES_MAX = 1000;

export function queueLayout(config: Config): 'per-device' | 'shared' {
  const { queueLayout: layout, count } = config.devices;
  if (layout !== 'auto') return layout;
  return count > PER_DEVICE_FILES_MAX ? 'shared' : 'per-device';
}

/** Slot of the shared timer: readings taken together share one commit. */
const WHEEL_SLOT_MS = 10;

export function createFleet(
  config: Config,
  log: Logger,
  options: Omit<CreateDeviceOptions, 'phaseMs' | 'queueFile' | 'wheel' | 'grid'> = {},
): Fleet {
  const { count, prefix, intervalMs, queueDir } = config.devices;
  let shared: { queueFile: QueueDatabase; wheel: TickWheel } | undefined;
  if (queueLayout(config) === 'shared') {
    const queueFile = sharedQueueFile(queueDir);
    const slotMs = Math.min(WHEEL_SLOT_MS, intervalMs);
    shared = {
      queueFile,
      wheel: new TickWheel({ intervalMs, slotMs, batch: (work) => queueFile.batch(work) }),
    };
  }
  const grid = new StreetGrid();
  // With 1,000 vehicles a line per vehicle that resends was hundreds of lines after a broker
  // hiccup: each at debug, a summary at info at most every few seconds.
  const digest = new LogDigest(log, {
    message: 'vehicles resending unconfirmed readings (no confirmation progress)',
    now: Date.now,
  });
  const devices = fleetIds(prefix, count).map((id, i) =>
    createDevice(config, id, log, {
      ...options,
      grid,
      digest,
      // Spread the fleet over the interval so the broker sees a steady stream, not bursts.
      phaseMs: Math.floor((i / count) * intervalMs),
      ...(shared ?? {}),
    }),
  );
  return new Fleet(devices, shared, digest);
}
