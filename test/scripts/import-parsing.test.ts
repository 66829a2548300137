// The import's parsing pieces in-process: lines across chunk boundaries, CSV quoting, number cells, grouping by device.
import { describe, expect, it } from 'vitest';
import { type Reading, readingOfSpeed, type SpeedReading } from '../../core/contract.js';
import { BUILTIN_CATALOG, customSignal, SignalCatalog } from '../../core/signals/catalog.js';
import { acceptReading, validateReadingValue } from '../../core/validate.js';
import { BatchBuilder, BatchReader } from '../../scripts/import/batch.js';
import { cellNumber, splitCsvLine } from '../../scripts/import/csv-fields.js';
import { fastAcceptTime, isoUtcMs } from '../../scripts/import/fast-accept.js';
import { LineSplitter } from '../../scripts/import/lines.js';
import { fullReading } from '../helpers/telemetry.js';

function split(bytes: Buffer, chunk: (i: number) => number, maxChars = 1000) {
  const lines: Array<[number, string]> = [];
  const tooLong: number[] = [];
  const splitter = new LineSplitter(maxChars, {
    line: (text, n) => lines.push([n, text]),
    tooLong: (n) => tooLong.push(n),
  });
  for (let i = 0, k = 0; i < bytes.length; k++) {
    const size = chunk(k);
    splitter.push(bytes.subarray(i, i + size));
    i += size;
  }
  splitter.end();
  return { lines, tooLong };
}

describe('LineSplitter', () => {
  const text = '\ufeffdevice_id,speed\r\nvéhicule_é,1\n漢字,2\r\n\r\nlast,3';
  const bytes = Buffer.from(text, 'utf8');
  const expected: Array<[number, string]> = [
    [1, 'device_id,speed'],
    [2, 'véhicule_é,1'],
    [3, '漢字,2'],
    [4, ''],
    [5, 'last,3'],
  ];

  it('gives the same numbered lines for every chunking (CRLF, multi-byte characters, BOM, no final newline)', () => {
    for (const size of [1, 2, 3, 5, 7, 1000]) {
      expect(split(bytes, () => size).lines, `chunks of ${size}`).toEqual(expected);
    }
    expect(split(bytes, (k) => 1 + ((k * 7) % 5)).lines).toEqual(expected);
  });

  it('reports a line over the cap once, never holding it, and numbers the next lines right', () => {
    const long = `short\n${'x'.repeat(5000)}\nafter\n${'y'.repeat(3000)}`;
    for (const size of [1, 64, 4096, 100_000]) {
      const { lines, tooLong } = split(Buffer.from(long), () => size, 1000);
      expect(lines, `chunks of ${size}`).toEqual([
        [1, 'short'],
        [3, 'after'],
      ]);
      expect(tooLong).toEqual([2, 4]);
    }
  });
});

describe('splitCsvLine and cellNumber', () => {
  it.each([
    ['a,b,,c', ['a', 'b', '', 'c']],
    ['"a,1","b ""q""",c', ['a,1', 'b "q"', 'c']],
    [',"",x', ['', '', 'x']],
    ['"x"', ['x']],
    ['a,"b"', ['a', 'b']],
  ])('splits %s', (line, fields) => {
    expect(splitCsvLine(line)).toEqual(fields);
  });

  it.each([['"open,b'], ['"a"b,c'], ['a,b"c']])('refuses broken quoting: %s', (line) => {
    expect(splitCsvLine(line)).toBeUndefined();
  });

  it('reads numbers as JSON would carry them, and leaves text to validation', () => {
    expect([cellNumber('42'), cellNumber('-0.5'), cellNumber('1e3'), cellNumber('.5')]).toEqual([
      42, -0.5, 1000, 0.5,
    ]);
    expect(cellNumber('1e999')).toBe(Number.POSITIVE_INFINITY);
    expect(cellNumber('-inf')).toBe(Number.NEGATIVE_INFINITY);
    expect(cellNumber('NaN')).toBeNaN();
    expect([cellNumber(''), cellNumber(undefined)]).toEqual([undefined, undefined]);
    expect([cellNumber('0x10'), cellNumber('12abc'), cellNumber(' 1')]).toEqual([
      '0x10',
      '12abc',
      ' 1',
    ]);
  });
});

