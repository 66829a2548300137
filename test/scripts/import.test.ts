// `npm run import` as users run it: CSV, NDJSON and InfluxDB exports into a real SQLite file; bad lines, duplicates, rollups.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { silentLogger } from '../../core/log.js';
import { createStore } from '../../core/store/create-store.js';
import { track } from '../../harness/children.js';
import { InfluxdProcess } from '../../harness/influxd.js';
import { npmScript } from '../../harness/program.js';
import { waitFor } from '../../harness/wait.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { jsonSummary, runScript } from './run-script.js';
import { deviceRows, openRead, rollupMismatches, rowsOf } from './sqlite-checks.js';

afterAll(() => removeTempDirs());

const HOUR = 3_600_000;
/** Two days ago on an hour boundary: well inside every retention, never in the future. */
const BASE = Math.floor(Date.now() / HOUR) * HOUR - 48 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

function setup(name: string): {
  dir: string;
  db: string;
  file: (n: string, text: string) => string;
} {
  const dir = tempDir(`import-${name}-`);
  return {
    dir,
    db: join(dir, 'telemetry.db'),
    file: (n, text) => {
      const path = join(dir, n);
      writeFileSync(path, text);
      return path;
    },
  };
}

const importInto = (db: string, args: string[], env: Record<string, string> = {}) =>
  runScript('import', [...args, '--json'], { SQLITE_PATH: db, ...env });

/** `count` readings per device every 20 s from `from` (ms), seqs from `firstSeq`. */
function csvRows(devices: string[], firstSeq: number, count: number, from = BASE): string[] {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    for (const [d, id] of devices.entries()) {
      const seq = firstSeq + i;
      lines.push(`${id},${seq},${iso(from + seq * 20_000)},${((seq * 37 + d * 11) % 1200) / 10}`);
    }
  }
  return lines;
}

