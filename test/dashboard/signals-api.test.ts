// The data API per signal on a real dashboard (SQLite, Mosquitto, SIGNALS_FILE): the catalog, signals= selections and their cursors, exports of a selection, latest and history shapes, hostile signal names.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTelemetry, type Reading } from '../../core/contract.js';
import type { SignalInfo } from '../../core/dashboard-contract.js';
import type { SignalCatalog } from '../../core/signals/catalog.js';
import {
  expectedCsv,
  expectedLatest,
  expectedRow,
  readingRows,
  sensorReadings,
  truckReadings,
  writeSignalsFile,
} from '../helpers/telemetry-api.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { send } from '../security/dashboard-http.js';
import { getJson } from './helpers.js';
import { NOW, type RouteFixture, startRouteFixture } from './route-fixture.js';

const TOKEN = randomBytes(24).toString('hex');
let fixture: RouteFixture;
let catalog: SignalCatalog;
const truck = truckReadings('truck_01', 90, NOW - 60_000);
const sensor = sensorReadings('sensor_01', 20, NOW - 60_000);
const get = (path: string) => getJson(fixture.base, path);

beforeAll(async () => {
  fixture = await startRouteFixture({
    DASHBOARD_API_TOKEN: TOKEN,
    DASHBOARD_RATE_LIMIT_PER_MIN: '100000',
    SIGNALS_FILE: writeSignalsFile(tempDir('signals-api-')),
  });
  catalog = fixture.dashboard.catalog;
  const body = [...truck, ...sensor].map((r) => JSON.parse(encodeTelemetry(r)));
  const res = await send(fixture.base, '/api/readings', {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.json).toMatchObject({ stored: truck.length + sensor.length, rejected: [] });
});

afterAll(async () => {
  await fixture?.stop();
  removeTempDirs();
});

const rowsOf = (readings: readonly Reading[], keys?: string[]) =>
  readings.map((r) => expectedRow(r, catalog, keys));

describe('GET /api/signals', () => {
  it('the catalog in force: built-in signals in catalog order, then the custom ones', async () => {
    const res = await get('/api/signals');
    expect(res.status).toBe(200);
    const list = res.body as SignalInfo[];
    expect(list.map((s) => s.name)).toEqual([
      'speed',
      'position.lat',
      'position.lon',
      'position.alt',
      'position.acc',
      'position.heading',
      'ignition',
      'odometer_km',
      'fuel_pct',
      'battery_v',
      'battery_pct',
      'coolant_c',
      'rpm',
      'temperature_c',
      'humidity_pct',
      'door_open',
    ]);
    expect(list[5]).toMatchObject({ key: 'heading', min: 0, max: 360, max_exclusive: true });
    expect(list[13]).toEqual({
      name: 'temperature_c',
      key: 'temperature_c',
      type: 'number',
      unit: '°C',
      min: -60,
      max: 120,
      max_exclusive: false,
      builtin: false,
      description: 'Cabin temperature',
    });
    expect(list[15]).toMatchObject({ type: 'boolean', min: null, max: null, builtin: false });
  });
});

describe('readings with signals=', () => {
  it('default: every signal a reading has; speed-only readings keep {seq, timestamp, speed}', async () => {
    expect(await readingRows(fixture.base, '/api/devices/truck_01/readings')).toEqual(
      rowsOf(truck),
    );
    expect(await readingRows(fixture.base, '/api/devices/sensor_01/readings')).toEqual(
      rowsOf(sensor),
    );
    const legacy = (await get('/api/devices/vehicle_01/readings?limit=2')).body as {
      readings: object[];
    };
    expect(legacy.readings).toEqual([
      { seq: 0, timestamp: '2026-01-01T00:01:00.000Z', speed: 99 },
      { seq: 1, timestamp: '2026-01-01T00:09:00.000Z', speed: 10 },
    ]);
  });

  it('names, keys and the position group select columns; flags come with any position key', async () => {
    const cases: Array<[string, string[]]> = [
      ['speed,position,fuel_pct', ['speed', 'lat', 'lon', 'alt', 'acc', 'heading', 'fuel_pct']],
      ['position.alt', ['alt']],
      ['alt,alt,ignition', ['alt', 'ignition']],
      ['door_open,rpm', ['rpm', 'door_open']],
      ['temperature_c', ['temperature_c']],
    ];
    for (const [signals, keys] of cases) {
      const rows = await readingRows(
        fixture.base,
        `/api/devices/truck_01/readings?signals=${signals}`,
      );
      expect(rows, signals).toEqual(rowsOf(truck, keys));
    }
    // A flagged fix: its values, position_valid false and the flag.
    const rows = (await readingRows(
      fixture.base,
      '/api/devices/truck_01/readings?signals=position&from=2026-01-01T00:07:40Z&to=2026-01-01T00:07:42Z',
    )) as Array<Record<string, unknown>>;
    expect(rows.map((r) => [r.seq, r.position_valid, r.position_flag])).toEqual([
      [9, true, null],
      [10, false, 'zero_fix'],
      [11, true, null],
    ]);
    expect(rows[1]).toMatchObject({ lat: 0, lon: 0 });
  });

  it('a cursor keeps the selection; another selection beside it is a 400', async () => {
    const first = (await get('/api/devices/truck_01/readings?signals=fuel_pct&limit=50')).body as {
      readings: unknown[];
      next_cursor: string;
    };
    const next = (await get(`/api/devices/truck_01/readings?cursor=${first.next_cursor}`)).body as {
      readings: unknown[];
      next_cursor: string | null;
    };
    expect([...first.readings, ...next.readings]).toEqual(rowsOf(truck, ['fuel_pct']));
    expect(next.next_cursor).toBeNull();
    const again = await get(
      `/api/devices/truck_01/readings?cursor=${first.next_cursor}&signals=fuel_pct`,
    );
    expect(again.status).toBe(200);
    expect(
      await get(`/api/devices/truck_01/readings?cursor=${first.next_cursor}&signals=rpm`),
    ).toMatchObject({ status: 400, body: { error: 'invalid_parameter' } });
  });

  it('min_speed and max_speed still bound the speed, whatever the selection', async () => {
    const rows = await readingRows(
      fixture.base,
      '/api/devices/truck_01/readings?signals=rpm&min_speed=50&max_speed=60',
    );
    const speeds = truck.filter(
      (r) => (r.values.speed as number) >= 50 && (r.values.speed as number) <= 60,
    );
    expect(rows).toEqual(rowsOf(speeds, ['rpm']));
  });

  it('CSV and NDJSON of a selection: its columns only, in catalog order', async () => {
    const csv = await send(
      fixture.base,
      '/api/devices/truck_01/readings?format=csv&signals=door_open,fuel_pct,position',
    );
    const header =
      'device_id,seq,timestamp,lat,lon,alt,acc,heading,position_valid,position_flag,fuel_pct,door_open';
    expect(csv.text).toBe(expectedCsv(truck, header.split(',')));
    const ndjson = await send(
      fixture.base,
      '/api/devices/truck_01/readings?format=ndjson&signals=position.lat,position.lon,speed&to=2026-01-01T00:07:50Z',
    );
    const lines = ndjson.text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[10]).toEqual({
      device_id: 'truck_01',
      seq: 10,
      timestamp: '2026-01-01T00:07:41.000Z',
      speed: 70,
      position: { lat: 0, lon: 0 },
      position_flag: 'zero_fix',
    });
    expect(lines[11]).toEqual({
      device_id: 'truck_01',
      seq: 11,
      timestamp: '2026-01-01T00:07:42.000Z',
      speed: 77,
      position: { lat: 52.52 + 11 * 0.00007, lon: 13.4 + 11 * 0.00011 },
    });
  });
});

