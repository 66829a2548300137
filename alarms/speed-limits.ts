// Per-vehicle speed limits for threshold rules: the device registry's retained snapshot (fleet/registry), followed over MQTT.
import { z } from 'zod';
import { DEVICE_ID_PATTERN, REGISTRY_TOPIC } from '../core/contract.js';
import type { Logger } from '../core/log.js';

/** All the alarm engine needs of a registry; undefined: use the rule's default. */
export interface SpeedLimits {
  limitFor(deviceId: string): number | undefined;
}

/** The parts of a RegistrySnapshot (core/contract.ts) this follower reads; other fields pass. */
const snapshotSchema = z.object({
  devices: z
    .array(
      z.object({
        device_id: z.string().regex(DEVICE_ID_PATTERN),
        speed_limit_kmh: z.number().positive().max(1000).nullable(),
      }),
    )
    .max(1_000_000),
});

/** Large enough for a 10,000-vehicle registry; anything bigger is not ours. */
const MAX_SNAPSHOT_BYTES = 4 * 1024 * 1024;

/**
 * The minimal follower of the registry the dashboard publishes (retained, so every (re)subscribe
 * brings the current one): a map from device id to limit, replaced by each valid snapshot. A bad
 * snapshot is logged and ignored (the previous limits stay).
 */
export class RegistryLimits implements SpeedLimits {
  readonly topic = REGISTRY_TOPIC;
  private limits = new Map<string, number>();

  constructor(private readonly log: Logger) {}

  accept(payload: Uint8Array): void {
    let value: unknown;
    try {
      if (payload.byteLength > MAX_SNAPSHOT_BYTES) throw new Error('too large');
      // An empty retained message deletes the snapshot: no registry, default limits.
      value =
        payload.byteLength === 0
          ? { devices: [] }
          : JSON.parse(Buffer.from(payload).toString('utf8'));
    } catch {
      this.log.warn({ topic: this.topic }, 'registry snapshot ignored: not JSON');
      return;
    }
    const parsed = snapshotSchema.safeParse(value);
    if (!parsed.success) {
      this.log.warn(
        { topic: this.topic, issues: parsed.error.issues.length },
        'registry snapshot ignored: invalid',
      );
      return;
    }
    const next = new Map<string, number>();
    for (const d of parsed.data.devices) {
      if (d.speed_limit_kmh !== null) next.set(d.device_id, d.speed_limit_kmh);
    }
    this.limits = next;
    this.log.info(
      { devices: parsed.data.devices.length, limits: next.size },
      'registry speed limits',
    );
  }

  limitFor(deviceId: string): number | undefined {
    return this.limits.get(deviceId);
  }
}
