// The fleet table's signal columns: newest value per signal by device time (late readings and store seeds never replace newer), usable fixes only, and server-side sorting with empty values last.
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../core/contract.js';
import type { FleetTableQuery } from '../../core/dashboard-contract.js';
import { DeviceBoard } from '../../dashboard/device-board.js';
import { FleetSnapshot } from '../../dashboard/views/fleet-snapshot.js';

const T = Date.parse('2026-03-01T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
let seq = 0;
const reading = (
  id: string,
  at: number,
  values: Reading['values'],
  flag?: Reading['position_flag'],
): Reading => ({
  device_id: id,
  seq: ++seq,
  timestamp: iso(at),
  values,
  ...(flag ? { position_flag: flag } : {}),
});
const rowOf = (board: DeviceBoard, id: string, now = T + 1000) =>
  new FleetSnapshot({
    rows: board.liveRows(now),
    name: () => null,
    alarms: new Map(),
    activeAlarms: 0,
    readingsPerS: 0,
    now,
  }).vehicles([id])[0];

describe('fleet columns on the device board', () => {
  it('each signal keeps its newest value, also when the newest reading lacks it; null when never sent', () => {
    const board = new DeviceBoard(30_000);
    board.onReading(
      reading('v', T, { speed: 10, fuel_pct: 50, battery_v: 14.1, ignition: true }),
      T,
    );
    board.onReading(reading('v', T + 500, { speed: 12 }), T + 500);
    expect(rowOf(board, 'v')).toMatchObject({
      speed: 12,
      fuel_pct: 50,
      battery_v: 14.1,
      ignition: true,
      fix_at: null,
    });
    board.onReading(reading('w', T, { speed: 1 }), T);
    expect(rowOf(board, 'w')).toMatchObject({
      fuel_pct: null,
      battery_v: null,
      ignition: null,
      fix_at: null,
    });
  });

  it('a late reading does not replace a newer value or fix', () => {
    const board = new DeviceBoard(30_000);
    board.onReading(reading('v', T, { fuel_pct: 40, ignition: false, lat: 52, lon: 13 }), T);
    board.onReading(
      reading('v', T - 60_000, { fuel_pct: 90, ignition: true, lat: 52.1, lon: 13.1 }),
      T + 10,
    );
    expect(rowOf(board, 'v')).toMatchObject({ fuel_pct: 40, ignition: false, fix_at: iso(T) });
  });

  it('a flagged fix is not the last fix', () => {
    const board = new DeviceBoard(30_000);
    board.onReading(reading('v', T, { lat: 52, lon: 13 }), T);
    board.onReading(reading('v', T + 500, { lat: 0, lon: 0 }, 'zero_fix'), T + 500);
    board.onReading(reading('v', T + 700, { speed: 3 }), T + 700);
    expect(rowOf(board, 'v')?.fix_at).toBe(iso(T));
  });

  it('seeds from the store (each signal with its own time) without overriding newer live values', () => {
    const board = new DeviceBoard(30_000);
    board.onReading(reading('v', T, { fuel_pct: 33 }), T);
    board.seed(
      'v',
      T - 5000,
      {
        deviceId: 'v',
        seq: 1,
        timestamp: T - 5000,
        signals: {
          fuel_pct: { value: 80, time: T - 5000 },
          battery_v: { value: 12.4, time: T - 9000 },
          ignition: { value: false, time: T - 5000 },
          lat: { value: 52.5, time: T - 7000 },
          lon: { value: 13.4, time: T - 7000 },
        },
      },
      T,
    );
    expect(rowOf(board, 'v')).toMatchObject({
      fuel_pct: 33,
      battery_v: 12.4,
      ignition: false,
      fix_at: iso(T - 7000),
    });
  });
});

describe('sorting by the fleet columns', () => {
  const board = new DeviceBoard(30_000);
  board.onReading(
    reading('a', T, { fuel_pct: 70, battery_v: 12.2, ignition: false, lat: 1, lon: 1 }),
    T,
  );
  board.onReading(
    reading('b', T - 3000, { fuel_pct: 10, battery_v: 14.2, ignition: true, lat: 1, lon: 1 }),
    T,
  );
  board.onReading(reading('c', T, { speed: 5 }), T);
  board.onReading(reading('d', T - 1000, { fuel_pct: 40, ignition: true, lat: 1, lon: 1 }), T);
  const snapshot = new FleetSnapshot({
    rows: board.liveRows(T + 1000),
    name: () => null,
    alarms: new Map(),
    activeAlarms: 0,
    readingsPerS: 0,
    now: T + 1000,
  });
  const order = (sort: FleetTableQuery['sort'], dir: 'asc' | 'desc') =>
    snapshot
      .table({ sort, order: dir, text: '', status: 'all', alarm: false, offset: 0, limit: 10 })
      .rows.map((r) => r.device_id);

  it.each([
    ['fuel_pct', 'asc', ['b', 'd', 'a', 'c']],
    ['fuel_pct', 'desc', ['a', 'd', 'b', 'c']],
    ['battery_v', 'asc', ['a', 'b', 'c', 'd']],
    ['battery_v', 'desc', ['b', 'a', 'c', 'd']],
    ['ignition', 'desc', ['b', 'd', 'a', 'c']],
    ['ignition', 'asc', ['a', 'b', 'd', 'c']],
    ['fix_at', 'asc', ['b', 'd', 'a', 'c']],
    ['fix_at', 'desc', ['a', 'd', 'b', 'c']],
  ] as const)('%s %s, vehicles without the value last', (sort, dir, expected) => {
    expect(order(sort, dir)).toEqual(expected);
  });
});
