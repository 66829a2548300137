// The same batches into SQLite and influxd 1.6.7 (custom signals, partial readings, zero fixes, teleports, late arrivals): the same flags, rows, chunks, latest values and history.
import { join } from 'node:path';
import { setLogger } from '@influxdata/influxdb-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../../core/contract.js';
import { customSignal, SignalCatalog } from '../../../core/signals/catalog.js';
import { InfluxStore } from '../../../core/store/influx-store.js';
import { SqliteStore } from '../../../core/store/sqlite-store.js';
import {
  EARLIEST_MS,
  LATEST_MS,
  type ReadingColumns,
  type ReadingsRange,
  type TelemetryStore,
  type WriteResult,
} from '../../../core/store/types.js';
import { InfluxdProcess } from '../../../harness/influxd.js';
import { fullReading } from '../../helpers/telemetry.js';
import { removeTempDirs, tempDir } from '../../helpers/tmp.js';

const influxd = new InfluxdProcess({ dir: tempDir('influxd-parity-') });
setLogger({ error: () => {}, warn: () => {} });

const catalog = new SignalCatalog([
  customSignal({ name: 'temperature_c', type: 'number', unit: '°C', min: -40, max: 85 }),
  customSignal({ name: 'humidity_pct', type: 'number', unit: '%', min: 0, max: 100 }),
  customSignal({ name: 'door_open', type: 'boolean' }),
]);
const T0 = Date.parse('2026-11-18T05:00:00.000Z');
const DEVICES = ['par_a', 'par_b'];

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * Two vehicles, 3 hours, a reading every 15 s: every built-in signal and the custom ones, some
 * left out at random, a fix missing now and then, zero fixes, and teleports of 2 or 40 km (jumps).
 */
function readings(rnd: () => number): Reading[] {
  const out: Reading[] = [];
  for (const device of DEVICES) {
    let lat = 52.5;
    for (let seq = 0; seq < 720; seq++) {
      const r = fullReading(device, seq, T0 + seq * 15_000 + (device === 'par_b' ? 7 : 0));
      lat += 0.0003;
      r.values.lat = lat;
      r.values.temperature_c = Math.round(rnd() * 600) / 10 - 10;
      r.values.humidity_pct = Math.round(rnd() * 1000) / 10;
      r.values.door_open = rnd() < 0.1;
      for (const k of Object.keys(r.values)) if (rnd() < 0.08) delete r.values[k];
      const roll = rnd();
      if (roll < 0.04) {
        r.values.lat = 0;
        r.values.lon = 0;
        r.position_flag = 'zero_fix';
      } else if (roll < 0.07) {
        // 2 km off: a jump 15 s after a fix, but not 30 s after (so a fix arriving late decides).
        r.values.lat = lat + (roll < 0.055 ? 0.018 : 0.36);
        r.values.lon = 13.4;
      } else if (roll < 0.12) {
        for (const k of ['lat', 'lon', 'alt', 'acc', 'heading']) delete r.values[k];
      } else if (r.values.lat === undefined || r.values.lon === undefined) {
        delete r.values.lat;
        delete r.values.lon;
      }
      out.push(r);
    }
  }
  return out;
}

/** Live batches (the two devices interleaved), then a withheld fifth late in shuffled batches. */
function batches(all: readonly Reading[], rnd: () => number): Reading[][] {
  const late = all.filter(() => rnd() < 0.2);
  const live = all
    .filter((r) => !late.includes(r))
    .sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
  const out: Reading[][] = [];
  for (let i = 0; i < live.length; i += 50) out.push(live.slice(i, i + 50));
  const shuffled = [...late].sort(() => rnd() - 0.5);
  for (let i = 0; i < shuffled.length; i += 23) out.push(shuffled.slice(i, i + 23));
  out.push(all.filter((r) => r.seq % 97 === 0)); // resends
  return out;
}

const range = (deviceId: string, extra: Partial<ReadingsRange> = {}): ReadingsRange => ({
  deviceId,
  from: EARLIEST_MS,
  to: LATEST_MS,
  order: 'asc',
  ...extra,
});

