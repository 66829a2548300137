// `npm run backup` while another process keeps writing the store: the copy is whole, consistent and checked.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { cover, decodeAbove, emptyCoverage } from '../../core/store/seq-coverage.js';
import { ProgramProcess } from '../../harness/program.js';
import { waitFor } from '../../harness/wait.js';
import { onlineCopy } from '../../scripts/backup/online-copy.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { runScript } from './run-script.js';
import { deviceRows, openRead, rollupMismatches, rowsOf } from './sqlite-checks.js';

afterAll(() => removeTempDirs());

const count = (path: string) => {
  const db = openRead(path);
  try {
    return db.prepare('SELECT count(*) FROM readings').pluck().get() as number;
  } finally {
    db.close();
  }
};

describe('npm run backup', () => {
  it('copies the store while a writer keeps committing: integrity ok, coverage and rollups match the rows', async () => {
    const dir = tempDir('backup-');
    const source = join(dir, 'telemetry.db');
    const out = join(dir, 'copies', 'backup.db');
    // ~20 MB of store, so the copy takes several steps with commits in between.
    const writer = new ProgramProcess('test/scripts/store-writer.ts', [source, '4', '60000'], {});
    writer.start();
    try {
      await waitFor(() => writer.stdout.includes('ready'), Boolean, {
        timeoutMs: 120_000,
        what: 'writer prefill',
      });
      const before = count(source);
      const run = await runScript('backup', [out], { SQLITE_PATH: source });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/integrity ok/);
      expect(run.stdout).toMatch(/coverage consistent for every device/);
      expect(writer.running).toBe(true);
      const copied = count(out);
      expect(copied).toBeGreaterThanOrEqual(before);
      // The writer went on after the snapshot.
      await waitFor(
        () => count(source),
        (n) => n > copied,
        { what: 'writes after the copy' },
      );
    } finally {
      await writer.kill('SIGTERM');
    }
    expect(existsSync(`${out}-wal`)).toBe(false);

    const db = openRead(out);
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('journal_mode', { simple: true })).toBe('delete');
      const devices = deviceRows(db);
      expect(devices.map((d) => d.device_id)).toEqual([
        'writer_1',
        'writer_2',
        'writer_3',
        'writer_4',
      ]);
      for (const d of devices) {
        // The coverage the store committed with the rows, rebuilt from the rows of the copy.
        const fromRows = emptyCoverage();
        for (const { seq } of rowsOf(db, d.device_id)) cover(fromRows, seq, seq);
        expect({
          watermark: d.watermark,
          highest: d.last_seq,
          above: decodeAbove(d.above),
        }).toEqual(fromRows);
      }
      // The device that fills its gaps late has one open at any commit.
      expect(devices.at(-1)?.above).not.toBeNull();
      expect(rollupMismatches(db)).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('finishes even when another connection commits between every two steps (each one restarts the copy)', async () => {
    const dir = tempDir('backup-restarts-');
    const source = join(dir, 'source.db');
    const writer = new Database(source);
    writer.pragma('journal_mode = WAL');
    writer.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)');
    const insert = writer.prepare('INSERT INTO t (v) VALUES (randomblob(3000))');
    writer.transaction(() => {
      for (let i = 0; i < 20_000; i++) insert.run();
    })();
    let commits = 0;
    const result = await onlineCopy(source, join(dir, 'copy.db'), {
      onProgress: () => {
        insert.run();
        commits += 1;
      },
    });
    writer.close();
    // Steps of 1024, 2048, … pages: each restarted, until one step copied the whole snapshot
    // (the commit before the first pages is not a restart: nothing was copied yet).
    expect(result.restarts).toBeGreaterThan(0);
    expect(result.restarts).toBe(commits - 2);
    const copy = new Database(join(dir, 'copy.db'), { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(copy.prepare('SELECT count(*) FROM t').pluck().get()).toBe(20_000 + commits);
    copy.close();
  });

  it('refuses an existing OUT without --force, replaces it with --force, and refuses STORE=influxdb', async () => {
    const dir = tempDir('backup-refuse-');
    const source = join(dir, 'telemetry.db');
    const writer = new ProgramProcess('test/scripts/store-writer.ts', [source, '1', '2500'], {});
    writer.start();
    await waitFor(() => writer.stdout.includes('ready'), Boolean, { what: 'writer prefill' });
    await writer.kill('SIGTERM');
    const out = join(dir, 'copy.db');
    expect((await runScript('backup', [out], { SQLITE_PATH: source })).code).toBe(0);
    const again = await runScript('backup', [out], { SQLITE_PATH: source });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists \(--force replaces it\)/);
    const forced = await runScript('backup', [out, '--force', '--json'], { SQLITE_PATH: source });
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ integrity: 'ok', inconsistentDevices: [] });
    const influx = await runScript('backup', [join(dir, 'x.db')], { STORE: 'influxdb' });
    expect(influx.code).toBe(2);
    expect(influx.stderr).toMatch(/STORE=influxdb: .*influxd backup/);
    expect(existsSync(join(dir, 'x.db'))).toBe(false);
  });
});
