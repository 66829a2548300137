// The export encoder writes exactly what template strings, JSON.stringify and toISOString would, for any readings, every column and every selection of signals.
import { describe, expect, it } from 'vitest';
import { customSignal, SignalCatalog } from '../../core/signals/catalog.js';
import { toColumns } from '../../core/store/reading-chunks.js';
import type { RawReading } from '../../core/store/types.js';
import { ChunkEncoder, type ExportFormat } from '../../dashboard/readings/chunk-encoder.js';
import {
  type ExportColumn,
  exportColumns,
  exportHeader,
  parseSignals,
  type SignalSelection,
  selectAll,
  storeKeys,
} from '../../dashboard/readings/selection.js';

const catalog = new SignalCatalog([
  customSignal({ name: 'temperature_c', type: 'number', min: -60, max: 120 }),
  customSignal({ name: 'door_open', type: 'boolean' }),
]);

/** The plain rendering of one CSV line. */
function csvLine(id: string, r: RawReading, columns: readonly ExportColumn[]): string {
  const cells = [id, String(r.seq), new Date(r.timestamp).toISOString()];
  const positioned = r.values.lat !== undefined || r.position_flag !== undefined;
  for (const c of columns) {
    if (c.kind === 'signal') {
      const v = r.values[c.def.key];
      cells.push(v === undefined ? '' : `${v}`);
    } else if (c.kind === 'position_valid') {
      cells.push(positioned ? String(!r.position_flag) : '');
    } else cells.push(r.position_flag ?? '');
  }
  return `${cells.join(',')}\n`;
}

/** The plain rendering of one NDJSON line: the reading as a telemetry payload. */
function ndjsonLine(id: string, r: RawReading, columns: readonly ExportColumn[]): string {
  const out: Record<string, unknown> = {
    device_id: id,
    seq: r.seq,
    timestamp: new Date(r.timestamp).toISOString(),
  };
  for (const c of columns) {
    if (c.kind !== 'signal') {
      if (c.kind === 'position_flag' && r.position_flag) out.position_flag = r.position_flag;
      continue;
    }
    const v = r.values[c.def.key];
    if (v === undefined) continue;
    if (c.def.group === 'position') {
      out.position ??= {};
      (out.position as Record<string, unknown>)[c.def.wireKey] = v;
    } else out[c.def.wireKey] = v;
  }
  return `${JSON.stringify(out)}\n`;
}

/** A month of speed-only readings at about 1 Hz across minute, day and month edges, and odd ones. */
function speedReadings(): RawReading[] {
  const out: RawReading[] = [];
  const start = Date.parse('2026-10-31T23:59:58.997Z');
  for (let i = 0; i < 30 * 86_400; i += 37) {
    out.push({
      seq: i,
      timestamp: start + i * 1000 + (i % 1000),
      values: { speed: (i % 12_000) / 100 },
    });
  }
  for (let i = 0; i < 5000; i++) {
    out.push({
      seq: Math.floor(Math.random() * Number.MAX_SAFE_INTEGER),
      timestamp: Math.floor(Math.random() * 4e12) - 1e12,
      values: { speed: Math.random() * 300 },
    });
  }
  const edges = [0, -1, 59_999, 60_000, -60_001, 253_402_300_799_999, 253_402_300_800_000];
  for (const ms of [...edges, -62_167_219_200_000, -62_167_219_200_001, 8.64e15, -8.64e15]) {
    out.push({ seq: 0, timestamp: ms, values: { speed: 0 } });
  }
  out.push({ seq: Number.MAX_SAFE_INTEGER, timestamp: 0, values: { speed: 1e-7 } });
  out.push({ seq: 9, timestamp: 1, values: { speed: 299.99999999999994 } });
  return out;
}

/** Readings with random subsets of every signal (built-in and custom), flagged and valid fixes. */
const telemetryReadings = (() => {
  let made: RawReading[] | undefined;
  return () => {
    made ??= makeTelemetry();
    return made;
  };
})();