async function chunks(store: TelemetryStore, r: ReadingsRange, size: number) {
  const out: unknown[] = [];
  for await (const c of store.readingChunks(r, size)) out.push(plain(c));
  return out;
}

const plain = (c: ReadingColumns) => ({
  length: c.length,
  seq: Array.from(c.seq),
  timestamp: Array.from(c.timestamp),
  flag: Array.from(c.flag),
  values: Object.fromEntries(Object.entries(c.values).map(([k, v]) => [k, Array.from(v)])),
});

const reflags = (r: WriteResult) =>
  r.reflagged
    .map((f) => `${f.deviceId}/${f.seq}@${f.time}:${f.flag ?? 'valid'}`)
    .sort((a, b) => (a < b ? -1 : 1));

describe('SQLite and InfluxDB agree', () => {
  const sqlite = new SqliteStore({ path: join(tempDir(), 'parity.db'), catalog });
  let influx: InfluxStore;
  beforeAll(async () => {
    await influxd.start();
    influx = new InfluxStore({
      url: influxd.url,
      token: undefined,
      org: 'my-org',
      bucket: 'parity',
      api: 'auto',
      timeoutMs: 10_000,
      flushIntervalMs: 3_600_000,
      catalog,
    });
    await Promise.all([sqlite.start(), influx.start()]);
  });
  afterAll(async () => {
    await Promise.all([sqlite.stop(), influx?.stop()]);
    await influxd.stop();
    removeTempDirs();
  });

  it('on every write result, flag, row, chunk, latest value and history window', async () => {
    const rnd = random(42);
    const all = readings(rnd);
    let reflagged = 0;
    for (const batch of batches(all, rnd)) {
      const [a, b] = await Promise.all([
        sqlite.write(structuredClone(batch)),
        influx.write(structuredClone(batch)),
      ]);
      expect({ ...b, reflagged: reflags(b) }).toEqual({ ...a, reflagged: reflags(a) });
      reflagged += a.reflagged.length;
    }
    await influx.flush();
    let flagged = 0;
    for (const device of DEVICES) {
      const rows = await sqlite.readings({ ...range(device), limit: 2000 });
      expect(rows.length).toBe(720);
      expect(await influx.readings({ ...range(device), limit: 2000 })).toEqual(rows);
      flagged += rows.filter((r) => r.position_flag === 'jump').length;
      const some = {
        ...range(device, { order: 'desc' }),
        signals: ['door_open', 'speed', 'temperature_c'],
      };
      expect(await influx.readings({ ...some, limit: 100 })).toEqual(
        await sqlite.readings({ ...some, limit: 100 }),
      );
      expect(await chunks(influx, range(device), 300)).toEqual(
        await chunks(sqlite, range(device), 300),
      );
      expect(await influx.latest(device)).toEqual(await sqlite.latest(device));
      for (const def of catalog.signals) {
        for (const [from, to, maxPoints] of [
          [T0, T0 + 3 * 3_600_000, 4],
          [T0 - 60_000, T0 + 3 * 3_600_000, 300],
          [T0 + 1_234_567, T0 + 7_654_321, 20],
        ] as const) {
          const q = {
            deviceId: device,
            signal: def.key,
            from,
            to,
            maxPoints,
            now: T0 + 4 * 3_600_000,
          };
          const [want, got] = await Promise.all([sqlite.history(q), influx.history(q)]);
          const label = `${device} ${def.key} ${from}..${to}/${maxPoints}`;
          expect(got.windowMs, label).toBe(want.windowMs);
          expect(
            got.points.map((p) => [p.timestamp, p.count, p.min, p.max]),
            label,
          ).toEqual(want.points.map((p) => [p.timestamp, p.count, p.min, p.max]));
          got.points.forEach((p, i) => {
            expect(p.mean, label).toBeCloseTo(want.points[i]?.mean as number, 9);
          });
        }
      }
    }
    // The scenario did what it is for: jumps flagged, some of them decided by late fixes.
    expect(flagged).toBeGreaterThan(20);
    expect(reflagged).toBeGreaterThan(0);
  });
});
