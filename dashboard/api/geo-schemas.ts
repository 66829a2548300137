// Response schemas of the geo routes (zod): track GeoJSON, trips, stops, summaries, geofences, events.
import { z } from 'zod';
import { GEO_EVENT_TYPES } from '../../core/geo-wire.js';

const isoTime = z.iso.datetime({ offset: true });
const position = z.tuple([z.number(), z.number()]).describe('[lon, lat]');

export const trackBody = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(
    z.object({
      type: z.literal('Feature'),
      geometry: z.object({ type: z.literal('LineString'), coordinates: z.array(position) }),
      properties: z.object({ start: isoTime, end: isoTime, times: z.array(isoTime) }),
    }),
  ),
});

export const tripRow = z.object({
  start: isoTime,
  end: isoTime,
  start_position: position,
  end_position: position,
  distance_km: z.number(),
  duration_s: z.number(),
  max_speed_kmh: z.number(),
  avg_speed_kmh: z.number(),
  idle_s: z.number(),
  harsh_accel: z.int(),
  harsh_brake: z.int(),
  harsh_corner: z.int(),
  score: z.number(),
});
export const tripsBody = z.array(tripRow);

export const stopRow = z.object({
  start: isoTime,
  end: isoTime,
  position,
  duration_s: z.number(),
  ignition_on_s: z.number(),
});
export const stopsBody = z.array(stopRow);

export const summaryRowSchema = z.object({
  device_id: z.string(),
  day: z.string().optional().describe('YYYY-MM-DD (UTC), with group_by=day'),
  distance_km: z.number(),
  driving_s: z.number(),
  idle_s: z.number(),
  stopped_s: z.number(),
  max_speed_kmh: z.number(),
  avg_speed_kmh: z.number(),
  overspeed_s: z.number(),
  fuel_used_pct: z.number(),
  trips: z.int(),
  harsh_events: z.int(),
  score: z.number(),
});
export const summaryBody = z.array(summaryRowSchema);

export const circleShape = z.object({
  type: z.literal('circle'),
  center: position,
  radius_m: z.number(),
});
export const polygonShape = z.object({
  type: z.literal('Polygon'),
  coordinates: z.array(z.array(position)).describe('outer ring, then holes; each ring closed'),
});
export const geofenceBody = z.object({
  id: z.int(),
  name: z.string(),
  shape: z.union([circleShape, polygonShape]),
  speed_limit_kmh: z.number().optional(),
});
export const geofencesBody = z.array(geofenceBody);

export const eventRow = z.object({
  id: z.string(),
  device_id: z.string(),
  type: z.enum(GEO_EVENT_TYPES),
  time: isoTime,
  geofence_id: z.int().optional(),
  details: z.record(z.string(), z.unknown()),
});
export const eventsBody = z.array(eventRow);
