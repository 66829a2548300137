// Telemetry validation per signal: a bad value drops that signal only (counted by name), unknown keys are noted, no valid signal rejects; zero fixes flagged; SIGNALS_FILE entries join the catalog.
import { describe, expect, it } from 'vitest';
import { BUILTIN_CATALOG, SignalCatalog } from '../../../core/signals/catalog.js';
import { parseSignalsFile, SignalsFileError } from '../../../core/signals/signals-file.js';
import { validateMessage, validateReadingValue } from '../../../core/validate.js';

const NOW = Date.parse('2026-12-06T10:00:00.000Z');
const FULL = {
  device_id: 'vehicle_01',
  seq: 42,
  timestamp: '2026-12-06T10:00:00.123Z',
  speed: 63.2,
  position: { lat: 52.52001, lon: 13.40495, alt: 34, acc: 5, heading: 271.5 },
  ignition: true,
  odometer_km: 12034.61,
  fuel_pct: 63.5,
  battery_v: 14.1,
  battery_pct: 88,
  coolant_c: 88,
  rpm: 2100,
};
const VALUES = {
  speed: 63.2,
  lat: 52.52001,
  lon: 13.40495,
  alt: 34,
  acc: 5,
  heading: 271.5,
  ignition: true,
  odometer_km: 12034.61,
  fuel_pct: 63.5,
  battery_v: 14.1,
  battery_pct: 88,
  coolant_c: 88,
  rpm: 2100,
};
const topic = 'vehicles/vehicle_01/telemetry';
const check = (payload: unknown, catalog = BUILTIN_CATALOG) =>
  validateMessage(topic, Buffer.from(JSON.stringify(payload)), NOW, catalog);

/** A payload with one signal replaced (position keys as `position.x`). */
function withSignal(name: string, value: unknown): Record<string, unknown> {
  if (name.startsWith('position.')) {
    return { ...FULL, position: { ...FULL.position, [name.slice(9)]: value } };
  }
  return { ...FULL, [name]: value };
}

describe('telemetry payloads', () => {
  it('accepts the interface example with every built-in signal', () => {
    expect(check(FULL)).toEqual({
      ok: true,
      kind: 'reading',
      reading: { device_id: 'vehicle_01', seq: 42, timestamp: FULL.timestamp, values: VALUES },
      time: Date.parse(FULL.timestamp),
      notes: [],
    });
  });

  const hostile: Array<[string, unknown]> = [
    ['wrong type', 'abc'],
    ['NaN as a string', 'NaN'],
    ['a number as a string', '5'],
    ['nested junk', { $gt: 1, deep: [1, 2, { x: 3 }] }],
    ['an array', [1]],
    ['null', null],
    ['Infinity (1e999 parses to it; JSON sends null)', Number.POSITIVE_INFINITY],
  ];
  const outOfRange: Record<string, unknown> = {
    speed: 300.01,
    'position.alt': -501,
    'position.acc': -1,
    'position.heading': 360,
    odometer_km: -0.1,
    fuel_pct: 100.5,
    battery_v: 61,
    battery_pct: -3,
    coolant_c: 201,
    rpm: 20_001,
    ignition: 1,
  };
  const optional = BUILTIN_CATALOG.signals.filter((s) => s.key !== 'lat' && s.key !== 'lon');
  for (const def of optional) {
    it.each([...hostile, ['out of range', outOfRange[def.name]] as [string, unknown]])(
      `${def.name}: %s drops ${def.name} only, noted as invalid_signal`,
      (_what, value) => {
        const payload = withSignal(def.name, value);
        // JSON turns 1e999 into null on the way: the collector sees what JSON.parse gives.
        const result = check(payload);
        expect(result.ok).toBe(true);
        if (!result.ok || result.kind !== 'reading') return;
        const want: Record<string, unknown> = { ...VALUES };
        delete want[def.key];
        expect(result.reading.values).toEqual(want);
        expect(result.notes).toEqual([{ reason: 'invalid_signal', signal: def.name }]);
      },
    );
  }

  it.each([
    ['lat out of range', { lat: 91, lon: 13 }, 'position.lat'],
    ['lon out of range', { lat: 52, lon: -180.5 }, 'position.lon'],
    ['lat as a string', { lat: '52.5', lon: 13 }, 'position.lat'],
    ['lon missing', { lat: 52 }, 'position.lon'],
  ])('%s drops the whole position (lat and lon come together)', (_what, position, signal) => {
    const result = check({ ...FULL, position: { ...position, alt: 34 } });
    expect(result.ok && result.kind === 'reading' && result.reading.values).toEqual({
      ...Object.fromEntries(
        Object.entries(VALUES).filter(
          ([k]) => !['lat', 'lon', 'alt', 'acc', 'heading'].includes(k),
        ),
      ),
    });
    expect(result.ok && result.kind === 'reading' && result.notes).toContainEqual({
      reason: 'invalid_signal',
      signal,
    });
  });

  it('a position that is not an object is an invalid signal', () => {
    for (const position of ['52,13', 7, [52, 13], null]) {
      const result = check({ ...FULL, position });
      expect(result.ok && result.kind === 'reading' && result.notes).toEqual([
        { reason: 'invalid_signal', signal: 'position' },
      ]);
    }
  });

  it('unknown keys are ignored and noted, the reading kept; 4 KiB of keys stay bounded', () => {
    const result = check({ ...FULL, colour: 'red', position: { ...FULL.position, sats: 9 } });
    expect(result.ok && result.kind === 'reading' && result.notes).toEqual([
      { reason: 'unknown_signal', signal: 'position.sats' },
      { reason: 'unknown_signal', signal: 'colour' },
    ]);
    const junk: Record<string, unknown> = {
      device_id: 'vehicle_01',
      seq: 1,
      timestamp: FULL.timestamp,
      speed: 1,
    };
    for (let i = 0; JSON.stringify(junk).length < 4000; i++) junk[`k${i}`] = i;
    const many = check(junk);
    expect(many.ok && many.kind === 'reading' && many.reading.values).toEqual({ speed: 1 });
    expect(many.ok && many.kind === 'reading' && many.notes.length).toBe(64);
  });

  it('no valid signal left: no_signals, naming the bad ones', () => {
    expect(check({ device_id: 'vehicle_01', seq: 1, timestamp: FULL.timestamp })).toMatchObject({
      ok: false,
      reason: 'no_signals',
    });
    expect(
      check({
        device_id: 'vehicle_01',
        seq: 1,
        timestamp: FULL.timestamp,
        speed: -1,
        fuel_pct: 'x',
      }),
    ).toEqual({
      ok: false,
      reason: 'no_signals',
      detail: 'no valid signal (invalid: speed, fuel_pct)',
    });
  });

  it('keys of the reading are checked as strictly as on the speed topic', () => {
    expect(check({ ...FULL, seq: -1 })).toMatchObject({ ok: false, reason: 'invalid_fields' });
    expect(check({ ...FULL, device_id: 'vehicle_02' })).toMatchObject({
      ok: false,
      reason: 'device_mismatch',
    });
    expect(check({ ...FULL, timestamp: '2026-12-06T10:06:00Z' })).toMatchObject({
      ok: false,
      reason: 'future_timestamp',
    });
    expect(check({ ...FULL, timestamp: '2026-02-30T10:00:00Z' })).toMatchObject({
      ok: false,
      reason: 'invalid_fields',
    });
  });

  it('a fix at (0, 0) is kept and flagged zero_fix', () => {
    const result = check({ ...FULL, position: { lat: 0, lon: 0 } });
    expect(result.ok && result.kind === 'reading' && result.reading).toMatchObject({
      values: { lat: 0, lon: 0 },
      position_flag: 'zero_fix',
    });
  });

  it('the speed topic is unchanged: a bad speed rejects the reading', () => {
    const speedTopic = 'vehicles/vehicle_01/speed';
    const bad = { device_id: 'vehicle_01', seq: 1, timestamp: FULL.timestamp, speed: 301 };
    expect(
      validateMessage(speedTopic, Buffer.from(JSON.stringify(bad)), NOW, BUILTIN_CATALOG),
    ).toMatchObject({
      ok: false,
      reason: 'out_of_range',
    });
  });

  it('HTTP ingest and import: a speed payload keeps its rules, a telemetry one gets per-signal checks', () => {
    const speedOnly = { device_id: 'vehicle_01', seq: 1, timestamp: FULL.timestamp, speed: 301 };
    expect(validateReadingValue(speedOnly, NOW, BUILTIN_CATALOG)).toMatchObject({
      reason: 'out_of_range',
    });
    const telemetry = validateReadingValue({ ...FULL, fuel_pct: 101 }, NOW, BUILTIN_CATALOG);
    expect(telemetry).toMatchObject({
      ok: true,
      notes: [{ reason: 'invalid_signal', signal: 'fuel_pct' }],
    });
  });
});

