// SQLite over months: tier answers equal raw answers, retention vs replayed seqs, old stores migrated, file size bounded.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../../core/contract.js';
import { SCHEMA_VERSION } from '../../../core/store/sqlite-schema.js';
import { SqliteStore } from '../../../core/store/sqlite-store.js';
import type { Retention } from '../../../core/store/types.js';
import { removeTempDirs, tempDir } from '../../helpers/tmp.js';

afterAll(removeTempDirs);

const D = 86_400_000;
const H = 3_600_000;
const NOW = Date.parse('2026-11-30T12:00:00.000Z');

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1_664_525 + 1_013_904_223) >>> 0;
    return s / 2 ** 32;
  };
}

const reading = (device: string, seq: number, time: number, speed: number): Reading => ({
  device_id: device,
  seq,
  timestamp: new Date(time).toISOString(),
  values: { speed },
});

async function open(path: string, retention?: Retention): Promise<SqliteStore> {
  const store = new SqliteStore({
    path,
    synchronous: 'NORMAL',
    ...(retention ? { retention } : {}),
  });
  await store.start();
  return store;
}

/** Per window of `w` ms: count, min, max and mean of the readings with from <= time <= to. */
function expectedWindows(data: readonly Reading[], from: number, to: number, w: number) {
  const out = new Map<number, { count: number; sum: number; min: number; max: number }>();
  for (const r of data) {
    const t = Date.parse(r.timestamp);
    if (t < from || t > to) continue;
    const idx = Math.floor(t / w);
    const a = out.get(idx) ?? { count: 0, sum: 0, min: Infinity, max: -Infinity };
    a.count += 1;
    a.sum += r.values.speed as number;
    a.min = Math.min(a.min, r.values.speed as number);
    a.max = Math.max(a.max, r.values.speed as number);
    out.set(idx, a);
  }
  return [...out]
    .sort((a, b) => a[0] - b[0])
    .map(([idx, a]) => ({
      timestamp: idx * w,
      count: a.count,
      min: a.min,
      max: a.max,
      mean: a.sum / a.count,
    }));
}

