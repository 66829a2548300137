// The simulator's settings (SIM_CENTER, PARKED_INTERVAL_S, SIM_BAD_FIX_RATE): their env schema, spread into config.ts's, and the section built from it.
import { z } from 'zod';

/** Berlin, Alexanderplatz/Mitte: the simulated vehicles' default city. */
export const DEFAULT_SIM_CENTER = { lat: 52.52, lon: 13.405 } as const;

/** `lat,lon` in decimal degrees, e.g. `52.52,13.405`. */
const center = z
  .string()
  .transform((text, ctx) => {
    const parts = text.split(',').map((p) => p.trim());
    const [lat, lon] = parts.map(Number);
    const ok =
      parts.length === 2 &&
      parts.every((p) => /^[+-]?\d+(\.\d+)?$/.test(p)) &&
      lat !== undefined &&
      lon !== undefined &&
      Math.abs(lat) <= 85 &&
      Math.abs(lon) <= 180;
    if (!ok || lat === undefined || lon === undefined) {
      ctx.addIssue({
        code: 'custom',
        message:
          'must be lat,lon in decimal degrees (|lat| <= 85, |lon| <= 180), e.g. 52.52,13.405',
      });
      return z.NEVER;
    }
    return { lat, lon };
  })
  .optional();

/** Spread into config.ts's envSchema; names are the env var names. */
export const simEnvShape = {
  SIM_CENTER: center,
  PARKED_INTERVAL_S: z.coerce.number().int().min(1).max(3600).default(60),
  SIM_BAD_FIX_RATE: z.coerce.number().min(0).max(1).default(0.0005),
};

type SimEnv = z.infer<z.ZodObject<typeof simEnvShape>>;

/**
 * The simulator, and what the servers expect of reporting vehicles: the dashboard and the
 * collector's alarms read parkedIntervalS too (a parked reading announces the next one within it).
 */
export interface SimConfig {
  /** Centre of the simulated street grid (SIM_CENTER; default Berlin-Mitte). */
  center: { lat: number; lon: number };
  /** PARKED_INTERVAL_S: seconds between readings of a vehicle with its ignition off. */
  parkedIntervalS: number;
  /** SIM_BAD_FIX_RATE: chance per reading of a bad fix ((0, 0) or a far jump). */
  badFixRate: number;
}

export function simOf(e: SimEnv): SimConfig {
  return {
    center: e.SIM_CENTER ?? { ...DEFAULT_SIM_CENTER },
    parkedIntervalS: e.PARKED_INTERVAL_S,
    badFixRate: e.SIM_BAD_FIX_RATE,
  };
}