describe('custom signals (SIGNALS_FILE)', () => {
  const yaml = `signals:
  - {name: temperature_c, type: number, unit: "°C", min: -60, max: 120}
  - {name: humidity_pct, type: number, unit: "%", min: 0, max: 100}
  - {name: door_open, type: boolean}
`;
  const catalog = new SignalCatalog(parseSignalsFile(yaml, 'test'));

  it('are signals like the built-in ones, after them in catalog order', () => {
    expect(catalog.keys.slice(-3)).toEqual(['temperature_c', 'humidity_pct', 'door_open']);
    expect(catalog.csvColumns().slice(-4)).toEqual([
      'rpm',
      'temperature_c',
      'humidity_pct',
      'door_open',
    ]);
    const result = check(
      { ...FULL, temperature_c: 21.5, humidity_pct: 140, door_open: false },
      catalog,
    );
    expect(result.ok && result.kind === 'reading' && result.reading.values).toMatchObject({
      temperature_c: 21.5,
      door_open: false,
    });
    expect(result.ok && result.kind === 'reading' && result.notes).toEqual([
      { reason: 'invalid_signal', signal: 'humidity_pct' },
    ]);
    // Without the file the same keys are unknown.
    expect(check({ ...FULL, temperature_c: 21.5 })).toMatchObject({
      notes: [{ reason: 'unknown_signal', signal: 'temperature_c' }],
    });
  });

  it.each([
    ['a built-in name', 'signals: [{name: speed, type: number}]', /built-in or reserved/],
    ['a reserved name', 'signals: [{name: position_valid, type: boolean}]', /built-in or reserved/],
    ['a bad name', 'signals: [{name: Temp, type: number}]', /must match/],
    ['a bad type', 'signals: [{name: t, type: string}]', /number or boolean/],
    ['min above max', 'signals: [{name: t, type: number, min: 5, max: 1}]', /min must be <= max/],
    ['twice the same', 'signals: [{name: t, type: number}, {name: t, type: number}]', /unique/],
    ['an unknown field', 'signals: [{name: t, type: number, scale: 2}]', /Unrecognized key/i],
    ['not YAML', 'signals: [', /not YAML or JSON/],
  ])('refuses %s with a line naming it', (_what, text, pattern) => {
    let error: unknown;
    try {
      parseSignalsFile(text, 'SIGNALS_FILE=x.yaml');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(SignalsFileError);
    expect((error as SignalsFileError).lines.join('\n')).toMatch(pattern);
  });
});