describe('SQLite store over months', () => {
  it('answers random ranges from the tiers exactly as from raw rows, late and replayed data included', async () => {
    const store = await open(join(tempDir(), 'tiers.db'));
    const rnd = random(42);
    const data: Reading[] = [];
    // Two vehicles, 9 days at one reading per 7 s, with holes; speeds with decimals.
    for (const device of ['tier_a', 'tier_b']) {
      let t = NOW - 9 * D + Math.floor(rnd() * 1000);
      for (let seq = 0; t < NOW; seq++) {
        data.push(reading(device, seq, t, Math.round(rnd() * 12_000) / 100));
        t += rnd() < 0.002 ? Math.floor(rnd() * 3 * H) : 7000;
      }
    }
    // Written in a scrambled order: most in order, a day-old backlog arriving last, and every
    // 50th reading sent twice (a resend), so late data must correct buckets already written.
    const backlog = data.filter((r) => r.seq % 5 === 0 && Date.parse(r.timestamp) > NOW - 2 * D);
    const first = data.filter((r) => !backlog.includes(r));
    for (let i = 0; i < first.length; i += 5000) await store.write(first.slice(i, i + 5000));
    for (let i = 0; i < backlog.length; i += 777) await store.write(backlog.slice(i, i + 777));
    const resent = await store.write(data.filter((r) => r.seq % 50 === 0));
    expect(resent.stored).toBe(0);

    for (let q = 0; q < 60; q++) {
      const device = q % 2 === 0 ? 'tier_a' : 'tier_b';
      const span = [5 * 60_000, H, D, 7 * D, 9 * D][q % 5] ?? D;
      const to = NOW - Math.floor(rnd() * (9 * D - span)) + Math.floor(rnd() * 1000);
      const from = to - span + Math.floor(rnd() * 60_000);
      const points = [50, 300, 600, 1000][q % 4] ?? 300;
      const got = await store.history({ deviceId: device, from, to, maxPoints: points, now: NOW });
      const want = expectedWindows(
        data.filter((r) => r.device_id === device),
        from,
        to,
        got.windowMs,
      );
      expect(
        got.points.map(({ mean: _m, ...rest }) => rest),
        `${device} ${from}..${to}`,
      ).toEqual(want.map(({ mean: _m, ...rest }) => rest));
      got.points.forEach((p, i) => {
        expect(p.mean).toBeCloseTo(want[i]?.mean ?? Number.NaN, 9);
      });
    }
    await store.stop();
  });

  it('retention deletes old rows in small steps; replayed old seqs are duplicates, not new rows or counts', async () => {
    const retention = { rawMs: 2 * D, oneMinuteMs: 0, oneHourMs: 0 };
    const path = join(tempDir(), 'retention.db');
    const store = await open(path, retention);
    const data: Reading[] = [];
    for (let seq = 0; seq < 10 * 24 * 60; seq++)
      data.push(reading('ret', seq, NOW - 10 * D + seq * 60_000, seq % 100));
    await store.write(data);
    const db = new Database(path, { readonly: true });
    const count = (sql: string) => (db.prepare(sql).pluck().get() as number) ?? 0;
    const rollupsBefore = db.prepare('SELECT * FROM rollup_1m ORDER BY bucket').all();

    let steps = 0;
    for (let more = true; more; steps++) more = (await store.prune(NOW, 1000)).more;
    expect(steps).toBeGreaterThan(10); // 11,520 rows to delete, at most 1,000 per step
    expect(count('SELECT count(*) FROM readings')).toBe(2 * 24 * 60);
    expect(count('SELECT min(ts) FROM readings')).toBeGreaterThanOrEqual(NOW - 2 * D);

    // The device replays its whole history (e.g. a queue file restored from a backup).
    const replay = await store.write(data);
    expect(replay).toMatchObject({ stored: 0, duplicates: data.length });
    expect(count('SELECT count(*) FROM readings')).toBe(2 * 24 * 60);
    expect(db.prepare('SELECT * FROM rollup_1m ORDER BY bucket').all()).toEqual(rollupsBefore);
    expect(await store.coverage()).toEqual([
      { deviceId: 'ret', watermark: data.length - 1, highest: data.length - 1, missing: 0 },
    ]);
    // History of the deleted days still answers, from the rollups.
    const old = await store.history({
      deviceId: 'ret',
      from: NOW - 10 * D,
      to: NOW - 9 * D,
      maxPoints: 300,
      now: NOW,
    });
    expect(old.points.reduce((n, p) => n + p.count, 0)).toBe(24 * 60 + 1);
    db.close();
    await store.stop();
  });

  it('upgrades a store written by the previous version: coverage and rollups from its rows, once', async () => {
    const path = join(tempDir(), 'old.db');
    const old = new Database(path);
    old.exec(`
      CREATE TABLE readings (device_id TEXT NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL,
        speed REAL NOT NULL, PRIMARY KEY (device_id, seq)) WITHOUT ROWID;
      CREATE INDEX readings_by_time ON readings (device_id, ts, speed);
      CREATE TABLE devices (device_id TEXT PRIMARY KEY, last_ts INTEGER NOT NULL,
        last_seq INTEGER NOT NULL) WITHOUT ROWID;`);
    const seqs = [...Array(500).keys()].filter(
      (s) => s < 200 || (s > 250 && s !== 300) || s === 220,
    );
    const insert = old.prepare('INSERT INTO readings VALUES (?, ?, ?, ?)');
    for (const s of seqs) insert.run('legacy', s, NOW - D + s * 1000, s % 90);
    old.prepare('INSERT INTO devices VALUES (?, ?, ?)').run('legacy', NOW - D + 499_000, 499);
    old.close();

    const reports: unknown[] = [];
    const store = new SqliteStore({ path, onMigrate: (r) => reports.push(r) });
    await store.start();
    expect(reports).toMatchObject([{ from: 0, to: SCHEMA_VERSION, devices: 1 }]);
    expect(await store.coverage()).toEqual([
      { deviceId: 'legacy', watermark: 199, highest: 499, missing: 51 },
    ]);
    const h = await store.history({
      deviceId: 'legacy',
      from: NOW - D,
      to: NOW,
      maxPoints: 10,
      now: NOW,
    });
    expect(h.points.reduce((n, p) => n + p.count, 0)).toBe(seqs.length);
    expect(
      await store.write([reading('legacy', 220, NOW, 1), reading('legacy', 200, NOW, 1)]),
    ).toMatchObject({
      stored: 1,
      duplicates: 1,
    });
    await store.stop();
    const again = new SqliteStore({ path, onMigrate: (r) => reports.push(r) });
    await again.start();
    expect(reports).toHaveLength(1);
    await again.stop();
  });

  it('a reader refuses a file the writer has not upgraded yet (the dashboard retries)', async () => {
    const path = join(tempDir(), 'v0.db');
    new Database(path).exec('CREATE TABLE readings (device_id TEXT)');
    await expect(new SqliteStore({ path, readonly: true }).start()).rejects.toThrow(/older schema/);
  });

  it('under steady load with retention the file stops growing (freed pages are reused)', async () => {
    // Every tier bounded, so the whole file must level off (rollups grow by design otherwise).
    const retention = { rawMs: 2 * H, oneMinuteMs: 3 * H, oneHourMs: 4 * H };
    const path = join(tempDir(), 'steady.db');
    const store = await open(path, retention);
    const sizes: number[] = [];
    let seq = 0;
    // 10 simulated hours of 10 vehicles at 1 Hz, an hour per round, retention after each: six
    // rounds past the first full one (16 hours took 38 s of a CI run for the same verdict).
    for (let hour = 0; hour < 10; hour++) {
      const base = NOW + hour * H;
      for (let s = 0; s < 3600; s += 600) {
        const batch: Reading[] = [];
        for (let i = 0; i < 600; i++) {
          for (let v = 0; v < 10; v++)
            batch.push(reading(`steady_${v}`, seq + i, base + (s + i) * 1000, 60));
        }
        seq += 600;
        await store.write(batch);
      }
      while ((await store.prune(base + H, 5000)).more) {}
      await store.stop(); // checkpoints the WAL into the file, as a long run does
      sizes.push(statSync(path).size);
      await store.start();
    }
    await store.stop();
    // Full after 3 hours (2 h kept + the hour written before a pass); from then on within a few
    // percent (b-tree pages refill unevenly), not growing by an hour's rows (~16 %) per round.
    const full = sizes[4] ?? 0;
    expect(Math.max(...sizes.slice(4)), sizes.join(' ')).toBeLessThanOrEqual(full * 1.05);
  });
});