describe('batches', () => {
  it('group readings by device, keep each device in file order, and rebuild them on the other side', () => {
    const builder = new BatchBuilder(7);
    const input = ['a', 'b', 'a', 'c', 'b', 'a', 'c', 'c', 'a'].map((id, i) => ({
      device_id: id,
      seq: i,
      timestamp: `2026-01-01T00:00:0${i}Z`,
      speed: i * 1.5,
    }));
    for (const r of input) builder.addSpeed(r.device_id, r.seq, r.timestamp, r.speed);
    const reader = new BatchReader(BUILTIN_CATALOG);
    const out = builder.take(true).flatMap((b) => reader.readings(b));
    expect(out.map((r) => `${r.device_id}${r.seq}`)).toEqual([
      'a0',
      'a2',
      'a5',
      'b1',
      'b4',
      'c3',
      'c6',
      // The second batch: a before c too.
      'a8',
      'c7',
    ]);
    expect(out.find((r) => r.seq === 4)).toEqual(readingOfSpeed(input[4] as SpeedReading));
  });

  it('carry every signal a reading has (booleans, custom ones, none of what it lacks) and rebuild zero fixes', () => {
    const catalog = new SignalCatalog([customSignal({ name: 'door_open', type: 'boolean' })]);
    const readings: Reading[] = [
      fullReading('a', 0, Date.parse('2026-01-01T00:00:00Z')),
      { device_id: 'b', seq: 1, timestamp: '2026-01-01T00:00:01Z', values: { speed: 3 } },
      {
        device_id: 'a',
        seq: 2,
        timestamp: '2026-01-01T00:00:02Z',
        values: { door_open: false, fuel_pct: 0, lat: 0, lon: 0, alt: -0.5 },
        position_flag: 'zero_fix',
      },
      { device_id: 'b', seq: 3, timestamp: '2026-01-01T00:00:03Z', values: { door_open: true } },
    ];
    const builder = new BatchBuilder(3);
    for (const r of readings) builder.add(r.device_id, r.seq, r.timestamp, r.values);
    const batches = builder.take(true);
    // The second batch has one reading, with door_open only: it carries that column alone.
    expect(Object.keys(batches[1]?.values ?? {})).toEqual(['door_open']);
    const reader = new BatchReader(catalog);
    const out = batches.flatMap((b) => reader.readings(b));
    expect(out.sort((x, y) => x.seq - y.seq)).toEqual(readings);
  });
});

describe('the fast path for valid rows agrees with core/validate.ts', () => {
  /** A deterministic pseudo-random sequence, so a failure names a case that reproduces. */
  let state = 12345;
  const rnd = (n: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  const pad = (v: number, width: number) => String(v).padStart(width, '0');
  function timestampLike(): string {
    const parts = [
      pad(rnd(10_000), 4),
      '-',
      pad(rnd(14), 2),
      '-',
      pad(rnd(33), 2),
      'T',
      pad(rnd(26), 2),
      ':',
      pad(rnd(62), 2),
      ':',
      pad(rnd(62), 2),
    ];
    const fraction = rnd(12);
    if (fraction > 0) parts.push('.', '123456789012'.slice(0, fraction - 1));
    parts.push(['Z', 'Z', 'Z', 'z', '+00:00', ''][rnd(6)] as string);
    let text = parts.join('');
    if (rnd(8) === 0) {
      const at = rnd(text.length);
      text = text.slice(0, at) + ' -:.T9a'[rnd(7)] + text.slice(at + 1);
    }
    return text;
  }

  it("isoUtcMs accepts exactly the timestamps acceptReading accepts, with Date.parse's value", () => {
    let valid = 0;
    for (let i = 0; i < 50_000; i++) {
      const ts = timestampLike();
      const reference = acceptReading(
        { device_id: 'v', seq: 1, timestamp: ts, speed: 1 },
        'v',
        Number.MAX_SAFE_INTEGER,
      );
      expect(isoUtcMs(ts), ts).toBe(reference ? Date.parse(ts) : undefined);
      if (reference) valid += 1;
    }
    expect(valid).toBeGreaterThan(2000);
    expect(isoUtcMs('2024-02-29T23:59:59.999999999Z')).toBe(Date.UTC(2024, 1, 29, 23, 59, 59, 999));
    expect(isoUtcMs('0000-01-01T00:00:00Z')).toBe(Date.parse('0000-01-01T00:00:00Z'));
    expect(isoUtcMs('2023-02-29T00:00:00Z')).toBeUndefined();
    expect(isoUtcMs('2026-11-24T24:00:00Z')).toBeUndefined();
  });

  it('fastAcceptTime accepts a row only when validateReadingValue does, and every row it does', () => {
    const now = Date.parse('2026-11-24T10:00:00Z');
    const pick = <T>(values: T[]) => values[rnd(values.length)] as T;
    for (let i = 0; i < 20_000; i++) {
      const row: Record<string, unknown> = {
        device_id: pick(['vehicle_01', 'v', '', 'bad id', 'x'.repeat(65), 7, undefined]),
        seq: pick([0, 42, -1, 1.5, 2 ** 53, '3', Number.NaN, undefined]),
        timestamp: pick([
          '2026-11-24T09:59:59.5Z',
          '2026-11-24T10:04:59Z',
          '2026-11-24T10:05:01Z',
          '2026-02-30T10:00:00Z',
          '2026-11-24T10:00:00+00:00',
          timestampLike(),
        ]),
        speed: pick([0, 63.25, 300, 300.01, -0.5, Number.POSITIVE_INFINITY, '5', undefined]),
      };
      const verdict = validateReadingValue(row, now, BUILTIN_CATALOG);
      const fast = fastAcceptTime(row, now);
      expect(fast !== undefined, JSON.stringify(row)).toBe(verdict.ok);
      if (verdict.ok) expect(fast).toBe(Date.parse(verdict.reading.timestamp));
    }
  });
});