describe('npm run import', () => {
  it('loads CSV with columns in any order and quoted cells; rollups equal the raw aggregates', async () => {
    const t = setup('csv');
    // 3 vehicles x 500 readings every 20 s: 2.8 hours, so several 1-hour buckets.
    const body = csvRows(['vehicle_01', 'vehicle_02', 'vehicle_03'], 0, 500).map((line) => {
      const [id, seq, ts, speed] = line.split(',');
      return `${speed},"${ts}",${id},${seq}`;
    });
    const path = t.file('history.csv', `speed,timestamp,device_id,seq\r\n${body.join('\r\n')}\r\n`);
    const run = await importInto(t.db, [path]);
    expect(run.code, run.stderr).toBe(0);
    expect(jsonSummary(run)).toMatchObject({
      rows: 1500,
      stored: 1500,
      duplicates: 0,
      rejected: 0,
      interrupted: false,
    });
    const db = openRead(t.db);
    try {
      const rows = rowsOf(db, 'vehicle_02');
      expect(rows.map((r) => r.seq)).toEqual([...Array(500).keys()]);
      expect(rows[7]).toEqual({
        seq: 7,
        ts: BASE + 7 * 20_000,
        speed: ((7 * 37 + 11) % 1200) / 10,
      });
      expect(deviceRows(db).map((d) => [d.device_id, d.watermark, d.last_seq])).toEqual([
        ['vehicle_01', 499, 499],
        ['vehicle_02', 499, 499],
        ['vehicle_03', 499, 499],
      ]);
      expect(rollupMismatches(db)).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('reports each bad CSV line with its number and reason, skips it, and loads the rest', async () => {
    const t = setup('bad-csv');
    const ts = (i: number) => iso(BASE + i * 1000);
    const lines = [
      'device_id,seq,timestamp,speed', // 1
      `vehicle_01,0,${ts(0)},10`, // 2 ok
      `vehicle_01,abc,${ts(1)},10`, // 3 invalid_fields: seq is text
      `vehicle_01,2,2026-01-01T10:00:00+02:00,10`, // 4 invalid_fields: not UTC Z
      `vehicle_01,3,${ts(3)},1e999`, // 5 non_finite
      `vehicle_01,4,${ts(4)},NaN`, // 6 non_finite
      `vehicle_01,5,${ts(5)},300.5`, // 7 out_of_range
      `vehicle_01,6,${iso(Date.now() + HOUR)},10`, // 8 future_timestamp
      `bad id!,7,${ts(7)},10`, // 9 invalid_device_id
      `vehicle_01,8,${ts(8)}`, // 10 invalid_csv: 3 fields
      `vehicle_01,"9,${ts(9)},10`, // 11 invalid_csv: unterminated quote
      'x'.repeat(70_000), // 12 too_large
      `vehicle_01,,${ts(10)},10`, // 13 invalid_fields: seq missing
      `vehicle_01,11,${ts(11)},20`, // 14 ok
      '', // 15 blank
      `vehicle_01,12,${ts(12)},30`, // 16 ok
      `vehicle_01,13,${ts(13)},-1`, // 17 out_of_range
    ];
    const path = t.file('bad.csv', `${lines.join('\n')}\n`);
    const run = await importInto(t.db, [path]);
    expect(run.code, run.stderr).toBe(0);
    for (const [line, reason] of [
      [3, 'invalid_fields'],
      [4, 'invalid_fields'],
      [5, 'non_finite'],
      [6, 'non_finite'],
      [7, 'out_of_range'],
      [8, 'future_timestamp'],
      [9, 'invalid_device_id'],
      [10, 'invalid_csv'],
      [11, 'invalid_csv'],
      [12, 'too_large'],
      [13, 'invalid_fields'],
      [17, 'out_of_range'],
    ] as const) {
      expect(run.stderr).toMatch(new RegExp(`import: line ${line}: ${reason}: \\S`));
    }
    expect(run.stderr).not.toMatch(/line (1|2|14|15|16): /);
    expect(jsonSummary(run)).toMatchObject({
      rows: 15,
      stored: 3,
      rejected: 12,
      rejected_by_reason: {
        invalid_fields: 3,
        non_finite: 2,
        out_of_range: 2,
        future_timestamp: 1,
        invalid_device_id: 1,
        invalid_csv: 2,
        too_large: 1,
      },
    });
    const db = openRead(t.db);
    expect(rowsOf(db, 'vehicle_01').map((r) => [r.seq, r.speed])).toEqual([
      [0, 10],
      [11, 20],
      [12, 30],
    ]);
    db.close();
  });

  it('loads NDJSON (.jsonl), reports bad lines by number, counts duplicates within the file', async () => {
    const t = setup('ndjson');
    const reading = (seq: number, speed: unknown = 50) =>
      `{"device_id":"vehicle_02","seq":${seq},"timestamp":"${iso(BASE + seq * 1000)}","speed":${speed}}`;
    const lines = [
      reading(0), // 1
      '{"device_id":"vehicle_02","seq":1,', // 2 invalid_json
      '[1,2]', // 3 invalid_fields
      reading(2, '1e999'), // 4 non_finite
      reading(3, `5,"pad":"${'x'.repeat(5000)}"`), // 5 too_large (> 4 KiB, as over MQTT)
      '', // 6 blank
      reading(4, 7), // 7
      reading(0), // 8 duplicate of line 1
      reading(5, '"fast"'), // 9 invalid_fields
    ];
    const path = t.file('readings.jsonl', `${lines.join('\n')}\n`);
    const run = await importInto(t.db, [path, '--show-bad', '2']);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/line 2: invalid_json/);
    expect(run.stderr).toMatch(/line 3: invalid_fields/);
    expect(run.stderr).not.toMatch(/line 4:/);
    expect(run.stderr).toMatch(/3 more bad lines not shown/);
    expect(jsonSummary(run)).toMatchObject({
      rows: 8,
      stored: 2,
      duplicates: 1,
      rejected: 5,
      rejected_by_reason: { invalid_json: 1, invalid_fields: 2, non_finite: 1, too_large: 1 },
    });
    const db = openRead(t.db);
    expect(rowsOf(db, 'vehicle_02').map((r) => r.seq)).toEqual([0, 4]);
    db.close();
  });

  it('skips what is already stored: an overlapping second file stores only its new rows, rollups count each once', async () => {
    const t = setup('dupes');
    const devices = ['vehicle_01', 'vehicle_02'];
    const header = 'device_id,seq,timestamp,speed';
    const first = t.file('a.csv', [header, ...csvRows(devices, 0, 300)].join('\n'));
    const again = [header, ...csvRows(devices, 200, 200), ...csvRows(['vehicle_01'], 350, 1)];
    const second = t.file('b.csv', again.join('\n'));
    const a = await importInto(t.db, [first, '--batch', '64']);
    expect(jsonSummary(a)).toMatchObject({ rows: 600, stored: 600, duplicates: 0 });
    const b = await importInto(t.db, [second, '--batch', '64']);
    expect(b.code, b.stderr).toBe(0);
    // seqs 200..299 are stored already, 300..399 are new, and seq 350 of vehicle_01 is in twice.
    expect(jsonSummary(b)).toMatchObject({ rows: 401, stored: 200, duplicates: 201, rejected: 0 });
    const db = openRead(t.db);
    try {
      for (const id of devices) {
        expect(rowsOf(db, id).map((r) => r.seq)).toEqual([...Array(400).keys()]);
      }
      expect(deviceRows(db).map((d) => [d.watermark, d.last_seq, d.above])).toEqual([
        [399, 399, null],
        [399, 399, null],
      ]);
      expect(rollupMismatches(db)).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('loads an InfluxDB annotated-CSV export without seq, numbering above what is stored, and a second run stores nothing', async () => {
    const t = setup('influx-export');
    // What the store holds already: vehicle_01 seqs 0..9, one every 20 s from BASE.
    const stored = t.file(
      'stored.csv',
      ['device_id,seq,timestamp,speed', ...csvRows(['vehicle_01'], 0, 10)].join('\n'),
    );
    expect(jsonSummary(await importInto(t.db, [stored]))).toMatchObject({ stored: 10 });
    const newestStored = BASE + 9 * 20_000;
    const nano = (ms: number) => iso(ms).replace('Z', '000000Z'); // RFC3339Nano, as Flux writes it
    const start = iso(BASE - HOUR);
    const stop = iso(BASE + 10 * HOUR);
    const annotations = (types: string) => [
      '#group,false,false,true,true,false,false,true,true,true',
      `#datatype,string,long,${types}`,
      '#default,_result,,,,,,,,',
    ];
    const v1 = [
      ...annotations(
        'dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,double,string,string,string',
      ),
      ',result,table,_start,_stop,_time,_value,_field,_measurement,device_id',
      // Two rows the store has (same times), then six new ones.
      ...[8, 9, 10, 11, 12, 13, 14, 15].map(
        (i) =>
          `,,0,${start},${stop},${nano(BASE + i * 20_000)},${40 + i},speed,vehicle_speed,vehicle_01`,
      ),
    ];
    // Another table, its columns in another order (as Flux writes tables of another schema).
    const v2 = [
      ...annotations(
        'string,string,string,dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,double',
      ),
      ',result,table,_field,_measurement,device_id,_start,_stop,_time,_value',
      ...[0, 1, 2].map(
        (i) =>
          `,_result,1,speed,vehicle_speed,vehicle_02,${start},${stop},${iso(BASE + i * 1000)},${60 + i}`,
      ),
      `,_result,1,speed,vehicle_speed,vehicle_02,${start},${stop},${iso(BASE - 1000)},1`, // out of order
      `,_result,1,speed,vehicle_speed,vehicle_02,${start},${stop},${iso(BASE + 3000)},63`,
    ];
    const other = [
      ...annotations(
        'dateTime:RFC3339,dateTime:RFC3339,dateTime:RFC3339,double,string,string,string',
      ),
      ',result,table,_start,_stop,_time,_value,_field,_measurement,device_id',
      `,,2,${start},${stop},${iso(BASE)},90,heading,vehicle_speed,vehicle_01`,
      `,,3,${start},${stop},${iso(BASE)},12,speed,engine,vehicle_01`,
    ];
    const exported = t.file(
      'influx-export.csv',
      `${[...v1, '', ...v2, '', ...other].join('\r\n')}\r\n\r\n`,
    );
    const run = await importInto(t.db, [exported]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/line \d+: out_of_order: /);
    expect(jsonSummary(run)).toMatchObject({
      rows: 15,
      stored: 10,
      duplicates: 2,
      rejected: 1,
      rejected_by_reason: { out_of_order: 1 },
      skipped: 2,
    });
    const db = openRead(t.db);
    try {
      const v1Rows = rowsOf(db, 'vehicle_01');
      expect(v1Rows.map((r) => r.seq)).toEqual([...Array(16).keys()]);
      // Numbered in file order above the stored seq 9, newer than the newest stored reading.
      expect(v1Rows.slice(10).map((r) => [r.ts, r.speed])).toEqual(
        [10, 11, 12, 13, 14, 15].map((i) => [BASE + i * 20_000, 40 + i]),
      );
      expect(v1Rows[9]?.ts).toBe(newestStored);
      expect(rowsOf(db, 'vehicle_02').map((r) => [r.seq, r.ts, r.speed])).toEqual([
        [0, BASE, 60],
        [1, BASE + 1000, 61],
        [2, BASE + 2000, 62],
        [3, BASE + 3000, 63],
      ]);
      expect(rollupMismatches(db)).toEqual([]);
    } finally {
      db.close();
    }
    // The same export again: every speed row is as old as what its device has: nothing is added.
    const rerun = await importInto(t.db, [exported]);
    expect(jsonSummary(rerun)).toMatchObject({ rows: 15, stored: 0, duplicates: 13, rejected: 0 });
  });

  it('reads the InfluxDB 1.x CLI CSV (`influx -format csv -precision rfc3339`): name,time,tags,fields', async () => {
    const t = setup('influx1x');
    const lines = ['name,time,device_id,speed'];
    for (let i = 0; i < 6; i++) {
      lines.push(
        `vehicle_speed,${iso(BASE + i * 500).replace('.000Z', 'Z')},vehicle_0${1 + (i % 2)},${i}.5`,
      );
    }
    const run = await importInto(t.db, [t.file('influx1.csv', lines.join('\n'))]);
    expect(jsonSummary(run)).toMatchObject({ rows: 6, stored: 6, rejected: 0 });
    const db = openRead(t.db);
    expect(rowsOf(db, 'vehicle_02').map((r) => [r.seq, r.ts, r.speed])).toEqual([
      [0, BASE + 500, 1.5],
      [1, BASE + 1500, 3.5],
      [2, BASE + 2500, 5.5],
    ]);
    db.close();
  });

  it('stops on SIGINT after the batch under way, says so, and a second run loads the rest', async () => {
    const t = setup('interrupt');
    const ids = Array.from({ length: 10 }, (_, i) => `vehicle_${String(i + 1).padStart(2, '0')}`);
    const header = 'device_id,seq,timestamp,speed';
    const rows = csvRows(ids, 0, 3_000, BASE - 1_300_000_000);
    // The first run reads standard input, fed only part of the rows and left open: the SIGINT comes
    // while it waits for more, after its first batches are stored (deterministic, unlike racing a
    // signal against a large file).
    const { script, nodeArgs } = npmScript('import');
    const importer = spawn(
      process.execPath,
      [...nodeArgs, script, '-', '--format', 'csv', '--batch', '1000', '--json'],
      {
        cwd: process.cwd(),
        env: { ...process.env, LOG_LEVEL: 'warn', SQLITE_PATH: t.db },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
    track(importer);
    let stdout = '';
    let stderr = '';
    importer.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    importer.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((resolve) =>
      importer.once('close', (code) => resolve(code)),
    );
    importer.stdin.write(`${[header, ...rows.slice(0, 12_000)].join('\n')}\n`);
    const stored = () => {
      try {
        const db = openRead(t.db);
        try {
          return db.prepare('SELECT count(*) FROM readings').pluck().get() as number;
        } finally {
          db.close();
        }
      } catch {
        return 0; // not created yet
      }
    };
    await waitFor(stored, (n) => n >= 10_000, { timeoutMs: 30_000, what: 'first batches stored' });
    importer.kill('SIGINT');
    expect(await exited, stderr).toBe(130);
    const first = JSON.parse(stdout.trim().split('\n').at(-1) ?? '') as {
      stored: number;
      interrupted: boolean;
    };
    expect(first.interrupted).toBe(true);
    // Whole batches only: nothing of a batch is half-written.
    expect(first.stored % 1000).toBe(0);
    expect(first.stored).toBeGreaterThanOrEqual(10_000);
    expect(first.stored).toBeLessThanOrEqual(12_000);
    expect(stored()).toBe(first.stored);
    importer.stdin.destroy();
    const path = t.file('all.csv', [header, ...rows].join('\n'));
    const rest = await importInto(t.db, [path]);
    expect(jsonSummary(rest)).toMatchObject({
      rows: 30_000,
      stored: 30_000 - first.stored,
      duplicates: first.stored,
      interrupted: false,
    });
    expect(stored()).toBe(30_000);
  });

  it('refuses a missing file and a CSV without a header with exit code 1', async () => {
    const t = setup('fatal');
    const missing = await importInto(t.db, [join(t.dir, 'nope.csv')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/import: cannot read .*nope\.csv/);
    const headless = t.file('headless.csv', `vehicle_01,0,${iso(BASE)},10\n`);
    const run = await importInto(t.db, [headless]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/line 1: the header of line 1 has no device_id/);
    expect(jsonSummary(run)).toMatchObject({ stored: 0 });
    const unknown = await importInto(t.db, [t.file('data.txt', 'x')]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--format/);
  });
});

describe('npm run import into InfluxDB (influxd 1.6.7), through the same store interface', () => {
  const influxd = new InfluxdProcess({ dir: tempDir('import-influxd-') });
  beforeAll(() => influxd.start());
  afterAll(() => influxd.stop());

  it('stores the rows, rejects the bad line, and a second run finds every row stored', async () => {
    const t = setup('influxdb');
    const env = { STORE: 'influxdb', INFLUXDB_URL: influxd.url, INFLUXDB_BUCKET: 'imported' };
    const lines = [
      'device_id,seq,timestamp,speed',
      ...csvRows(['vehicle_01', 'vehicle_02'], 0, 50),
    ];
    lines.splice(20, 0, `vehicle_01,999,${iso(BASE)},301`);
    const path = t.file('history.csv', lines.join('\n'));
    const first = await importInto(t.db, [path, '--batch', '40'], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/line 21: out_of_range/);
    expect(jsonSummary(first)).toMatchObject({ rows: 101, stored: 100, rejected: 1 });
    const second = await importInto(t.db, [path], env);
    expect(jsonSummary(second)).toMatchObject({ rows: 101, stored: 0, duplicates: 100 });

    const config = loadConfig({}, { ...env, LOG_LEVEL: 'silent' });
    const store = createStore(config.store, silentLogger(), { readonly: true });
    await store.start();
    try {
      for (const id of ['vehicle_01', 'vehicle_02']) {
        expect(await store.seqs(id)).toEqual([...Array(50).keys()]);
      }
      const coverage = await store.coverage();
      expect(coverage.map((c) => [c.deviceId, c.watermark, c.highest]).sort()).toEqual([
        ['vehicle_01', 49, 49],
        ['vehicle_02', 49, 49],
      ]);
    } finally {
      await store.stop();
    }
  });
});
