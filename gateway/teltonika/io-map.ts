// Teltonika IO elements mapped to catalog signals (the documented table), plus `io_<id>` custom signals for any other element.
import type { SignalCatalog, SignalValue } from '../../core/signals/catalog.js';
import { round } from '../fix.js';
import type { AvlRecord, IoValue } from './avl.js';

export interface IoMapping {
  id: number;
  /** The element's name in Teltonika's AVL ID list (FMB firmware). */
  name: string;
  signal: string;
  /** Unit as sent → catalog unit. */
  convert: (raw: number) => SignalValue;
  /** The element is a signed integer of its size (temperatures). */
  signed?: boolean;
}

/**
 * The common elements of Teltonika's FMB/FMC/FMM AVL ID list. When two elements feed one signal
 * (the tracker's own odometer and the CAN bus's, OBD and CAN fuel level), the first in this list
 * that the record carries wins. docs/connect-devices.md shows this table.
 */
export const IO_MAPPINGS: readonly IoMapping[] = [
  { id: 239, name: 'Ignition', signal: 'ignition', convert: (v) => v !== 0 },
  { id: 16, name: 'Total Odometer (m)', signal: 'odometer_km', convert: (v) => round(v / 1000, 3) },
  {
    id: 87,
    name: 'Total Mileage, CAN (m)',
    signal: 'odometer_km',
    convert: (v) => round(v / 1000, 3),
  },
  {
    id: 66,
    name: 'External Voltage (mV)',
    signal: 'battery_v',
    convert: (v) => round(v / 1000, 3),
  },
  { id: 113, name: 'Battery Level (%)', signal: 'battery_pct', convert: (v) => v },
  { id: 89, name: 'Fuel Level, CAN (%)', signal: 'fuel_pct', convert: (v) => v },
  { id: 48, name: 'Fuel Level, OBD (%)', signal: 'fuel_pct', convert: (v) => v },
  { id: 85, name: 'Engine RPM, CAN', signal: 'rpm', convert: (v) => v },
  { id: 36, name: 'Engine RPM, OBD', signal: 'rpm', convert: (v) => v },
  {
    id: 115,
    name: 'Engine Temperature, CAN (0.1 °C)',
    signal: 'coolant_c',
    convert: (v) => round(v / 10, 1),
    signed: true,
  },
  {
    id: 32,
    name: 'Coolant Temperature, OBD (°C)',
    signal: 'coolant_c',
    convert: (v) => v,
    signed: true,
  },
];

/** A custom signal named `io_<id>` in SIGNALS_FILE receives IO element `<id>` as sent. */
export const CUSTOM_IO_PATTERN = /^io_([0-9]{1,5})$/;

function signedOf(io: IoValue, value: number): number {
  const bits = io.size * 8;
  if (io.size === 0 || bits >= 53) return value;
  const half = 2 ** (bits - 1);
  return value >= half ? value - 2 ** bits : value;
}

/** Custom `io_<id>` signals of the catalog, by IO id (computed once per catalog). */
export function customIoSignals(
  catalog: SignalCatalog,
): Map<number, { key: string; boolean: boolean }> {
  const out = new Map<number, { key: string; boolean: boolean }>();
  for (const s of catalog.custom) {
    const m = CUSTOM_IO_PATTERN.exec(s.key);
    if (m?.[1]) out.set(Number(m[1]), { key: s.key, boolean: s.type === 'boolean' });
  }
  return out;
}

/**
 * The record's signals: speed and position from the GNSS element (only with satellites in view:
 * without a fix Teltonika repeats the last valid coordinates with angle, satellites and speed 0),
 * then the mapped IO elements, then `io_<id>` custom signals.
 */
export function recordValues(
  record: AvlRecord,
  customIo: ReadonlyMap<number, { key: string; boolean: boolean }>,
): Record<string, SignalValue> {
  const values: Record<string, SignalValue> = {};
  if (record.satellites > 0) {
    values.speed = record.speed;
    values.lat = record.lat;
    values.lon = record.lon;
    values.alt = record.altitude;
    values.heading = record.angle;
  }
  for (const m of IO_MAPPINGS) {
    if (values[m.signal] !== undefined) continue;
    const io = record.io.get(m.id);
    if (io?.value === undefined) continue;
    values[m.signal] = m.convert(m.signed ? signedOf(io, io.value) : io.value);
  }
  for (const [id, signal] of customIo) {
    const io = record.io.get(id);
    if (io?.value === undefined) continue;
    values[signal.key] = signal.boolean ? io.value !== 0 : io.value;
  }
  return values;
}
