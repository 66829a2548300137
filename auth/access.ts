// Who a request is (Principal) and which vehicles they may see (VehicleAccess): the one rule every route and live event asks.
import type { Role } from './roles.js';

/**
 * The vehicles a person may see and act on. Every place that reads vehicle data asks this:
 * routes with a vehicle in their path get it checked before the handler; lists, exports, reports
 * and live events filter with `canSee` / `filter`.
 */
export interface VehicleAccess {
  /** Every vehicle (admins, DASHBOARD_API_TOKEN, AUTH_MODE=none). */
  readonly all: boolean;
  /** The visible vehicles when not all (the union of the person's groups' vehicles). */
  readonly devices: ReadonlySet<string> | undefined;
  /** A vehicle by id; null (a fleet-wide item such as fleet_silent) only with `all`. */
  canSee(deviceId: string | null): boolean;
  /** The visible items of a list, in order. */
  filter<T>(items: readonly T[], deviceOf: (item: T) => string | null): T[];
}

export const ALL_VEHICLES: VehicleAccess = {
  all: true,
  devices: undefined,
  canSee: () => true,
  filter: (items) => [...items],
};

export function vehiclesIn(devices: ReadonlySet<string>): VehicleAccess {
  const canSee = (id: string | null) => id !== null && devices.has(id);
  return {
    all: false,
    devices,
    canSee,
    filter: (items, deviceOf) => items.filter((item) => canSee(deviceOf(item))),
  };
}

/** How the request proved who it is. */
export type Via = 'session' | 'token' | 'legacy-token' | 'proxy' | 'none';

export interface Principal {
  /** The user's name; `api-token` for DASHBOARD_API_TOKEN; `anonymous` with AUTH_MODE=none. */
  username: string;
  role: Role;
  /** Group ids. */
  groups: readonly string[];
  via: Via;
  access: VehicleAccess;
  /** Cookie sessions: the session's hash (logout) and the CSRF token its writes must carry. */
  session?: { idHash: string; csrf: string };
  /** Proxy mode: the CSRF token writes must carry (derived from the identity). */
  csrf?: string;
  /** Personal token: its id. */
  tokenId?: string;
}
