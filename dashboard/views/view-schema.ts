// The `view` event's schema (zod): what a client may ask to be shown; anything else is ignored and counted.
import { z } from 'zod';
import { DEVICE_ID_PATTERN } from '../../core/contract.js';
import {
  FLEET_SORT_KEYS,
  FLEET_STATUS_FILTERS,
  MAX_VIEW_ROWS,
  MAX_VIEW_TEXT,
  MAX_VIEW_VEHICLES,
  type ViewRequest,
} from '../../core/dashboard-contract.js';

const tableQuery = z.strictObject({
  sort: z.enum(FLEET_SORT_KEYS),
  order: z.enum(['asc', 'desc']),
  text: z.string().max(MAX_VIEW_TEXT),
  status: z.enum(FLEET_STATUS_FILTERS),
  alarm: z.boolean(),
  offset: z.number().int().min(0).max(10_000_000),
  limit: z.number().int().min(0).max(MAX_VIEW_ROWS),
});

export const viewSchema = z.strictObject({
  table: tableQuery.nullable(),
  vehicles: z.array(z.string().regex(DEVICE_ID_PATTERN)).max(MAX_VIEW_VEHICLES),
});

/** The view, or undefined for anything that is not one (never throws). */
export function parseView(input: unknown): ViewRequest | undefined {
  const result = viewSchema.safeParse(input);
  if (!result.success) return undefined;
  return { table: result.data.table, vehicles: [...new Set(result.data.vehicles)] };
}
