// The `map_view` event's schema (zod): a viewport the live map may ask for; anything else is ignored and counted.
import { z } from 'zod';
import { MAP_MAX_ZOOM, type MapViewRequest } from '../../core/map-wire.js';

const lat = z.number().min(-90).max(90);
/** Two turns either way: a padded view across the antimeridian reaches past ±180. */
const lon = z.number().min(-720).max(720);

export const mapViewSchema = z
  .strictObject({
    bounds: z.tuple([lat, lon, lat, lon]),
    zoom: z.number().min(0).max(MAP_MAX_ZOOM),
  })
  .refine(({ bounds: [s, w, n, e] }) => s <= n && w <= e, {
    message: 'bounds must be [south, west, north, east] with south <= north and west <= east',
  });

/** The viewport, or undefined for anything that is not one (never throws). */
export function parseMapView(input: unknown): MapViewRequest | undefined {
  const result = mapViewSchema.safeParse(input);
  return result.success ? result.data : undefined;
}
