// A fleet of devices in one process, with aggregated counters for the live summary line.
import type { LogDigest } from '../core/log-digest.js';
import type { Device, DeviceStats } from './device.js';
import type { QueueDatabase } from './offline-queue.js';
import type { TickWheel } from './tick-wheel.js';

export interface FleetStats {
  devices: number;
  connected: number;
  generated: number;
  published: number;
  acknowledged: number;
  queued: number;
  /** The fullest queue of the fleet. */
  queuedMax: number;
  dropped: number;
  /** e2e: confirmed stored by the collector. */
  confirmed: number;
  resends: number;
  stalls: number;
  reconnects: number;
}

export class Fleet {
  constructor(
    readonly devices: readonly Device[],
    /** The shared queue file and timer, when the fleet uses them (the file closes with its last device). */
    private readonly shared?: { queueFile: QueueDatabase; wheel: TickWheel },
    /** The fleet's summary of per-vehicle lines: what is pending is printed at stop. */
    private readonly digest?: LogDigest,
  ) {}

  async start(): Promise<void> {
    this.shared?.queueFile.open();
    await Promise.all(this.devices.map((d) => d.start()));
    this.shared?.wheel.start();
  }

  /** Stops taking readings; every device keeps delivering its backlog. */
  stopReadings(): void {
    for (const d of this.devices) d.stopReadings();
  }

  stats(): FleetStats {
    return statsOf(this.devices);
  }

  async stop(): Promise<void> {
    this.shared?.wheel.stop();
    await Promise.all(this.devices.map((d) => d.stop()));
    this.digest?.flush();
  }
}

/** The summed counters of some devices (a fleet, or the one vehicle of `npm run device`). */
export function statsOf(devices: readonly Device[]): FleetStats {
  const total: FleetStats = {
    devices: devices.length,
    connected: 0,
    generated: 0,
    published: 0,
    acknowledged: 0,
    queued: 0,
    queuedMax: 0,
    dropped: 0,
    confirmed: 0,
    resends: 0,
    stalls: 0,
    reconnects: 0,
  };
  for (const d of devices) addStats(total, d.stats());
  return total;
}

function addStats(total: FleetStats, s: DeviceStats): void {
  total.connected += s.connected ? 1 : 0;
  total.generated += s.generated;
  total.published += s.published;
  total.acknowledged += s.acknowledged;
  total.queued += s.queued;
  total.dropped += s.dropped;
  total.confirmed += s.confirmed;
  total.resends += s.resends;
  total.stalls += s.stalls;
  total.reconnects += s.reconnects;
  if (s.queued > total.queuedMax) total.queuedMax = s.queued;
}

/** One human line per second: what a user running a drill by hand watches. */
export function summaryLine(
  now: FleetStats,
  before: FleetStats | undefined,
  seconds: number,
): string {
  const rate = before ? Math.round((now.published - before.published) / seconds) : 0;
  return (
    `published ${now.published} (${rate}/s)  acknowledged ${now.acknowledged}  ` +
    `confirmed ${now.confirmed}  queued ${now.queued}  dropped ${now.dropped}  ` +
    `connected ${now.connected}/${now.devices}`
  );
}
