// InfluxQL escaping, server detection, auth and line protocol: pure functions, no server.
import { InfluxDB } from '@influxdata/influxdb-client';
import { describe, expect, it } from 'vitest';
import { BUILTIN_CATALOG, customSignal, SignalCatalog } from '../../../core/signals/catalog.js';
import {
  checkpointLine,
  checkpointTime,
  decodeCheckpoints,
} from '../../../core/store/influx-checkpoint.js';
import { authorizationFor, databaseOf, detectServer } from '../../../core/store/influx-detect.js';
import { cutPieces } from '../../../core/store/influx-history.js';
import { decodeLatest, latestStatements } from '../../../core/store/influx-latest.js';
import {
  freshPoints,
  type InfluxPoint,
  pointTimeNs,
  toPoints,
} from '../../../core/store/influx-points.js';
import { InfluxSignals, rollupFields } from '../../../core/store/influx-signals.js';
import {
  checkpointQuery,
  recomputeStatements,
  windowStatement,
} from '../../../core/store/influx-tier-ql.js';
import { toClientPoint } from '../../../core/store/influx-write-v2.js';
import {
  durationMs,
  epochMs,
  InfluxQLValueError,
  quoteIdent,
  quoteString,
  sinceNs,
  timeRange,
} from '../../../core/store/influxql.js';
import { flagLine, pointLine, pointLines } from '../../../core/store/line-protocol.js';
import { aggregateSignals } from '../../../core/store/rollup.js';
import { fullReading } from '../../helpers/telemetry.js';

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
    const raw = { database: 'db', retentionPolicy: 'autogen', measurement: 'vehicle_speed' };
    const oneMinute = {
      database: 'db',
      retentionPolicy: 'rollup_1m',
      measurement: 'vehicle_speed_1m',
    };
    expect(windowStatement({ tier: 'raw', from: 0, to: 599_999 }, 'v-1', 120_000, raw)).toBe(
      `SELECT count("speed") AS "count", sum("speed") AS "sum", min("speed") AS "min", max("speed") AS "max" ` +
        `FROM "db"."autogen"."vehicle_speed" WHERE "device_id" = 'v-1' AND time >= 0ms AND time < 600000ms ` +
        'GROUP BY time(120000ms) fill(none)',
    );
    expect(windowStatement({ tier: '1m', from: 0, to: 540_000 }, 'v-1', 600_000, oneMinute)).toBe(
      `SELECT sum("count") AS "count", sum("sum") AS "sum", min("min") AS "min", max("max") AS "max" ` +
        `FROM "db"."rollup_1m"."vehicle_speed_1m" WHERE "device_id" = 'v-1' AND time >= 0ms AND time < 540001ms ` +
        'GROUP BY time(600000ms) fill(none)',
    );
    expect(sinceNs(1_795_600_000_123, 42)).toBe('time >= 1795600000123000042');
    expect(() => latestStatements(`x' OR '1'='1`, raw, BUILTIN_CATALOG)).toThrow(
      InfluxQLValueError,
    );
    expect(() => windowStatement({ tier: 'raw', from: 0, to: 1 }, 'v', 0, raw)).toThrow(
      InfluxQLValueError,
    );
    expect(() => checkpointQuery(`x' OR '1'='1`, raw)).toThrow(InfluxQLValueError);
  });
});

