// Trip, stop and harsh-driving settings (GEO_TRACKING, TRIP_MIN_DISTANCE_M, TRIP_MIN_DURATION_S, TRIP_MAX_GAP_S, HARSH_*): their env schema, spread into config.ts's, and the section built from it.
import { z } from 'zod';

const positive = (min: number, max: number, fallback: number) =>
  z.coerce.number().min(min).max(max).default(fallback);

/**
 * Spread into config.ts's envSchema; names are the env var names. Defaults and their sources:
 * docs/trips.md and docs/driving-behaviour.md (they equal geo/config.ts's DEFAULT_GEO_CONFIG).
 * Harsh thresholds stay below 10 m/s², the change geo/ treats as a bad reading, not driving.
 */
export const geoEnvShape = {
  GEO_TRACKING: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('true')
    .transform((v) => v === 'true'),
  TRIP_MIN_DISTANCE_M: positive(10, 100_000, 200),
  TRIP_MIN_DURATION_S: z.coerce.number().int().min(10).max(86_400).default(180),
  TRIP_MAX_GAP_S: z.coerce
    .number()
    .int()
    .min(60)
    .max(7 * 86_400)
    .default(3600),
  HARSH_ACCEL_MPS2: positive(0.5, 9.9, 3.0),
  HARSH_BRAKE_MPS2: positive(0.5, 9.9, 3.5),
  HARSH_CORNER_MPS2: positive(0.5, 9.9, 4.0),
};

type GeoEnv = z.infer<z.ZodObject<typeof geoEnvShape>>;

/** The settings of trips, stops and harsh driving: geo/config.ts's `geoConfig(overrides)` takes all but `tracking`. */
export interface GeoSettings {
  /** GEO_TRACKING: false, the collector computes no trips, stops or events (ingest only). */
  tracking: boolean;
  tripMinDistanceM: number;
  tripMinDurationS: number;
  tripMaxGapS: number;
  harsh: { accelMps2: number; brakeMps2: number; cornerMps2: number };
}

export function geoOf(e: GeoEnv): GeoSettings {
  return {
    tracking: e.GEO_TRACKING,
    tripMinDistanceM: e.TRIP_MIN_DISTANCE_M,
    tripMinDurationS: e.TRIP_MIN_DURATION_S,
    tripMaxGapS: e.TRIP_MAX_GAP_S,
    harsh: {
      accelMps2: e.HARSH_ACCEL_MPS2,
      brakeMps2: e.HARSH_BRAKE_MPS2,
      cornerMps2: e.HARSH_CORNER_MPS2,
    },
  };
}
