// The gateway program's parts in start order (queue, uplink session, inputs) and their stop in reverse; counters for the stats line.
import type { Logger } from '../core/log.js';
import type { RegistryFollower } from '../registry/follower.js';
import type { LinkStats } from './device-link.js';
import type { Intake, IntakeCounters } from './intake.js';
import type { OsmandCounters, OsmandListener } from './osmand-listener.js';
import type { OwnTracksCounters, OwnTracksListener } from './owntracks-listener.js';
import type { FixQueue } from './queue/fix-queue.js';
import type { Numbering } from './queue/numbering.js';
import type { TeltonikaCounters, TeltonikaListener } from './teltonika-listener.js';
import type { Uplink } from './uplink.js';

export interface GatewayParts {
  queue: FixQueue;
  numbering: Numbering;
  /** Started before the numbering, stopped after it (the Redis client). */
  services: Array<{ start(): Promise<void>; stop(): Promise<void> }>;
  uplink: Uplink;
  intake: Intake;
  /** The registry as the last `fleet/registry` snapshot told it. */
  registry: RegistryFollower;
  osmand?: OsmandListener;
  teltonika?: TeltonikaListener;
  ownTracks?: OwnTracksListener;
  log: Logger;
}

export interface GatewayStats {
  devices: number;
  queued: number;
  intake: IntakeCounters;
  uplink: LinkStats & { connected: boolean };
  osmand?: OsmandCounters;
  teltonika?: TeltonikaCounters;
  ownTracks?: OwnTracksCounters;
}

export class Gateway {
  private started = false;

  constructor(readonly parts: GatewayParts) {}

  async start(): Promise<void> {
    const p = this.parts;
    p.queue.open();
    for (const s of p.services) await s.start();
    await p.numbering.start();
    await p.uplink.start();
    this.started = true;
    // Inputs last: a device is answered only once everything behind it runs.
    await p.osmand?.start();
    await p.teltonika?.start();
    await p.ownTracks?.start();
  }

  /** Inputs first (no new fixes), then the session, then the queue file. Safe to call twice. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    const p = this.parts;
    await p.ownTracks?.stop();
    await p.teltonika?.stop();
    await p.osmand?.stop();
    await p.uplink.stop();
    await p.numbering.stop();
    for (const s of [...p.services].reverse()) await s.stop();
    p.queue.close();
  }

  stats(): GatewayStats {
    const p = this.parts;
    return {
      devices: p.uplink.deviceCount,
      queued: p.queue.totalQueued,
      intake: p.intake.counters,
      uplink: { ...p.uplink.stats(), connected: p.uplink.connected },
      ...(p.osmand ? { osmand: p.osmand.counters } : {}),
      ...(p.teltonika ? { teltonika: p.teltonika.counters } : {}),
      ...(p.ownTracks ? { ownTracks: p.ownTracks.counters } : {}),
    };
  }
}
