// `npm run import` of telemetry: a CSV with any subset of the export's columns (custom ones too), NDJSON telemetry payloads; a bad signal drops that signal only, counted by name.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../core/contract.js';
import { SignalCatalog } from '../../core/signals/catalog.js';
import { readSignalsFile } from '../../core/signals/signals-file.js';
import { SqliteStore } from '../../core/store/sqlite-store.js';
import { EARLIEST_MS, LATEST_MS, type RawReading } from '../../core/store/types.js';
import { expectedRaw, writeSignalsFile } from '../helpers/telemetry-api.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { jsonSummary, runScript } from './run-script.js';

afterAll(() => removeTempDirs());

const HOUR = 3_600_000;
const BASE = Math.floor(Date.now() / HOUR) * HOUR - 48 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

function setup(name: string) {
  const dir = tempDir(`import-telemetry-${name}-`);
  const signalsFile = writeSignalsFile(dir);
  return {
    dir,
    db: join(dir, 'telemetry.db'),
    signalsFile,
    catalog: new SignalCatalog(readSignalsFile(signalsFile)),
    file: (n: string, text: string) => {
      const path = join(dir, n);
      writeFileSync(path, text);
      return path;
    },
  };
}

type Setup = ReturnType<typeof setup>;

const importInto = (t: Setup, path: string) =>
  runScript('import', [path, '--json'], { SQLITE_PATH: t.db, SIGNALS_FILE: t.signalsFile });

async function stored(t: Setup, deviceId: string): Promise<RawReading[]> {
  const store = new SqliteStore({ path: t.db, catalog: t.catalog, readonly: true });
  await store.start();
  try {
    return await store.readings({
      deviceId,
      from: EARLIEST_MS,
      to: LATEST_MS,
      order: 'asc',
      limit: 10_000,
    });
  } finally {
    await store.stop();
  }
}

const reading = (seq: number, values: Reading['values'], flag?: Reading['position_flag']) => ({
  device_id: 'truck_09',
  seq,
  timestamp: iso(BASE + seq * 1000),
  values,
  ...(flag ? { position_flag: flag } : {}),
});

