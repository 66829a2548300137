// geo/'s outputs as the geo store keeps them: trips and stops with their per-day figures, events with deterministic ids.
import { createHash } from 'node:crypto';
import type { GeoDayFigures, GeoEventRecord, GeoKey, GeoRecord } from '../core/store/geo-store.js';
import type { GeoEvent, Stop, Trip } from '../geo/records.js';

const blank = (day: string): GeoDayFigures => ({
  day,
  distance_km: 0,
  driving_s: 0,
  idle_s: 0,
  stopped_s: 0,
  overspeed_s: 0,
  max_speed_kmh: 0,
  fuel_used_pct: 0,
  harsh_events: 0,
  trips: 0,
});

/** A trip's days as geo/report.ts sums them; the trip counts on the day it started. */
export function tripRecord(at: GeoKey, trip: Trip): GeoRecord {
  const startDay = trip.start.slice(0, 10);
  const days = trip.days.map((d) => ({
    ...blank(d.day),
    distance_km: d.distance_km,
    driving_s: d.driving_s,
    idle_s: d.idle_s,
    overspeed_s: d.overspeed_s,
    max_speed_kmh: d.max_speed_kmh,
    fuel_used_pct: d.fuel_used_pct,
    harsh_events: d.harsh_accel + d.harsh_brake + d.harsh_corner,
    trips: d.day === startDay ? 1 : 0,
  }));
  if (!days.some((d) => d.day === startDay)) days.unshift({ ...blank(startDay), trips: 1 });
  return {
    at,
    start: Date.parse(trip.start),
    end: Date.parse(trip.end),
    body: trip as unknown as Record<string, unknown>,
    days,
  };
}

/** A stop's days: its time and its engine-on time (idle) per day. */
export function stopRecord(at: GeoKey, stop: Stop): GeoRecord {
  return {
    at,
    start: Date.parse(stop.start),
    end: Date.parse(stop.end),
    body: stop as unknown as Record<string, unknown>,
    days: stop.days.map((d) => ({
      ...blank(d.day),
      stopped_s: d.stopped_s,
      idle_s: d.ignition_on_s,
    })),
  };
}

/**
 * The same event computed again (after late data, a restart or a handover) gets the same id: a
 * hash of the vehicle, its time, type and geofence and the sample that produced it.
 */
export function eventRecord(deviceId: string, at: GeoKey, e: GeoEvent): GeoEventRecord {
  const geofenceId = e.geofence_id === undefined ? null : String(e.geofence_id);
  const id = createHash('sha1')
    .update(`${deviceId}\n${e.time}\n${e.type}\n${geofenceId ?? ''}\n${at.time}\n${at.seq}`)
    .digest('hex')
    .slice(0, 20);
  return { at, id, type: e.type, time: Date.parse(e.time), geofenceId, details: e.details };
}
