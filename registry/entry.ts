// What a registry entry may hold: the field rules shared by the dashboard's PUT route and the collector's snapshot parser.
import { z } from 'zod';
import {
  DEVICE_ID_PATTERN,
  DEVICE_PROTOCOLS,
  MAX_SPEED_KMH,
  type RegistryEntry,
} from '../core/contract.js';

export type { RegistryEntry };

export const NAME_MAX = 64;
export const PLATE_MAX = 16;
export const SPEED_LIMIT_MIN_KMH = 1;

/**
 * Names are what a person types for a vehicle ("Van 3 (north)", "Müller & Söhne #2"): letters and
 * digits of any script, spaces and a few punctuation marks, nothing that is markup, a quote, a
 * statement separator, a control or a formatting character (a right-to-left override would make
 * a name read differently on screen than it is stored).
 */
const NAME_PATTERN = /^[\p{L}\p{N}](?:[\p{L}\p{N}\p{M} .,'()/&#+_-]*[\p{L}\p{N}\p{M}.)])?$/u;
/** Plates: letters and digits, single spaces or hyphens between them ("AB-123-CD", "B MW 1234"). */
const PLATE_PATTERN = /^[\p{L}\p{N}]+(?:[ -][\p{L}\p{N}]+)*$/u;

export const deviceIdSchema = z
  .string()
  .regex(DEVICE_ID_PATTERN, 'device id must match ^[A-Za-z0-9_-]{1,64}$');

export const nameSchema = z
  .string()
  .max(NAME_MAX, `name must be at most ${NAME_MAX} characters`)
  .regex(
    NAME_PATTERN,
    "name must be 1 to 64 letters, digits, spaces and . , ' ( ) / & # + _ -, starting with a letter or digit",
  );

export const plateSchema = z
  .string()
  .max(PLATE_MAX, `plate must be at most ${PLATE_MAX} characters`)
  .regex(PLATE_PATTERN, 'plate must be letters and digits, single spaces or hyphens between them');

export const speedLimitSchema = z
  .number({ error: 'speed_limit_kmh must be a number or null' })
  .min(
    SPEED_LIMIT_MIN_KMH,
    `speed_limit_kmh must be from ${SPEED_LIMIT_MIN_KMH} to ${MAX_SPEED_KMH}`,
  )
  .max(MAX_SPEED_KMH, `speed_limit_kmh must be from ${SPEED_LIMIT_MIN_KMH} to ${MAX_SPEED_KMH}`);

/** An IMEI: 15 digits (a 16-digit IMEISV, as some trackers send it, is accepted too). */
export const imeiSchema = z.string().regex(/^[0-9]{15,16}$/, 'imei must be 15 or 16 digits');

export const protocolSchema = z.enum(DEVICE_PROTOCOLS, {
  error: `protocol must be one of ${DEVICE_PROTOCOLS.join(', ')}`,
});

/**
 * One entry as the snapshot carries it (every field present, null when unset; `imei` and
 * `protocol` only when set, so a snapshot of devices without them reads as before).
 */
export const registryEntrySchema = z.strictObject({
  device_id: deviceIdSchema,
  name: nameSchema.nullable(),
  plate: plateSchema.nullable(),
  speed_limit_kmh: speedLimitSchema.nullable(),
  imei: imeiSchema.optional(),
  protocol: protocolSchema.optional(),
});

/** The entry with `imei` / `protocol` present only when set (how stores and the API show it). */
export function entryOf(
  row: Omit<RegistryEntry, 'imei' | 'protocol'> & {
    imei?: string | null;
    protocol?: RegistryEntry['protocol'] | null;
  },
): RegistryEntry {
  const entry: RegistryEntry = {
    device_id: row.device_id,
    name: row.name,
    plate: row.plate,
    speed_limit_kmh: row.speed_limit_kmh,
  };
  if (row.imei != null) entry.imei = row.imei;
  if (row.protocol != null) entry.protocol = row.protocol;
  return entry;
}
