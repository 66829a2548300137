// What a geofence may hold: the field rules shared by the dashboard's routes and the collectors' snapshot parser; shapes checked by geo/geofence-shape.ts.
import { z } from 'zod';
import { MAX_SPEED_KMH } from '../core/contract.js';
import type { GeofenceBody } from '../core/geo-wire.js';
import type { Geofence } from '../geo/geofence-index.js';
import { validateShape } from '../geo/geofence-shape.js';
import { nameSchema } from '../registry/entry.js';

export const geofenceNameSchema = nameSchema;

export const geofenceSpeedLimitSchema = z
  .number({ error: 'speed_limit_kmh must be a number' })
  .min(1, `speed_limit_kmh must be from 1 to ${MAX_SPEED_KMH}`)
  .max(MAX_SPEED_KMH, `speed_limit_kmh must be from 1 to ${MAX_SPEED_KMH}`);

/**
 * A shape as zod sees it: anything, refined by validateShape (its reason becomes the message), and
 * replaced by the cleaned shape it returns (2-D positions, repeated vertices dropped).
 */
export const shapeSchema = z.unknown().transform((value, ctx) => {
  const check = validateShape(value);
  if (!check.ok) {
    ctx.addIssue({ code: 'custom', message: `shape: ${check.reason}` });
    return z.NEVER;
  }
  return check.shape;
});

/** The body of POST /api/geofences and PUT /api/geofences/:id. */
export const geofenceInput = z.strictObject(
  {
    name: geofenceNameSchema,
    shape: shapeSchema,
    speed_limit_kmh: geofenceSpeedLimitSchema.nullable().optional(),
  },
  { error: (i) => (i.code === 'invalid_type' ? 'the body must be a JSON object' : undefined) },
);

/** The geo logic's view of a stored geofence. */
export function toGeofence(g: GeofenceBody): Geofence {
  const check = validateShape(g.shape);
  if (!check.ok) throw new Error(`geofence ${g.id}: ${check.reason}`);
  return {
    id: g.id,
    name: g.name,
    shape: check.shape,
    ...(g.speed_limit_kmh === undefined ? {} : { speed_limit_kmh: g.speed_limit_kmh }),
  };
}
