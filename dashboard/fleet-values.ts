// The fleet table's signal columns of one vehicle (FLEET_SIGNALS and the time of its newest usable fix), each kept with its device time so a late reading never replaces a newer value.
import { hasPosition, type Reading } from '../core/contract.js';
import { FLEET_SIGNALS, type FleetRow, type FleetSignal } from '../core/dashboard-contract.js';
import type { LatestReading, TimedValue } from '../core/store/types.js';

export interface FleetValues {
  signals: Partial<Record<FleetSignal, TimedValue>>;
  /** Device time of the newest usable fix, ms; undefined: none seen. */
  fixAt: number | undefined;
  /** That fix (the live map); undefined: none seen. */
  fix: Fix | undefined;
}

/** Where a vehicle was at its newest usable fix, and which way it headed (degrees, null: unknown). */
export interface Fix {
  lat: number;
  lon: number;
  heading: number | null;
}

export const emptyFleetValues = (): FleetValues => ({
  signals: {},
  fixAt: undefined,
  fix: undefined,
});

const headingOf = (v: unknown): number | null => (typeof v === 'number' ? v : null);

function note(v: FleetValues, key: FleetSignal, next: TimedValue): void {
  const cur = v.signals[key];
  if (!cur || next.time >= cur.time) v.signals[key] = next;
}

/** A live reading (device time `at`): its fleet signals, and its fix unless flagged. */
export function noteReading(v: FleetValues, r: Reading, at: number): void {
  for (const key of FLEET_SIGNALS) {
    const value = r.values[key];
    if (value !== undefined) note(v, key, { value, time: at });
  }
  if (
    hasPosition(r) &&
    r.position_flag === undefined &&
    (v.fixAt ?? Number.NEGATIVE_INFINITY) < at
  ) {
    v.fixAt = at;
    v.fix = {
      lat: r.values.lat as number,
      lon: r.values.lon as number,
      heading: headingOf(r.values.heading),
    };
  }
}

/** What the store had (each signal with its own time; the position from the newest valid fix). */
export function noteLatest(v: FleetValues, latest: LatestReading): void {
  for (const key of FLEET_SIGNALS) {
    const timed = latest.signals[key];
    if (timed) note(v, key, timed);
  }
  const { lat, lon, heading } = latest.signals;
  const fix = lat?.time;
  if (
    fix !== undefined &&
    typeof lat?.value === 'number' &&
    typeof lon?.value === 'number' &&
    (v.fixAt ?? Number.NEGATIVE_INFINITY) < fix
  ) {
    v.fixAt = fix;
    // The store keeps a fix's keys together; a heading from another time is not this fix's.
    v.fix = {
      lat: lat.value,
      lon: lon.value,
      heading: heading?.time === fix ? headingOf(heading.value) : null,
    };
  }
}

const num = (t: TimedValue | undefined): number | null =>
  typeof t?.value === 'number' ? t.value : null;

/** The row's columns. */
export function fleetColumns(
  v: FleetValues,
): Pick<FleetRow, 'fuel_pct' | 'battery_v' | 'ignition' | 'fix_at'> {
  const ignition = v.signals.ignition?.value;
  return {
    fuel_pct: num(v.signals.fuel_pct),
    battery_v: num(v.signals.battery_v),
    ignition: typeof ignition === 'boolean' ? ignition : null,
    fix_at: v.fixAt === undefined ? null : new Date(v.fixAt).toISOString(),
  };
}
