// The retained `fleet/registry` snapshot: encoded by the dashboard, validated by every follower.
import { z } from 'zod';
import type { RegistrySnapshot } from '../core/contract.js';
import { entryOf, type RegistryEntry, registryEntrySchema } from './entry.js';

/**
 * Far above any fleet this runs (10,000 vehicles are ~1 MB) and far below what would hurt a
 * follower: a larger message on the topic is refused before it is parsed.
 */
export const MAX_SNAPSHOT_BYTES = 32 * 1024 * 1024;

const snapshotSchema = z.strictObject({
  devices: z.array(registryEntrySchema),
  timestamp: z.iso.datetime({ offset: false }),
});

export function encodeSnapshot(devices: readonly RegistryEntry[], now: number): string {
  const snapshot: RegistrySnapshot = {
    devices: devices.map(entryOf),
    timestamp: new Date(now).toISOString(),
  };
  return JSON.stringify(snapshot);
}

export type SnapshotVerdict =
  | { ok: true; snapshot: RegistrySnapshot }
  | { ok: false; problem: string };

/** The whole snapshot or nothing: one bad entry refuses it (the follower keeps the last good one). */
export function parseSnapshot(payload: Uint8Array): SnapshotVerdict {
  if (payload.byteLength === 0) return { ok: false, problem: 'empty message' };
  if (payload.byteLength > MAX_SNAPSHOT_BYTES) {
    return { ok: false, problem: `${payload.byteLength} bytes > ${MAX_SNAPSHOT_BYTES}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload).toString('utf8'));
  } catch {
    return { ok: false, problem: 'not valid JSON' };
  }
  const result = snapshotSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    return {
      ok: false,
      problem: issue ? `${issue.path.join('.') || 'snapshot'}: ${issue.message}` : 'invalid',
    };
  }
  const ids = new Set(result.data.devices.map((d) => d.device_id));
  if (ids.size !== result.data.devices.length) return { ok: false, problem: 'a device twice' };
  const imeis = result.data.devices.flatMap((d) => (d.imei === undefined ? [] : [d.imei]));
  if (new Set(imeis).size !== imeis.length) return { ok: false, problem: 'an imei twice' };
  return { ok: true, snapshot: result.data };
}
