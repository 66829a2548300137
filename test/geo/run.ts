// Runs samples through a vehicle tracker and sorts what came out into trips, stops and events.
import { type GeoConfig, geoConfig } from '../../geo/config.js';
import { compileZones, type Geofence } from '../../geo/geofence-index.js';
import type { GeoEvent, Stop, Trip } from '../../geo/records.js';
import type { GeoSample } from '../../geo/sample.js';
import { type GeoOutput, VehicleTracker } from '../../geo/tracker.js';

export interface Results {
  trips: Trip[];
  stops: Stop[];
  events: GeoEvent[];
  tracker: VehicleTracker;
}

export function sortOutputs(outputs: readonly GeoOutput[]): Omit<Results, 'tracker'> {
  const r: Omit<Results, 'tracker'> = { trips: [], stops: [], events: [] };
  for (const o of outputs) {
    if (o.kind === 'trip') r.trips.push(o.trip);
    else if (o.kind === 'stop') r.stops.push(o.stop);
    else r.events.push(o.event);
  }
  return r;
}

export function run(
  samples: readonly GeoSample[],
  o: { config?: GeoConfig; zones?: Geofence[]; speedLimitKmh?: number } = {},
): Results {
  const tracker = new VehicleTracker({
    config: o.config ?? geoConfig(),
    zones: compileZones(o.zones ?? []),
    speedLimitKmh: o.speedLimitKmh,
  });
  const out: GeoOutput[] = [];
  for (const s of samples) out.push(...tracker.push(s));
  return { ...sortOutputs(out), tracker };
}

export const ms = (iso: string): number => Date.parse(iso);
export const types = (events: readonly GeoEvent[]): string[] => events.map((e) => e.type);
