// Geo messages between programs: geofences (dashboard → collectors, retained fleet/geofences) and trip/geofence/harsh events (collector → dashboards, fleet/events).
import { z } from 'zod';
import { DEVICE_ID_PATTERN, FLEET_ROOT } from './contract.js';
import type { StoredGeoEvent } from './store/geo-store.js';

/** `fleet/geofences`, QoS 1, retained, dashboard -> collectors: every geofence (GeofenceSnapshot). */
export const GEOFENCES_TOPIC = `${FLEET_ROOT}/geofences`;
/** `fleet/events`, QoS 0, not retained, collector -> dashboards: one GeoEventBody per message. */
export const GEO_EVENTS_TOPIC = `${FLEET_ROOT}/events`;

export const GEO_EVENT_TYPES = [
  'geofence_enter',
  'geofence_exit',
  'trip_start',
  'trip_end',
  'harsh_accel',
  'harsh_brake',
  'harsh_corner',
] as const;
export type GeoEventType = (typeof GEO_EVENT_TYPES)[number];

/** One event as `GET /api/events` lists it and the Socket.IO `event` carries it. */
export interface GeoEventBody {
  /** Stable: the same event computed again (late data, a restart) keeps it. */
  id: string;
  device_id: string;
  type: GeoEventType;
  /** ISO 8601 UTC, device time. */
  time: string;
  geofence_id?: number;
  details: Record<string, unknown>;
}

/**
 * One geofence as the API and the retained snapshot carry it. `shape` is geo/geofence-shape.ts's
 * (a circle or a GeoJSON Polygon), validated by whoever reads it.
 */
export interface GeofenceBody {
  id: number;
  name: string;
  shape: unknown;
  speed_limit_kmh?: number;
}

export interface GeofenceSnapshot {
  geofences: GeofenceBody[];
  timestamp: string;
}

/** Events are small; anything larger on the topic is not one of ours. */
const MAX_EVENT_BYTES = 16_384;

const eventSchema = z.object({
  id: z.string().min(1).max(64),
  device_id: z.string().regex(DEVICE_ID_PATTERN),
  type: z.enum(GEO_EVENT_TYPES),
  time: z.iso.datetime({ offset: false }),
  geofence_id: z.int().optional(),
  details: z.record(z.string(), z.unknown()),
});

export function encodeGeoEvent(e: GeoEventBody): string {
  return JSON.stringify(e);
}

/** The event, or undefined for anything that is not one (the broker is shared). */
export function parseGeoEvent(payload: Uint8Array): GeoEventBody | undefined {
  if (payload.byteLength > MAX_EVENT_BYTES) return undefined;
  try {
    const r = eventSchema.safeParse(JSON.parse(Buffer.from(payload).toString('utf8')));
    return r.success ? (r.data as GeoEventBody) : undefined;
  } catch {
    return undefined;
  }
}

/** A stored event as the API, fleet/events and the Socket.IO `event` show it. */
export function eventBody(e: StoredGeoEvent): GeoEventBody {
  const g = e.geofenceId === null ? Number.NaN : Number(e.geofenceId);
  return {
    id: e.id,
    device_id: e.deviceId,
    type: e.type as GeoEventType,
    time: new Date(e.time).toISOString(),
    ...(Number.isInteger(g) ? { geofence_id: g } : {}),
    details: e.details,
  };
}