describe('tiers and checkpoints', () => {
  const M = 60_000;
  const H = 3_600_000;

  it('answers the buckets at or after a checkpoint bound from finer tiers, down to raw points', () => {
    const pieces = [
      { tier: 'raw' as const, from: 10, to: H - 1 },
      { tier: '1h' as const, from: H, to: 5 * H },
      { tier: '1m' as const, from: 6 * H, to: 6 * H + 10 * M },
    ];
    // Nothing counted from 3 h 20 min 15 s on: hours 1..2 whole, hour 3 from minutes up to
    // 3:19 and raw from 3:20, the rest raw.
    expect(cutPieces(pieces, 3 * H + 20 * M + 15_000)).toEqual([
      { tier: 'raw', from: 10, to: H - 1 },
      { tier: '1h', from: H, to: 2 * H },
      { tier: '1m', from: 3 * H, to: 3 * H + 19 * M },
      { tier: 'raw', from: 3 * H + 20 * M, to: 6 * H - 1 },
      { tier: 'raw', from: 6 * H, to: 6 * H + 11 * M - 1 },
    ]);
    // A bound after the range changes nothing; one before it leaves raw points only.
    expect(cutPieces(pieces, 7 * H)).toEqual(pieces);
    expect(cutPieces(pieces, 0).every((p) => p.tier === 'raw')).toBe(true);
  });

  it('writes a checkpoint as one line per device and reads it back', () => {
    const cp = {
      coverage: { watermark: 41, highest: 99, above: [[50, 60] as [number, number]] },
      scan: { ms: 1_795_600_000_123, sub: 42 },
      lastSeen: 1_795_600_000_999,
      at: 1_795_564_800_000,
    };
    const line = checkpointLine('v-1', cp);
    expect(line).toBe(
      'vehicle_coverage,device_id=v-1 above="[[50,60]]",highest=99i,last_seen=1795600000999i,' +
        'scan_ms=1795600000123i,scan_sub=42i,watermark=41i 1795564800000000000',
    );
    const series = {
      name: 'vehicle_coverage',
      columns: ['time', 'above', 'highest', 'last_seen', 'scan_ms', 'scan_sub', 'watermark'],
      values: [[cp.at, '[[50,60]]', 99, cp.lastSeen, cp.scan.ms, 42, 41]],
    };
    expect(decodeCheckpoints([series], () => 'v-1').get('v-1')).toEqual(cp);
    // One point per device and day, never moved back.
    expect(checkpointTime(cp.at + 5 * H, undefined)).toBe(cp.at);
    expect(checkpointTime(cp.at + 5 * H, cp.at + 86_400_000)).toBe(cp.at + 86_400_000);
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
      values: { speed },
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
      { deviceId: 'd', seq: 1, values: { speed: 1 }, flag: null, time: 1000, timeNs: '1000000001' },
      { deviceId: 'd', seq: 2, values: { speed: 2 }, flag: null, time: 2000, timeNs: '2000000002' },
      { deviceId: 'd', seq: 3, values: { speed: 9 }, flag: null, time: 2000, timeNs: '2000000003' },
    ]);
  });

  it('writes the same line as the official client, speed as a float and seq as an integer', () => {
    const api = new InfluxDB({ url: 'http://127.0.0.1:1' }).getWriteApi('o', 'b', 'ns');
    const point = (deviceId: string, seq: number, speed: number, time: number) => ({
      deviceId,
      seq,
      values: { speed },
      flag: null,
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

  it('builds a batch body on the fast path exactly as point by point', () => {
    const readings = [
      {
        device_id: 'vehicle_01',
        seq: 42,
        timestamp: '2026-11-24T09:00:00.123Z',
        values: { speed: 63.25 },
      },
      {
        device_id: 'a b,c=d',
        seq: 1_000_007,
        timestamp: '2026-11-24T09:00:00.123Z',
        values: { speed: 0.1 },
      },
      { device_id: 'v', seq: 3, timestamp: '1969-12-31T23:59:59.999Z', values: { speed: 70 } },
      { device_id: 'v', seq: 4, timestamp: '1970-01-01T00:00:00.000Z', values: { speed: 71 } },
    ];
    const times = readings.map((r) => Date.parse(r.timestamp));
    const fast = freshPoints(readings, times);
    expect(fast).toEqual(toPoints(readings).points);
    expect(fast[2]?.timeNs).toBe('-999997');
    expect(Buffer.from(pointLines(fast)).toString('utf8')).toBe(fast.map(pointLine).join('\n'));
    expect(() =>
      pointLines([{ ...(fast[0] as InfluxPoint), values: { speed: Number.NaN } }]),
    ).toThrow(RangeError);
  });

  it('encodes bodies larger than its buffer, non-ASCII tags included, byte for byte', () => {
    // 4,000 points of every kind of value: ~1 MB, past the 256 KiB buffer pointLines starts with.
    const readings = Array.from({ length: 4000 }, (_, i) => ({
      device_id: i % 3 === 0 ? `fahrzeug-ü-${i % 7}` : `v${i % 5}`,
      seq: i,
      timestamp: new Date(Date.UTC(2026, 10, 24) + i * 1000).toISOString(),
      values: {
        lat: 52.52 + i * 1e-6,
        lon: 13.405 - i * 1e-6,
        speed: (i % 130) + 0.25,
        ignition: i % 2 === 0,
        odometer_km: 12_345.678 + i,
        battery_v: 14.1,
        rpm: 2000 + (i % 50),
      },
    }));
    const points = freshPoints(
      readings,
      readings.map((r) => Date.parse(r.timestamp)),
    );
    const expected = points.map(pointLine).join('\n');
    expect(Buffer.byteLength(expected)).toBeGreaterThan(1 << 18);
    const body = pointLines(points);
    expect(Buffer.from(body).toString('utf8')).toBe(expected);
    // A second call reuses the buffer: the first body is a copy, unchanged.
    const second = pointLines(points.slice(0, 10));
    expect(Buffer.from(body).toString('utf8')).toBe(expected);
    expect(Buffer.from(second).toString('utf8')).toBe(
      points.slice(0, 10).map(pointLine).join('\n'),
    );
  });
});

describe('every signal: rollup fields, statements, latest', () => {
  const raw = { database: 'db', retentionPolicy: 'autogen', measurement: 'vehicle_speed' };
  const oneMinute = {
    database: 'db',
    retentionPolicy: 'rollup_1m',
    measurement: 'vehicle_speed_1m',
  };
  const ignition = BUILTIN_CATALOG.find('ignition');
  const fuel = BUILTIN_CATALOG.find('fuel_pct');

  it('names rollup fields: speed as before, <key>_<aggregate> for the rest, no min or max for booleans', () => {
    expect(rollupFields(BUILTIN_CATALOG.find('speed') ?? fail())).toEqual({
      count: 'count',
      sum: 'sum',
      min: 'min',
      max: 'max',
    });
    expect(rollupFields(fuel ?? fail())).toEqual({
      count: 'fuel_pct_count',
      sum: 'fuel_pct_sum',
      min: 'fuel_pct_min',
      max: 'fuel_pct_max',
    });
    expect(rollupFields(ignition ?? fail())).toEqual({
      count: 'ignition_count',
      sum: 'ignition_sum',
      min: undefined,
      max: undefined,
    });
    // Unique over the catalog with custom signals, and never a raw field's name.
    const catalog = new SignalCatalog([
      customSignal({ name: 'count', type: 'number' }),
      customSignal({ name: 'fuel_pct_count', type: 'number' }),
    ]);
    const names = catalog.signals.flatMap((s) => Object.values(rollupFields(s)).filter(Boolean));
    expect(new Set(names).size).toBe(names.length);
  });

  it('writes a bucket line with every signal it holds and reads it back', () => {
    const signals = new InfluxSignals(BUILTIN_CATALOG);
    const readings = [0, 1, 2, 3].map((s) => fullReading('v-1', s, 60_000 + s * 1000));
    delete readings[1]?.values.fuel_pct;
    const times = readings.map((r) => Date.parse(r.timestamp));
    const [bucket] = aggregateSignals(readings, times, signals.keys, 60_000);
    const aggs = bucket?.aggs ?? fail();
    const line = signals.bucketLine('vehicle_speed_1m', 'v-1', 60_000, aggs);
    expect(line).toMatch(/^vehicle_speed_1m,device_id=v-1 count=4i,max=21,min=0,sum=42,/);
    expect(line).toContain(',ignition_count=4i,ignition_sum=3i,');
    expect(line).toContain(',fuel_pct_count=3i,');
    expect(line).not.toContain('ignition_min');
    expect(line.endsWith(' 60000000000')).toBe(true);
    // As InfluxDB answers SELECT * for it: the same aggregates (a boolean's min/max derived).
    const fields = line.split(' ')[1]?.split(',') ?? [];
    const columns = ['time', 'device_id', ...fields.map((f) => f.split('=')[0] as string)];
    const row = [
      60_000,
      'v-1',
      ...fields.map((f) => Number((f.split('=')[1] as string).replace(/i$/, ''))),
    ];
    expect(Array.from(signals.decode(columns, row))).toEqual(Array.from(aggs));
    // A bucket with no point yet decodes as empty.
    expect(
      signals.decode(['time'], [0]).every((v, i) => (i % 4 < 2 ? v === 0 : !Number.isFinite(v))),
    ).toBe(true);
  });

  it('builds history statements per signal: a boolean by count and count true', () => {
    const piece = { tier: 'raw' as const, from: 0, to: 59_999 };
    expect(windowStatement(piece, 'v', 60_000, raw, fuel)).toBe(
      `SELECT count("fuel_pct") AS "count", sum("fuel_pct") AS "sum", min("fuel_pct") AS "min", max("fuel_pct") AS "max" ` +
        `FROM "db"."autogen"."vehicle_speed" WHERE "device_id" = 'v' AND time >= 0ms AND time < 60000ms GROUP BY time(60000ms) fill(none)`,
    );
    expect(windowStatement(piece, 'v', 60_000, raw, ignition, true)).toBe(
      `SELECT count("ignition") AS "sum" FROM "db"."autogen"."vehicle_speed" WHERE "device_id" = 'v' AND "ignition" = true ` +
        'AND time >= 0ms AND time < 60000ms GROUP BY time(60000ms) fill(none)',
    );
    expect(windowStatement({ tier: '1m', from: 0, to: 0 }, 'v', 60_000, oneMinute, ignition)).toBe(
      `SELECT sum("ignition_count") AS "count", sum("ignition_sum") AS "sum" FROM "db"."rollup_1m"."vehicle_speed_1m" ` +
        `WHERE "device_id" = 'v' AND time >= 0ms AND time < 1ms GROUP BY time(60000ms) fill(none)`,
    );
  });

  it('recomputes every signal from raw in one statement, plus one per boolean for its count true', () => {
    const signals = new InfluxSignals(BUILTIN_CATALOG);
    const [main, ...trueCounts] = recomputeStatements(
      'v',
      0,
      0,
      60_000,
      raw,
      oneMinute,
      true,
      signals,
    );
    expect(main).toContain('count("speed") AS "count", sum("speed") AS "sum"');
    expect(main).toContain('max("rpm") AS "rpm_max"');
    expect(main).toContain('count("ignition") AS "ignition_count"');
    expect(main).not.toContain('sum("ignition")');
    expect(trueCounts).toEqual([
      `SELECT count("ignition") AS "ignition_sum" INTO "db"."rollup_1m"."vehicle_speed_1m" FROM "db"."autogen"."vehicle_speed" ` +
        `WHERE "device_id" = 'v' AND "ignition" = true AND time >= 0ms AND time < 60000ms GROUP BY time(60000ms), "device_id" fill(none)`,
    ]);
    const hours = recomputeStatements('v', 0, 0, 3_600_000, oneMinute, raw, false, signals);
    expect(hours.length).toBe(1);
    expect(hours[0]).toContain('sum("ignition_sum") AS "ignition_sum"');
    expect(hours[0]).toContain('min("min") AS "min"');
  });

  it('asks for the latest value of each signal by itself, and the position from the newest valid fix', () => {
    const statements = latestStatements('v', raw, BUILTIN_CATALOG);
    const from = `FROM "db"."autogen"."vehicle_speed" WHERE "device_id" = 'v'`;
    expect(statements[0]).toBe(`SELECT last("seq") ${from}`);
    expect(statements).toContain(`SELECT last("ignition") ${from}`);
    expect(statements.at(-1)).toBe(
      `SELECT "lat", "lon", "alt", "acc", "heading" ${from} AND "pos_flag" = 0 ORDER BY time DESC LIMIT 1`,
    );
    const answer = (columns: string[], row: unknown[]) => [
      { name: 'vehicle_speed', columns, values: [row] },
    ];
    const answers = statements.map(() => [] as ReturnType<typeof answer>);
    answers[0] = answer(['time', 'last'], [5000, 9]);
    answers[1] = answer(['time', 'last'], [4000, 33.5]); // speed
    answers[2] = answer(['time', 'last'], [3000, false]); // ignition
    answers[answers.length - 1] = answer(
      ['time', 'lat', 'lon', 'alt', 'acc', 'heading'],
      [2000, 52.5, 13.4, null, 5, null],
    );
    expect(decodeLatest('v', BUILTIN_CATALOG, answers)).toEqual({
      deviceId: 'v',
      seq: 9,
      timestamp: 5000,
      signals: {
        speed: { value: 33.5, time: 4000 },
        ignition: { value: false, time: 3000 },
        lat: { value: 52.5, time: 2000 },
        lon: { value: 13.4, time: 2000 },
        acc: { value: 5, time: 2000 },
      },
    });
    expect(
      decodeLatest(
        'v',
        BUILTIN_CATALOG,
        statements.map(() => []),
      ),
    ).toBeUndefined();
  });

  it('rewrites the flag of a stored fix as a pos_flag field on its own point', () => {
    expect(flagLine('v-1', 1_795_600_000_123, 1_000_042, 2)).toBe(
      'vehicle_speed,device_id=v-1 pos_flag=2i 1795600000123000042',
    );
  });
});

function fail(): never {
  throw new Error('missing');
}
