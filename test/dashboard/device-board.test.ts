// The online/offline rule and latest-reading bookkeeping, on an explicit clock.
import { describe, expect, it } from 'vitest';
import type { SpeedReading } from '../../core/contract.js';
import { DeviceBoard } from '../../dashboard/device-board.js';

const T = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const r = (seq: number, at: number, speed = 10): SpeedReading => ({
  device_id: 'v1',
  seq,
  timestamp: iso(at),
  speed,
});

describe('DeviceBoard', () => {
  it('online while heard from within the threshold, offline after, online again on data', () => {
    const board = new DeviceBoard(10_000);
    board.onReading(r(0, T), T);
    expect(board.statusOf('v1', T + 10_000)).toBe('online');
    expect(board.statusOf('v1', T + 10_001)).toBe('offline');
    board.onReading(r(1, T + 20_000), T + 20_000);
    expect(board.statusOf('v1', T + 20_000)).toBe('online');
  });

  it('arrival time counts, not device time: a replayed backlog means the device is alive', () => {
    const board = new DeviceBoard(10_000);
    board.onReading(r(0, T - 3_600_000), T);
    expect(board.statusOf('v1', T + 5000)).toBe('online');
    expect(board.latestData(T + 5000).v1).toEqual({
      speed: 10,
      timestamp: iso(T - 3_600_000),
      status: 'online',
    });
  });

  it('an offline status wins over recent data until the device sends again', () => {
    const board = new DeviceBoard(10_000);
    board.onReading(r(0, T), T);
    board.onStatus({ device_id: 'v1', status: 'offline', timestamp: iso(T + 100) }, T + 100);
    expect(board.statusOf('v1', T + 200)).toBe('offline');
    board.onStatus({ device_id: 'v1', status: 'online', timestamp: iso(T + 300) }, T + 300);
    expect(board.statusOf('v1', T + 400)).toBe('online');
  });

  it('a retained online status from long ago does not make a silent device online', () => {
    const board = new DeviceBoard(10_000);
    board.onStatus({ device_id: 'v1', status: 'online', timestamp: iso(T - 3_600_000) }, T);
    expect(board.statusReport(T).v1).toEqual({
      status: 'offline',
      last_seen: iso(T - 3_600_000),
      time_since_last_seen: 3600,
    });
    expect(board.latestData(T).v1).toEqual({ speed: null, timestamp: null, status: 'offline' });
  });

  it('a late (older) reading does not replace the latest one', () => {
    const board = new DeviceBoard(10_000);
    board.onReading(r(5, T, 50), T);
    board.onReading(r(3, T - 2000, 30), T + 10);
    expect(board.latestData(T + 10).v1?.speed).toBe(50);
  });

  it('seeds from the store without overriding live data; a clock ahead is clamped', () => {
    const board = new DeviceBoard(10_000);
    board.onReading(r(9, T, 90), T);
    board.seed('v1', T - 60_000, { deviceId: 'v1', seq: 1, timestamp: T - 60_000, speed: 1 }, T);
    expect(board.latestData(T).v1?.speed).toBe(90);
    board.seed('v2', T + 3_600_000, undefined, T);
    expect(board.statusReport(T + 11_000).v2?.status).toBe('offline');
  });

  it('reports each status change once', () => {
    const board = new DeviceBoard(1000);
    board.onReading(r(0, T), T);
    expect(board.transitions(T)).toEqual([{ deviceId: 'v1', status: 'online' }]);
    expect(board.transitions(T + 500)).toEqual([]);
    expect(board.transitions(T + 1500)).toEqual([{ deviceId: 'v1', status: 'offline' }]);
    expect(board.transitions(T + 2500)).toEqual([]);
  });
});