describe('npm run import of telemetry', () => {
  it('CSV with a subset of the columns in any order, custom ones too: each bad cell drops that signal only', async () => {
    const t = setup('csv');
    const lines = [
      // position_valid / position_flag are the export's judgement: ignored (the store judges).
      'timestamp,device_id,seq,fuel_pct,lat,lon,ignition,temperature_c,door_open,position_valid,position_flag,mystery',
      `${iso(BASE)},truck_09,0,80.5,52.52,13.4,true,21.5,false,true,,x`,
      `${iso(BASE + 1000)},truck_09,1,150,52.5201,13.4001,false,21.6,true,,,x`, // fuel 150: dropped
      `${iso(BASE + 2000)},truck_09,2,79,52.5202,,1,21.7,0,,,x`, // lon missing: position dropped
      `${iso(BASE + 3000)},truck_09,3,78.5,52.5203,13.4003,yes,,,false,jump,x`, // ignition 'yes'
      `${iso(BASE + 4000)},truck_09,4,,,,,,,,,x`, // nothing: no_signals
      `${iso(BASE + 5000)},truck_09,5,,0,0,TRUE,-61,,,,x`, // zero fix; temperature below -60
      `${iso(BASE + 6000)},truck_09,6,77,52.5206,13.4006,False,NaN,,,,x`, // temperature NaN
    ];
    const run = await importInto(t, t.file('subset.csv', `${lines.join('\n')}\n`));
    expect(run.code, run.stderr).toBe(0);
    expect(jsonSummary(run)).toMatchObject({
      rows: 7,
      stored: 6,
      rejected: 1,
      rejected_by_reason: { no_signals: 1 },
      invalid_signals: {
        fuel_pct: 1,
        'position.lon': 1,
        ignition: 1,
        temperature_c: 2,
      },
      unknown_signals: {},
      ignored_columns: ['mystery'],
    });
    expect(run.stderr).toContain('import: columns that are no signal, not read: mystery');
    expect(run.stderr).toMatch(/line 6: no_signals: /);
    expect(await stored(t, 'truck_09')).toEqual(
      expectedRaw([
        reading(0, {
          fuel_pct: 80.5,
          lat: 52.52,
          lon: 13.4,
          ignition: true,
          temperature_c: 21.5,
          door_open: false,
        }),
        reading(1, {
          lat: 52.5201,
          lon: 13.4001,
          ignition: false,
          temperature_c: 21.6,
          door_open: true,
        }),
        reading(2, { fuel_pct: 79, ignition: true, temperature_c: 21.7, door_open: false }),
        reading(3, { fuel_pct: 78.5, lat: 52.5203, lon: 13.4003 }),
        reading(5, { lat: 0, lon: 0, ignition: true }, 'zero_fix'),
        reading(6, { fuel_pct: 77, lat: 52.5206, lon: 13.4006, ignition: false }),
      ] as Reading[]),
    );
  });

  it('a speed-only CSV and a custom-signals-only CSV: the store holds just those signals', async () => {
    const t = setup('customs');
    const csv = [
      'device_id,seq,timestamp,humidity_pct,temperature_c',
      ...Array.from(
        { length: 50 },
        (_, i) => `sensor_02,${i},${iso(BASE + i * 2000)},${40 + i / 4},${-5 + i * 0.37}`,
      ),
    ];
    const run = await importInto(t, t.file('sensor.csv', `${csv.join('\n')}\n`));
    expect(jsonSummary(run)).toMatchObject({ rows: 50, stored: 50, rejected: 0 });
    const rows = await stored(t, 'sensor_02');
    expect(rows[7]).toEqual({
      seq: 7,
      timestamp: BASE + 14_000,
      values: { temperature_c: -5 + 7 * 0.37, humidity_pct: 40 + 7 / 4 },
    });
    const speed = ['device_id,seq,timestamp,speed', `van_01,0,${iso(BASE)},42.5`];
    expect(
      jsonSummary(await importInto(t, t.file('speed.csv', `${speed.join('\n')}\n`))),
    ).toMatchObject({ stored: 1 });
    expect(await stored(t, 'van_01')).toEqual([
      { seq: 0, timestamp: BASE, values: { speed: 42.5 } },
    ]);
  });

  it('NDJSON telemetry payloads: junk in one signal drops it; unknown keys are counted by name', async () => {
    const t = setup('ndjson');
    const line = (seq: number, extra: Record<string, unknown>) =>
      JSON.stringify({ device_id: 'truck_09', seq, timestamp: iso(BASE + seq * 1000), ...extra });
    const lines = [
      line(0, { speed: 50, position: { lat: 52.5, lon: 13.4, alt: 30 }, ignition: true }),
      line(1, { speed: 51, fuel_pct: 'NaN', rpm: { nested: [1, 2] } }),
      line(2, { speed: 52, position: { lat: 'x', lon: 13.4 }, coolant_c: 201 }),
      line(3, { speed: 53, foo: 1, position_flag: 'jump' }),
      '{"device_id":"truck_09","seq":4,"timestamp":"' +
        iso(BASE + 4000) +
        '","speed":54,"__proto__":{"x":1},"humidity_pct":101}',
      line(5, { fuel_pct: 'full' }),
      line(6, { position: { lat: 52.5001, lon: 13.4001, heading: 360 }, door_open: 'yes' }),
    ];
    const run = await importInto(t, t.file('telemetry.ndjson', `${lines.join('\n')}\n`));
    expect(run.code, run.stderr).toBe(0);
    expect(jsonSummary(run)).toMatchObject({
      rows: 7,
      stored: 6,
      rejected: 1,
      rejected_by_reason: { no_signals: 1 },
      // Counted for stored rows; line 6's (rejected as no_signals) is in its reason's detail.
      invalid_signals: {
        fuel_pct: 1,
        rpm: 1,
        'position.lat': 1,
        coolant_c: 1,
        humidity_pct: 1,
        'position.heading': 1,
        door_open: 1,
      },
      // A key named __proto__ is counted like any other (JSON.parse makes it an own key).
      unknown_signals: JSON.parse('{"foo":1,"__proto__":1}'),
    });
    expect(await stored(t, 'truck_09')).toEqual(
      expectedRaw([
        reading(0, { speed: 50, lat: 52.5, lon: 13.4, alt: 30, ignition: true }),
        reading(1, { speed: 51 }),
        reading(2, { speed: 52 }),
        reading(3, { speed: 53 }),
        reading(4, { speed: 54 }),
        reading(6, { lat: 52.5001, lon: 13.4001 }),
      ] as Reading[]),
    );
  });
});
