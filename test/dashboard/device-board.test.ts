// The online/offline rule and latest-reading bookkeeping, on an explicit clock.
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../core/contract.js';
import { DeviceBoard } from '../../dashboard/device-board.js';

const T = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const r = (seq: number, at: number, speed = 10): Reading => ({
  device_id: 'v1',
  seq,
  timestamp: iso(at),
  values: { speed },
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
    board.seed(
      'v1',
      T - 60_000,
      {
        deviceId: 'v1',
        seq: 1,
        timestamp: T - 60_000,
        signals: { speed: { value: 1, time: T - 60_000 } },
      },
      T,
    );
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

  it('warning: health older than twice its interval, once the device has sent health', () => {
    const board = new DeviceBoard(10_000, { healthIntervalMs: 1000 });
    const health = (at: number) => ({
      device_id: 'v1',
      timestamp: iso(at),
      uptime_s: 1,
      queue_depth: 0,
      dropped_total: 0,
      reconnects: 0,
      firmware: 'x',
    });
    board.onReading(r(0, T), T);
    expect(board.statusOf('v1', T + 5000)).toBe('online'); // no health ever: judged on data only
    board.onHealth(health(T + 5000), T + 5000);
    board.onReading(r(1, T + 6000), T + 6000);
    expect(board.statusOf('v1', T + 7000)).toBe('online');
    expect(board.statusOf('v1', T + 7001)).toBe('warning');
    expect(board.statusReport(T + 7001).v1?.status).toBe('warning');
    expect(board.latestData(T + 7001).v1?.status).toBe('warning');
    board.onHealth(health(T + 7500), T + 7500);
    expect(board.statusOf('v1', T + 7600)).toBe('online');
    expect(board.statusOf('v1', T + 20_000)).toBe('offline'); // silence past OFFLINE_AFTER_S wins
    expect(board.healths()).toEqual([health(T + 7500)]);
    // An older one redelivered does not replace it.
    board.onHealth(health(T + 6000), T + 7700);
    expect(board.healths()).toEqual([health(T + 7500)]);
  });

  it('warning: readings stopped for more than twice the interval they came at (at least 2 s)', () => {
    const board = new DeviceBoard(10_000, { healthIntervalMs: 30_000, minStaleMs: 2000 });
    for (let i = 0; i < 5; i++) board.onReading(r(i, T + i * 1500), T + i * 1500);
    const last = T + 4 * 1500;
    expect(board.statusOf('v1', last + 3000)).toBe('online');
    expect(board.statusOf('v1', last + 3001)).toBe('warning');
    expect(board.statusOf('v1', last + 10_001)).toBe('offline');
    // A fast device (every 100 ms) is judged on the 2 s floor, not on 200 ms.
    const fast = new DeviceBoard(10_000);
    for (let i = 0; i < 20; i++) fast.onReading(r(i, T + i * 100), T + i * 100);
    expect(fast.statusOf('v1', T + 1900 + 2000)).toBe('online');
    expect(fast.statusOf('v1', T + 1900 + 2001)).toBe('warning');
  });

  it('a health message is a sign of life (its own timestamp, so an old retained one is not)', () => {
    const board = new DeviceBoard(10_000);
    const health = (at: number) => ({
      device_id: 'v1',
      timestamp: iso(at),
      uptime_s: 1,
      queue_depth: 0,
      dropped_total: 0,
      reconnects: 0,
      firmware: 'x',
    });
    board.onHealth(health(T - 3_600_000), T);
    expect(board.statusOf('v1', T)).toBe('offline');
    board.onHealth(health(T), T);
    expect(board.statusOf('v1', T + 1000)).toBe('online');
  });
});