describe('latest and history per signal', () => {
  it('latest: every signal with its time, the newest valid fix; a vehicle without speed has speed null', async () => {
    expect((await get('/api/devices/truck_01/latest')).body).toEqual(
      expectedLatest(truck, catalog),
    );
    const s = (await get('/api/devices/sensor_01/latest')).body as Record<string, unknown>;
    expect(s).toEqual(expectedLatest(sensor, catalog));
    expect(s).toMatchObject({ speed: null, position: null });
    // A speed-only vehicle: today's four keys, its speed among the signals, no position.
    expect((await get('/api/devices/vehicle_02/latest')).body).toEqual({
      device_id: 'vehicle_02',
      speed: 42.5,
      timestamp: '2026-01-01T00:09:59.000Z',
      seq: 7,
      signals: { speed: { value: 42.5, timestamp: '2026-01-01T00:09:59.000Z' } },
      position: null,
    });
  });

  it('history?signal=: a boolean as the fraction true; by name or key; without signal the speed shape', async () => {
    const range = 'from=2026-01-01T00:07:30Z&to=2026-01-01T00:09:00Z&points=10';
    const ignition = (await get(`/api/devices/truck_01/history?signal=ignition&${range}`)).body as {
      window_ms: number;
      data_points: Array<{ mean: number; count: number }>;
    };
    expect(ignition.window_ms).toBe(10_000);
    const trues = truck.filter((r) => r.values.ignition === true).length;
    const sum = ignition.data_points.reduce((n, p) => n + p.mean * p.count, 0);
    expect(Math.round(sum)).toBe(trues);
    const byKey = (await get(`/api/devices/truck_01/history?signal=alt&${range}`)).body;
    const byName = (await get(`/api/devices/truck_01/history?signal=position.alt&${range}`)).body;
    expect(byKey).toEqual(byName);
    expect(byName).toMatchObject({ signal: 'position.alt', unit: 'm' });
    const speed = (await get(`/api/devices/truck_01/history?${range}`)).body as {
      data_points: object[];
    };
    expect(Object.keys(speed.data_points[0] ?? {})).toEqual([
      'timestamp',
      'speed',
      'min',
      'max',
      'count',
    ]);
  });
});

