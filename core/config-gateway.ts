// The gateway's settings (OSMAND_PORT, TELTONIKA_PORT, OWNTRACKS, GATEWAY_QUEUE_DIR, GATEWAY_ID): their schema and builder, spread into config.ts.
import { z } from 'zod';

export const gatewayEnvShape = {
  /** Unset: the input is off. 0: any free port (tests). */
  OSMAND_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  TELTONIKA_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  OWNTRACKS: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('false')
    .transform((v) => v === 'true'),
  GATEWAY_QUEUE_DIR: z.string().min(1).default('./data/gateway'),
  GATEWAY_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,48}$/, 'must be 1-48 letters, digits, _ or -')
    .default('gateway'),
  GATEWAY_HOST: z.string().min(1).default('0.0.0.0'),
};

const gatewayEnvSchema = z.object(gatewayEnvShape);
type GatewayEnv = z.infer<typeof gatewayEnvSchema>;

export interface GatewayConfig {
  /** OsmAnd HTTP input port; undefined: off. */
  osmandPort: number | undefined;
  /** Teltonika TCP input port; undefined: off. */
  teltonikaPort: number | undefined;
  /** OwnTracks: subscribe `owntracks/+/+` on the broker. */
  ownTracks: boolean;
  /** The queue file and the fix times seen: `{queueDir}/gateway.db`. */
  queueDir: string;
  /**
   * This gateway's name: its MQTT client ids (`{id}`, `{id}-owntracks`) and, with REDIS_URL, its
   * name in the shared seq service. Unique per running gateway.
   */
  id: string;
  /** Address the OsmAnd and Teltonika inputs bind to. */
  host: string;
}

export function gatewayConfigOf(e: GatewayEnv): GatewayConfig {
  return {
    osmandPort: e.OSMAND_PORT,
    teltonikaPort: e.TELTONIKA_PORT,
    ownTracks: e.OWNTRACKS,
    queueDir: e.GATEWAY_QUEUE_DIR,
    id: e.GATEWAY_ID,
    host: e.GATEWAY_HOST,
  };
}
