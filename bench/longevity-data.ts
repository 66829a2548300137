// The longevity benchmark's history file: N vehicles, a year of older readings at 1/min, then 30 days at 1 Hz (CSV, speed-only or every built-in signal).
import { closeSync, openSync, writeSync } from 'node:fs';
import { BUILTIN_CATALOG } from '../core/signals/catalog.js';
import { LAP_MS } from '../harness/sqlite-fill.js';
import type { PayloadKind } from './publishers.js';

export interface HistoryShape {
  vehicles: number;
  /** Days at 1 Hz ending at `end`: what RETENTION_RAW keeps. */
  rawDays: number;
  /** Days before those, one reading a minute: raw rows that retention turns into rollups only. */
  olderDays: number;
  end: number;
}

export interface HistoryFile {
  rows: number;
  /** Rows older than rawDays (retention deletes their raw rows). */
  olderRows: number;
  deviceIds: string[];
}

const DAY = 86_400_000;

export const vehicleId = (i: number): string => `vehicle_${String(i + 1).padStart(2, '0')}`;

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

/**
 * Every built-in signal of vehicle `v`'s reading number `x` at `time` (`start`: its first
 * reading's time), with the precision a tracker sends (INTERFACE.md's example: 1 decimal for
 * speed, 6 for lat/lon, integers for alt, acc, rpm…). The vehicle drives a loop around its own
 * centre, so positions stay on the map for a year and never imply a jump, at 1 Hz or 1/min.
 * harness/sqlite-fill.ts computes the same values in SQL (`signals: 'all'`).
 */
export function telemetryValues(
  v: number,
  x: number,
  time: number,
  start: number,
): Record<string, number | boolean> {
  const angle = ((((time % LAP_MS) + LAP_MS) % LAP_MS) / LAP_MS) * 2 * Math.PI;
  return {
    speed: round(45 + 25 * Math.sin(time / 97_000) + ((x * 7) % 50) / 10, 1),
    lat: round(52.52 + v * 0.01 + 0.018 * Math.sin(angle), 6),
    lon: round(13.405 + 0.0295 * Math.cos(angle), 6),
    alt: 30 + (x % 20),
    acc: 3 + (x % 7),
    heading: Math.min(round(((angle * 180) / Math.PI + 90) % 360, 1), 359.9),
    ignition: true,
    odometer_km: round(12_000 + v * 1000 + ((time - start) / 1000) * 0.0139, 2),
    fuel_pct: round(90 - ((x / 400) % 80), 1),
    battery_v: round(13.8 + (x % 7) / 10, 1),
    battery_pct: 80 + (x % 20),
    coolant_c: 85 + (x % 8),
    rpm: 800 + ((x * 37) % 3000),
  };
}

/** The speed of the speed-only file (and of sqlite-fill's speed-only layouts). */
const speedOnly = (v: number, x: number) => ((x * 7919 + v * 31) % 12_000) / 100;

/** A CSV line after `id,seq,timestamp`, in the export's column order (csvColumns). */
function telemetryCells(values: Record<string, number | boolean>): string {
  let out = '';
  for (const s of BUILTIN_CATALOG.signals) {
    const value = values[s.key];
    if (value === undefined) throw new Error(`longevity telemetry lacks ${s.name}`);
    out += `,${String(value)}`;
    // The export writes the position's verdict after heading; the import reads it quietly.
    if (s.key === 'heading') out += ',true,';
  }
  return out;
}

/**
 * One CSV (`speed`: `device_id,seq,timestamp,speed`; `telemetry`: every column of the export),
 * written in 4 MB pieces. Each vehicle's seqs run from its oldest reading on, as a device that
 * kept its queue file for a year would have them.
 */
export function writeHistoryCsv(
  path: string,
  shape: HistoryShape,
  kind: PayloadKind = 'speed',
): HistoryFile {
  const fd = openSync(path, 'w');
  let rows = 0;
  let olderRows = 0;
  const header =
    kind === 'speed' ? 'device_id,seq,timestamp,speed' : BUILTIN_CATALOG.csvColumns().join(',');
  let chunk = `${header}\n`;
  const flush = (force: boolean) => {
    if (!force && chunk.length < 4_000_000) return;
    writeSync(fd, chunk);
    chunk = '';
  };
  const rawStart = shape.end - shape.rawDays * DAY;
  const first = rawStart - shape.olderDays * DAY;
  const deviceIds: string[] = [];
  try {
    for (let v = 0; v < shape.vehicles; v++) {
      const id = vehicleId(v);
      deviceIds.push(id);
      let seq = 0;
      const line = (time: number) => {
        const cells =
          kind === 'speed'
            ? `,${speedOnly(v, seq)}`
            : telemetryCells(telemetryValues(v, seq, time, first));
        chunk += `${id},${seq},${new Date(time).toISOString()}${cells}\n`;
        seq += 1;
        rows += 1;
        flush(false);
      };
      for (let t = first; t < rawStart; t += 60_000) {
        line(t);
        olderRows += 1;
      }
      for (let t = rawStart; t <= shape.end; t += 1000) line(t);
    }
    flush(true);
  } finally {
    closeSync(fd);
  }
  return { rows, olderRows, deviceIds };
}