describe('hostile signal names: 400 {error, message}, nothing echoed raw', () => {
  const bad = (message: string) => ({ error: 'invalid_parameter', message });
  const LIST = 'signals must be a comma-separated list of signal names (see GET /api/signals)';
  const readings: Array<[string, unknown]> = [
    ['signals=', bad(LIST)],
    ['signals=speed,,fuel_pct', bad(LIST)],
    ['signals=speed,', bad(LIST)],
    ['signals=bogus', bad('unknown signal: bogus (see GET /api/signals)')],
    ['signals=Speed', bad('unknown signal: Speed (see GET /api/signals)')],
    ['signals=position.bogus', bad('unknown signal: position.bogus (see GET /api/signals)')],
    ['signals=__proto__', bad('unknown signal: __proto__ (see GET /api/signals)')],
    [
      'signals=constructor,toString',
      bad('unknown signal: constructor, toString (see GET /api/signals)'),
    ],
    [
      'signals=%3Cscript%3Ealert(1)%3C/script%3E',
      bad('unknown signal: ?script?alert?1???script? (see GET /api/signals)'),
    ],
    ['signals=speed%00', bad('unknown signal: speed? (see GET /api/signals)')],
    ['signals=%20speed', bad('unknown signal: ?speed (see GET /api/signals)')],
    ['signals=a,b,c,d,e,f,g', bad('unknown signal: a, b, c, d, e, … (see GET /api/signals)')],
    [`signals=${'x'.repeat(100)}`, bad(`unknown signal: ${'x'.repeat(40)} (see GET /api/signals)`)],
    [`signals=${'speed,'.repeat(900)}speed`, bad('signals must be at most 4000 characters')],
    ['signals=speed&signals=rpm', bad('signals must appear once; given more than once')],
    ['signals[]=speed', bad('unknown parameter: signals??')],
    ['signals[a]=speed', bad('unknown parameter: signals?a?')],
  ];
  const titled = (cases: Array<[string, unknown]>) =>
    cases.map(([q, body]): [string, string, unknown] => [q.slice(0, 50), q, body]);
  it.each(titled(readings))('readings %s', async (_title, query, body) => {
    expect(await get(`/api/devices/truck_01/readings?${query}`)).toMatchObject({
      status: 400,
      body,
    });
  });

  const history: Array<[string, unknown]> = [
    ['signal=', bad('signal must name one signal (see GET /api/signals)')],
    ['signal=bogus', bad('unknown signal: bogus (see GET /api/signals)')],
    ['signal=speed,rpm', bad('unknown signal: speed?rpm (see GET /api/signals)')],
    ['signal=__proto__', bad('unknown signal: __proto__ (see GET /api/signals)')],
    ['signal=%3Cimg%3E', bad('unknown signal: ?img? (see GET /api/signals)')],
    [
      'signal=position',
      bad(
        'signal=position names a group: ask for one of its signals (position.lat, position.lon, …)',
      ),
    ],
    ['signal=speed&signal=rpm', bad('signal must appear once; given more than once')],
    [`signal=${'y'.repeat(5000)}`, bad(`unknown signal: ${'y'.repeat(40)} (see GET /api/signals)`)],
    [
      'signal=bogus&points=1',
      bad(
        'points must be an integer from 2 to 10000; unknown signal: bogus (see GET /api/signals)',
      ),
    ],
  ];
  it.each(titled(history))('history %s', async (_title, query, body) => {
    expect(await get(`/api/devices/truck_01/history?${query}`)).toMatchObject({
      status: 400,
      body,
    });
  });
});
