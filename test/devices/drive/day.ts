// Helpers for the drive model's tests: a vehicle run on an injected 1 Hz clock, and great-circle distance (independent of the model's flat frame).
import { DEFAULT_SIM_CENTER } from '../../../core/config-sim.js';
import type { SignalValue } from '../../../core/signals/catalog.js';
import { LocalFrame } from '../../../devices/drive/local-frame.js';
import { StreetGrid } from '../../../devices/drive/street-grid.js';
import {
  type VehicleModel,
  VehicleSim,
  type VehicleSimOptions,
} from '../../../devices/drive/vehicle-sim.js';
import { createRandom } from '../../../devices/rng.js';

export interface Row {
  t: number;
  speed: number;
  lat: number;
  lon: number;
  alt: number;
  acc: number;
  heading: number;
  ignition: boolean;
  odometer_km: number;
  fuel_pct: number;
  battery_v: number;
  coolant_c: number;
  rpm: number;
}

/** A Monday morning in December, 06:00 UTC (07:00 in Berlin). */
export const T0 = Date.parse('2026-12-07T06:00:00Z');
export const HOUR = 3_600_000;
const GRID = new StreetGrid();

export function vehicle(seed: number, options: Partial<VehicleSimOptions> = {}): VehicleSim {
  return new VehicleSim(
    {
      grid: GRID,
      frame: new LocalFrame(DEFAULT_SIM_CENTER),
      parkedIntervalMs: 60_000,
      badFixRate: 0,
      ...options,
    },
    createRandom(seed),
  );
}

/** Calls read() every stepMs from `from` for `hours`; the readings it gave, with their time. */
export function drive(
  sim: VehicleModel,
  hours: number,
  {
    from = T0,
    stepMs = 1000,
    at,
  }: { from?: number; stepMs?: number; at?: (t: number) => void } = {},
): Row[] {
  const rows: Row[] = [];
  for (let t = from; t < from + hours * HOUR; t += stepMs) {
    at?.(t);
    const v = sim.read(t);
    if (v) rows.push({ t, ...(v as Record<string, SignalValue>) } as unknown as Row);
  }
  return rows;
}

/** Great-circle distance in metres (haversine, mean Earth radius). */
export function haversineM(
  a: { lat: number; lon: number },
  b: { lat: number; lon: number },
): number {
  const r = Math.PI / 180;
  const dLat = (b.lat - a.lat) * r;
  const dLon = (b.lon - a.lon) * r;
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * r) * Math.cos(b.lat * r) * Math.sin(dLon / 2) ** 2;
  return 2 * 6_371_008.8 * Math.asin(Math.sqrt(h));
}
