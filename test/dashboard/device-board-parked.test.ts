// A parked vehicle (ignition off) reports only every PARKED_INTERVAL_S: the board keeps it online between readings and judges its silence from when the next was due.
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../core/contract.js';
import { DeviceBoard } from '../../dashboard/device-board.js';

const T = Date.parse('2026-12-07T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const r = (seq: number, at: number, ignition?: boolean): Reading => ({
  device_id: 'v1',
  seq,
  timestamp: iso(at),
  values: { speed: ignition === false ? 0 : 40, ...(ignition === undefined ? {} : { ignition }) },
});

/** Drives at 1 Hz for n readings from `at`, then parks: one reading at once, then every 60 s. */
function driveThenPark(board: DeviceBoard, n: number, parkedReadings: number): number {
  let seq = 0;
  let at = T;
  for (; seq < n; seq++, at += 1000) board.onReading(r(seq, at, true), at);
  for (let k = 0; k < parkedReadings; k++, seq++) {
    board.onReading(r(seq, at, false), at);
    at += 60_000;
  }
  return at - 60_000; // the last parked reading
}

describe('DeviceBoard and parked vehicles', () => {
  it('online through PARKED_INTERVAL_S of silence after a parked reading; warning when it is late, offline OFFLINE_AFTER_S after it was due', () => {
    const board = new DeviceBoard(10_000, { parkedIntervalMs: 60_000 });
    const last = driveThenPark(board, 30, 10);
    // Every minute-long gap between parked readings was online (checked here for the last one).
    for (const after of [1000, 30_000, 59_000, 60_000, 62_000]) {
      expect(board.statusOf('v1', last + after), `${after} ms`).toBe('online');
    }
    // Late: more than the usual staleness margin (2 s) past due.
    expect(board.statusOf('v1', last + 62_001)).toBe('warning');
    expect(board.statusOf('v1', last + 70_000)).toBe('warning');
    expect(board.statusOf('v1', last + 70_001)).toBe('offline');
    expect(board.statusReport(last + 30_000).v1).toEqual({
      status: 'online',
      last_seen: iso(last),
      time_since_last_seen: 30,
    });
    // It drives off again: judged at its 1 s interval, which the parked gaps did not inflate.
    const start = last + 45_000;
    board.onReading(r(100, start, true), start);
    board.onReading(r(101, start + 1000, true), start + 1000);
    expect(board.statusOf('v1', start + 1000 + 2000)).toBe('online');
    expect(board.statusOf('v1', start + 1000 + 2001)).toBe('warning');
    expect(board.statusOf('v1', start + 1000 + 10_001)).toBe('offline');
  });

  it('every minute of a parked hour is online; the interval follows PARKED_INTERVAL_S', () => {
    const board = new DeviceBoard(10_000, { parkedIntervalMs: 300_000 });
    let seq = 0;
    const states = new Set<string>();
    for (let at = T; at < T + 3_600_000; at += 1000) {
      if ((at - T) % 300_000 === 0) board.onReading(r(seq++, at, false), at);
      states.add(board.statusOf('v1', at) as string);
    }
    expect(states).toEqual(new Set(['online']));
  });

  it('readings without ignition (a speed-only payload, a phone) and with the ignition on: as before', () => {
    const board = new DeviceBoard(10_000, { parkedIntervalMs: 60_000 });
    board.onReading(r(0, T), T);
    expect(board.statusOf('v1', T + 10_000)).toBe('online');
    expect(board.statusOf('v1', T + 10_001)).toBe('offline');
    board.onReading(r(1, T + 20_000, true), T + 20_000);
    expect(board.statusOf('v1', T + 30_001)).toBe('offline');
    // The status topic's offline still wins at once.
    board.onReading(r(2, T + 40_000, false), T + 40_000);
    board.onStatus({ device_id: 'v1', status: 'offline', timestamp: iso(T + 41_000) }, T + 41_000);
    expect(board.statusOf('v1', T + 41_000)).toBe('offline');
  });
});
