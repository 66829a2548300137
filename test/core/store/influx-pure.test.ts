// InfluxQL escaping, server detection, auth and line protocol: pure functions, no server.
import { InfluxDB } from '@influxdata/influxdb-client';
import { describe, expect, it } from 'vitest';
import { authorizationFor, databaseOf, detectServer } from '../../../core/store/influx-detect.js';
import { pointTimeNs, toPoints } from '../../../core/store/influx-points.js';
import { toClientPoint } from '../../../core/store/influx-write-v2.js';
import {
  durationMs,
  epochMs,
  historyQuery,
  InfluxQLValueError,
  latestQuery,
  quoteIdent,
  quoteString,
  timeRange,
} from '../../../core/store/influxql.js';
import { pointLine } from '../../../core/store/line-protocol.js';

describe('InfluxQL values', () => {
  it('quotes strings and identifiers so that quotes and backslashes cannot end them', () => {
    expect(quoteString(`a'b`)).toBe(`'a\\'b'`);
    expect(quoteString('a\\')).toBe(`'a\\\\'`);
    expect(quoteString(`\\' OR 1=1 --`)).toBe(`'\\\\\\' OR 1=1 --'`);
    expect(quoteIdent('my"db')).toBe('"my\\"db"');
    expect(quoteIdent('vehicle-data')).toBe('"vehicle-data"');
    expect(() => quoteString('a\nb')).toThrow(InfluxQLValueError);
    expect(() => quoteIdent('')).toThrow(InfluxQLValueError);
  });

  it('renders times and durations as integers of ms, and refuses anything else', () => {
    expect(epochMs(1_795_600_000_123)).toBe('1795600000123ms');
    expect(durationMs(120_000)).toBe('120000ms');
    // Inclusive ms bounds over ns points: [from, to] is time >= from ms AND time < to + 1 ms.
    expect(timeRange(10, 20)).toBe('time >= 10ms AND time < 21ms');
    expect(timeRange(10.5, 20.5)).toBe('time >= 11ms AND time < 21ms');
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60, 10.5]) {
      expect(() => epochMs(bad)).toThrow(InfluxQLValueError);
    }
    expect(() => timeRange(Number.NaN, 1)).toThrow(InfluxQLValueError);
    for (const bad of [0, -5, 1.5, Number.NaN])
      expect(() => durationMs(bad)).toThrow(InfluxQLValueError);
  });

  it('builds queries only for device ids the contract allows', () => {
    expect(latestQuery('vehicle_01')).toBe(
      `SELECT "speed", "seq" FROM "vehicle_speed" WHERE "device_id" = 'vehicle_01' ORDER BY time DESC LIMIT 1`,
    );
    expect(historyQuery('v-1', 0, 599_999, 120_000)).toBe(
      `SELECT mean("speed"), min("speed"), max("speed"), count("speed") FROM "vehicle_speed" ` +
        `WHERE "device_id" = 'v-1' AND time >= 0ms AND time < 600000ms GROUP BY time(120000ms) fill(none)`,
    );
    expect(() => latestQuery(`x' OR '1'='1`)).toThrow(InfluxQLValueError);
    expect(() => historyQuery('v', 0, 1, 0)).toThrow(InfluxQLValueError);
  });
});

describe('server detection from X-Influxdb-Version', () => {
  it.each([
    ['1.6.7~rc0', 'auto', 1, 'v1'],
    ['1.7.11', 'auto', 1, 'v1'],
    ['1.8.10', 'auto', 1, 'v2'],
    ['v2.7.10', 'auto', 2, 'v2'],
    ['3.0.1', 'auto', 3, 'v2'],
    [undefined, 'auto', undefined, 'v2'], // VictoriaMetrics sends no version
    ['1.6.7', 'v2', 1, 'v2'], // INFLUXDB_API overrides
    ['v2.7.10', 'v1', 2, 'v1'],
  ] as const)('%s with INFLUXDB_API=%s: major %s, %s writes', (header, api, major, writeApi) => {
    expect(detectServer(header, api)).toEqual({ version: header, major, writeApi });
  });

  it('authenticates 1.x with Basic username:password and the rest with Token', () => {
    const v1 = detectServer('1.6.7', 'auto');
    const v2 = detectServer('v2.7.10', 'auto');
    expect(authorizationFor(v1, undefined)).toBeUndefined();
    expect(authorizationFor(v1, 'admin:pw')).toBe(`Basic ${btoa('admin:pw')}`);
    expect(() => authorizationFor(v1, 'sometoken')).toThrow(/username:password/);
    expect(authorizationFor(v2, 'sometoken')).toBe('Token sometoken');
  });

  it('reads a bucket as database[/retention-policy]', () => {
    expect(databaseOf('vehicle-data')).toEqual({
      database: 'vehicle-data',
      retentionPolicy: undefined,
    });
    expect(databaseOf('telemetry/autogen')).toEqual({
      database: 'telemetry',
      retentionPolicy: 'autogen',
    });
  });
});

describe('points and line protocol', () => {
  it('puts seq mod 10^6 into the nanoseconds below the device millisecond', () => {
    expect(pointTimeNs(1_795_600_000_123, 42)).toBe('1795600000123000042');
    expect(pointTimeNs(1_795_600_000_123, 1_000_042)).toBe('1795600000123000042');
    expect(pointTimeNs(0, 999_999)).toBe('999999');
  });

  it('keys a point by (device_id, ms, seq): only repeats of a reading are duplicates', () => {
    const at = (seq: number, ms: number, speed = seq) => ({
      device_id: 'd',
      seq,
      timestamp: new Date(ms).toISOString(),
      speed,
    });
    // seq 1 twice (a repeat), seq 2 and 3 in the same millisecond (two readings).
    const { points, duplicates } = toPoints([
      at(1, 1000),
      at(2, 2000),
      at(1, 1000),
      at(3, 2000, 9),
    ]);
    expect(duplicates).toBe(1);
    expect(points).toEqual([
      { deviceId: 'd', seq: 1, speed: 1, time: 1000, timeNs: '1000000001' },
      { deviceId: 'd', seq: 2, speed: 2, time: 2000, timeNs: '2000000002' },
      { deviceId: 'd', seq: 3, speed: 9, time: 2000, timeNs: '2000000003' },
    ]);
  });

  it('writes the same line as the official client, speed as a float and seq as an integer', () => {
    const api = new InfluxDB({ url: 'http://127.0.0.1:1' }).getWriteApi('o', 'b', 'ns');
    const point = (deviceId: string, seq: number, speed: number, time: number) => ({
      deviceId,
      seq,
      speed,
      time,
      timeNs: pointTimeNs(time, seq),
    });
    for (const p of [
      point('vehicle_01', 42, 63.25, 1_795_600_000_123),
      point('v-2', 0, 70, 0),
      point('a b,c=d', 7, 0.1, 5), // escaping (ids are validated anyway)
    ]) {
      expect(pointLine(p)).toBe(toClientPoint(p).toLineProtocol(api));
    }
    expect(pointLine(point('v', 3, 70, 9))).toBe(
      'vehicle_speed,device_id=v seq=3i,speed=70 9000003',
    );
    api.dispose();
  });
});