function makeTelemetry(): RawReading[] {
  let state = 7;
  const rnd = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  const out: RawReading[] = [];
  const start = Date.parse('2026-06-30T23:58:00.000Z');
  for (let i = 0; i < 9000; i++) {
    const r: RawReading = { seq: i, timestamp: start + i * 997, values: {} };
    for (const def of catalog.signals) {
      if (def.group === 'position' || rnd() < 0.3) continue;
      if (def.type === 'boolean') r.values[def.key] = rnd() < 0.5;
      else {
        const lo = def.min ?? -1e6;
        const hi = def.max ?? 1e6;
        const v = lo + rnd() * (hi - lo);
        r.values[def.key] = rnd() < 0.2 ? Math.round(v) : rnd() < 0.1 ? -0 : v;
      }
    }
    if (rnd() < 0.7) {
      r.values.lat = rnd() < 0.05 ? 0 : -90 + rnd() * 180;
      r.values.lon = r.values.lat === 0 ? 0 : -180 + rnd() * 360;
      for (const k of ['alt', 'acc', 'heading']) if (rnd() < 0.6) r.values[k] = rnd() * 359;
      if (r.values.lat === 0) r.position_flag = 'zero_fix';
      else if (rnd() < 0.1) r.position_flag = 'jump';
    }
    if (Object.keys(r.values).length === 0) r.values.speed = 1e-7;
    out.push(r);
  }
  return out;
}

function render(
  format: ExportFormat,
  id: string,
  rows: readonly RawReading[],
  selection: SignalSelection,
): { got: string; want: string; wrong: string[] } {
  const columns = exportColumns(catalog, selection);
  const encoder = new ChunkEncoder(format, id, columns);
  const line = format === 'csv' ? csvLine : ndjsonLine;
  const wrong: string[] = [];
  let got = '';
  let want = '';
  for (let i = 0; i < rows.length; i += 2000) {
    const chunk = rows.slice(i, i + 2000);
    const bytes = encoder.encode(toColumns(chunk, storeKeys(selection))).toString('latin1');
    const plain = chunk.map((r) => line(id, r, columns)).join('');
    if (bytes !== plain) wrong.push(`chunk at ${i}`);
    got += bytes;
    want += plain;
  }
  return { got, want, wrong };
}

const selections: Array<[string, (c: SignalCatalog) => SignalSelection]> = [
  ['every signal', selectAll],
  ['speed', (c) => parseSignals('speed', c)],
  ['position', (c) => parseSignals('position', c)],
  ['alt and fuel_pct', (c) => parseSignals('fuel_pct,position.alt', c)],
  ['customs and ignition', (c) => parseSignals('door_open,temperature_c,ignition', c)],
];

describe('ChunkEncoder', () => {
  it.each(['csv', 'ndjson'] as const)(
    '%s of speed-only readings: byte for byte the plain rendering (speed alone: the original rows)',
    (format) => {
      const id = 'vehicle_01-x';
      const rows = speedReadings();
      const speedOnly = render(format, id, rows, parseSignals('speed', catalog));
      expect(speedOnly.wrong).toEqual([]);
      const first = rows[0] as RawReading;
      expect(speedOnly.got.slice(0, 200).split('\n')[0]).toBe(
        format === 'csv'
          ? `${id},0,2026-10-31T23:59:58.997Z,0`
          : JSON.stringify({
              device_id: id,
              seq: 0,
              timestamp: new Date(first.timestamp).toISOString(),
              speed: 0,
            }),
      );
      expect(render(format, id, rows, selectAll(catalog)).wrong).toEqual([]);
    },
  );

  for (const format of ['csv', 'ndjson'] as const) {
    it.each(selections)(`${format} of telemetry readings, %s: byte for byte`, (_name, select) => {
      const { wrong, got } = render(format, 'truck_7', telemetryReadings(), select(catalog));
      expect(wrong).toEqual([]);
      expect(got.length).toBeGreaterThan(0);
    });
  }

  it('the header is the catalog columns the selection keeps, in catalog order', () => {
    expect(exportHeader(catalog, selectAll(catalog)).join(',')).toBe(
      'device_id,seq,timestamp,speed,lat,lon,alt,acc,heading,position_valid,position_flag,ignition,odometer_km,fuel_pct,battery_v,battery_pct,coolant_c,rpm,temperature_c,door_open',
    );
    expect(exportHeader(catalog, parseSignals('fuel_pct,speed', catalog)).join(',')).toBe(
      'device_id,seq,timestamp,speed,fuel_pct',
    );
    expect(exportHeader(catalog, parseSignals('door_open,position.alt', catalog)).join(',')).toBe(
      'device_id,seq,timestamp,alt,position_valid,position_flag,door_open',
    );
  });

  it('every line of a telemetry CSV has as many cells as the header; NDJSON lines parse', () => {
    const all = selectAll(catalog);
    const width = exportHeader(catalog, all).length;
    const csv = render('csv', 'v', telemetryReadings(), all).got.trimEnd().split('\n');
    expect(csv.every((l) => l.split(',').length === width)).toBe(true);
    const ndjson = render('ndjson', 'v', telemetryReadings(), all).got.trimEnd().split('\n');
    expect(ndjson.every((l) => typeof JSON.parse(l) === 'object')).toBe(true);
  });
});
