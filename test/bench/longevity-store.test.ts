// The longevity store built either way holds the same data: the SQL fill's rows equal the CSV generator's values, its rollups equal raw aggregates, its latest values are the last reading's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { telemetryValues, vehicleId, writeHistoryCsv } from '../../bench/longevity-data.js';
import { BUILTIN_CATALOG } from '../../core/signals/catalog.js';
import { SqliteStore } from '../../core/store/sqlite-store.js';
import { validateReadingValue } from '../../core/validate.js';
import { fillSqliteStore } from '../../harness/sqlite-fill.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(removeTempDirs);

const END = Date.UTC(2026, 10, 24, 10, 0, 0);
const KEYS = BUILTIN_CATALOG.keys;
type Row = Record<string, number>;
const UNIT: Record<string, number> = {
  speed: 0.1 + 1e-9,
  lat: 1e-6 + 1e-12,
  lon: 1e-6 + 1e-12,
  heading: 0.1 + 1e-9,
  odometer_km: 0.01 + 1e-9,
  fuel_pct: 0.1 + 1e-9,
  battery_v: 0.1 + 1e-9,
};

describe('longevity store, SQL fill with every signal', () => {
  const dir = tempDir('longevity-fill-');
  const path = join(dir, 'telemetry.db');
  const ids = [vehicleId(0), vehicleId(1)];
  const older = { count: 90, intervalMs: 60_000 };
  const perDevice = 200;
  fillSqliteStore(path, {
    deviceIds: ids,
    perDevice,
    intervalMs: 1000,
    end: END,
    layout: 'current',
    signals: 'all',
    older,
  });
  const first = END - (perDevice - 1) * 1000 - older.count * older.intervalMs;
  const db = new Database(path, { readonly: true });
  const rows = db
    .prepare(`SELECT device_id, seq, ts, pos_flag, ${KEYS.join(', ')} FROM readings`)
    .all() as Row[];
  db.close();

  it('has every row, each with every signal as telemetryValues gives it', () => {
    expect(rows).toHaveLength(ids.length * (older.count + perDevice));
    for (const row of rows) {
      const v = ids.indexOf(row.device_id as unknown as string);
      const want = telemetryValues(v, row.seq as number, row.ts as number, first);
      for (const k of KEYS) {
        const expected = want[k] === true ? 1 : (want[k] as number);
        // SQLite's sin() and round() may land one unit of the last decimal away from JS's.
        expect(Math.abs((row[k] as number) - expected), k).toBeLessThanOrEqual(UNIT[k] ?? 0);
      }
      expect(row.pos_flag).toBe(0);
    }
    const last = rows.filter((r) => (r.device_id as unknown as string) === ids[1]).at(-1);
    expect(last?.ts).toBe(END);
    expect(last?.seq).toBe(older.count + perDevice - 1);
  });

  it('rollups of both tiers equal aggregates of the rows', () => {
    const check = new Database(path, { readonly: true });
    try {
      for (const [table, ms] of [
        ['rollup_1m', 60_000],
        ['rollup_1h', 3_600_000],
      ] as const) {
        for (const k of ['speed', 'lat', 'ignition', 'rpm']) {
          const rollup = check
            .prepare(
              `SELECT device_id, bucket, ${k}_n AS n, round(${k}_sum, 6) AS s, ${k}_min AS lo,
                 ${k}_max AS hi FROM ${table} ORDER BY device_id, bucket`,
            )
            .all();
          const raw = check
            .prepare(
              `SELECT device_id, ts - ts % ${ms} AS bucket, count(${k}) AS n, round(sum(${k}), 6) AS s,
                 min(${k}) AS lo, max(${k}) AS hi FROM readings GROUP BY device_id, bucket
               ORDER BY device_id, bucket`,
            )
            .all();
          expect(rollup, `${table} ${k}`).toEqual(raw);
        }
      }
    } finally {
      check.close();
    }
  });

  it('the store reads every signal of the last reading as latest', async () => {
    const store = new SqliteStore({ path, readonly: true });
    await store.start();
    try {
      const latest = await store.latest(ids[0] as string);
      const want = telemetryValues(0, older.count + perDevice - 1, END, first);
      for (const k of KEYS) expect(latest?.signals[k], k).toEqual({ value: want[k], time: END });
    } finally {
      await store.stop();
    }
  });
});

describe('longevity CSV with every signal', () => {
  it('has the export columns, and every line is a valid reading with every signal', () => {
    const dir = tempDir('longevity-csv-');
    const csv = join(dir, 'history.csv');
    const end = Date.now() - 60_000;
    const file = writeHistoryCsv(
      csv,
      { vehicles: 2, rawDays: 0.001, olderDays: 0.01, end },
      'telemetry',
    );
    const [header, ...lines] = readFileSync(csv, 'utf8').trimEnd().split('\n');
    const columns = BUILTIN_CATALOG.csvColumns();
    expect(header).toBe(columns.join(','));
    expect(lines).toHaveLength(file.rows);
    expect(file.olderRows).toBe(2 * 15);
    for (const line of lines) {
      const cells = (line as string).split(',');
      expect(cells).toHaveLength(columns.length);
      const payload: Record<string, unknown> = { position: {} };
      columns.forEach((c, i) => {
        const cell = cells[i] as string;
        const def = BUILTIN_CATALOG.find(c);
        if (c === 'device_id' || c === 'timestamp') payload[c] = cell;
        else if (c === 'seq') payload.seq = Number(cell);
        else if (!def) expect(cell, c).toBe(c === 'position_valid' ? 'true' : '');
        else {
          const value = def.type === 'boolean' ? cell === 'true' : Number(cell);
          if (def.group === 'position') (payload.position as Record<string, unknown>)[c] = value;
          else payload[c] = value;
        }
      });
      const verdict = validateReadingValue(payload, end + 1000, BUILTIN_CATALOG);
      expect(verdict.ok && verdict.notes).toEqual([]);
      expect(verdict.ok && Object.keys(verdict.reading.values).sort()).toEqual([...KEYS].sort());
    }
  });
});
