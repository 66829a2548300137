// The retained `fleet/geofences` snapshot: encoded by the dashboard, validated by every collector (each shape checked again).
import { z } from 'zod';
import type { GeofenceBody, GeofenceSnapshot } from '../core/geo-wire.js';
import type { Geofence } from '../geo/geofence-index.js';
import { geofenceNameSchema, geofenceSpeedLimitSchema, toGeofence } from './entry.js';

/** 1,000 zones of 10,000 vertices are ~250 MB: far more than a fleet draws; refused before parsing. */
export const MAX_GEOFENCE_SNAPSHOT_BYTES = 64 * 1024 * 1024;

const snapshotSchema = z.strictObject({
  geofences: z.array(
    z.strictObject({
      id: z.int().min(1),
      name: geofenceNameSchema,
      shape: z.unknown(),
      speed_limit_kmh: geofenceSpeedLimitSchema.optional(),
    }),
  ),
  timestamp: z.iso.datetime({ offset: false }),
});

export function encodeGeofenceSnapshot(geofences: readonly GeofenceBody[], now: number): string {
  const snapshot: GeofenceSnapshot = {
    geofences: geofences.map((g) => ({
      id: g.id,
      name: g.name,
      shape: g.shape,
      ...(g.speed_limit_kmh === undefined ? {} : { speed_limit_kmh: g.speed_limit_kmh }),
    })),
    timestamp: new Date(now).toISOString(),
  };
  return JSON.stringify(snapshot);
}

export type GeofenceVerdict =
  | { ok: true; snapshot: GeofenceSnapshot; geofences: Geofence[] }
  | { ok: false; problem: string };

/** The whole snapshot or nothing: one bad geofence refuses it (followers keep the last good one). */
export function parseGeofenceSnapshot(payload: Uint8Array | string): GeofenceVerdict {
  const size = typeof payload === 'string' ? payload.length : payload.byteLength;
  if (size === 0) return { ok: false, problem: 'empty message' };
  if (size > MAX_GEOFENCE_SNAPSHOT_BYTES) {
    return { ok: false, problem: `${size} bytes > ${MAX_GEOFENCE_SNAPSHOT_BYTES}` };
  }
  let value: unknown;
  try {
    value = JSON.parse(
      typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8'),
    );
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
  const ids = new Set(result.data.geofences.map((g) => g.id));
  if (ids.size !== result.data.geofences.length) return { ok: false, problem: 'a geofence twice' };
  try {
    const snapshot = result.data as GeofenceSnapshot;
    return { ok: true, snapshot, geofences: snapshot.geofences.map(toGeofence) };
  } catch (err) {
    return { ok: false, problem: (err as Error).message };
  }
}
