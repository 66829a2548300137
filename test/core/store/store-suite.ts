// The shared store suite: every TelemetryStore implementation must pass exactly these tests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../../core/contract.js';
import type { TelemetryStore } from '../../../core/store/types.js';
import { latestSpeed, speedOf, speedReading } from '../../helpers/readings.js';

export interface StoreFixture {
  store: TelemetryStore;
  cleanup: () => Promise<void>;
}

const T0 = Date.parse('2026-11-24T10:00:00.000Z');

function reading(deviceId: string, seq: number, offsetMs: number, speed: number): Reading {
  return speedReading(deviceId, seq, new Date(T0 + offsetMs).toISOString(), speed);
}

export function storeSuite(name: string, makeFixture: () => Promise<StoreFixture>): void {
  describe(`TelemetryStore: ${name}`, () => {
    let fixture: StoreFixture;
    let store: TelemetryStore;

    beforeAll(async () => {
      fixture = await makeFixture();
      store = fixture.store;
      await store.start();
    });
    afterAll(async () => {
      await store.stop();
      await store.stop(); // stop is idempotent
      await fixture.cleanup();
    });

    it('stores a batch and never stores a (device_id, seq) twice', async () => {
      const batch = [0, 1, 2, 3, 4].map((s) => reading('dup_dev', s, s * 1000, 10 + s));
      expect(await store.write(batch)).toMatchObject({ stored: 5, duplicates: 0 });
      const again = [
        reading('dup_dev', 3, 3000, 13),
        reading('dup_dev', 5, 5000, 15),
        reading('dup_dev', 5, 5000, 15),
      ];
      // How many of `again` were already stored is exact in SQLite (see sqlite-store.test.ts);
      // InfluxDB overwrites a repeated point and can only count repeats inside one batch.
      const result = await store.write(again);
      expect(result.stored + result.duplicates).toBe(again.length);
      expect(result.duplicates).toBeGreaterThanOrEqual(1);
      expect(await store.seqs('dup_dev')).toEqual([0, 1, 2, 3, 4, 5]);
      expect(latestSpeed(await store.latest('dup_dev'))).toMatchObject({ seq: 5, speed: 15 });
    });

    it('answers latest by device timestamp, with seq and speed', async () => {
      await store.write([reading('late_dev', 7, 7000, 70), reading('late_dev', 3, 3000, 30)]);
      expect(latestSpeed(await store.latest('late_dev'))).toEqual({
        deviceId: 'late_dev',
        seq: 7,
        timestamp: T0 + 7000,
        speed: 70,
      });
      expect(latestSpeed(await store.latest('nobody'))).toBeUndefined();
    });

    it('keeps two readings of one device taken in the same millisecond', async () => {
      await store.write([reading('same_ms', 11, 500, 1), reading('same_ms', 12, 500, 2)]);
      await store.write([reading('same_ms', 12, 500, 2)]); // a redelivery changes nothing
      expect(await store.seqs('same_ms')).toEqual([11, 12]);
      expect(latestSpeed(await store.latest('same_ms'))).toEqual({
        deviceId: 'same_ms',
        seq: 12,
        timestamp: T0 + 500,
        speed: 2,
      });
      const h = await store.history({
        deviceId: 'same_ms',
        from: T0 + 500,
        to: T0 + 500,
        maxPoints: 10,
        now: T0,
      });
      expect(h.points).toEqual([{ timestamp: T0 + 500, mean: 1.5, min: 1, max: 2, count: 2 }]);
    });

    it('lists devices with last seen and highest seq', async () => {
      const devices = await store.devices();
      const byId = Object.fromEntries(devices.map((d) => [d.deviceId, d]));
      expect(byId.dup_dev).toEqual({ deviceId: 'dup_dev', lastSeen: T0 + 5000, lastSeq: 5 });
      expect(byId.late_dev).toEqual({ deviceId: 'late_dev', lastSeen: T0 + 7000, lastSeq: 7 });
    });

    it('downsamples history to at most maxPoints windows with mean, min and max', async () => {
      // 600 readings, one per second, speed = seq % 60.
      const rows = Array.from({ length: 600 }, (_, s) => reading('hist_dev', s, s * 1000, s % 60));
      await store.write(rows);
      const from = T0;
      const to = T0 + 599_000;
      const result = await store.history({
        deviceId: 'hist_dev',
        from,
        to,
        maxPoints: 10,
        now: T0,
      });
      // span 599 s over at most 10 windows: >= 66.6 s each, so the 2-minute nice window.
      expect(result.windowMs).toBe(120_000);
      expect(result.points.length).toBeLessThanOrEqual(10);
      // T0 is 10:00:00, a multiple of 2 minutes: windows [T0, T0+120 s) … hold 120 readings each.
      expect(result.points.map((p) => p.timestamp)).toEqual(
        [0, 1, 2, 3, 4].map((i) => T0 + i * 120_000),
      );
      const first = result.points[0];
      expect(first?.min).toBe(0);
      expect(first?.max).toBe(59);
      expect(first?.count).toBe(120);
      expect(first?.mean).toBeCloseTo(29.5, 6);
      const total = result.points.reduce((n, p) => n + p.count, 0);
      expect(total).toBe(600);
    });

    it('returns every reading when the range holds fewer than maxPoints', async () => {
      const result = await store.history({
        deviceId: 'hist_dev',
        from: T0 + 10_000,
        to: T0 + 14_000,
        maxPoints: 300,
        now: T0,
      });
      expect(result.points.map((p) => p.mean)).toEqual([10, 11, 12, 13, 14]);
      expect(result.points.map((p) => p.timestamp)).toEqual(
        [0, 1, 2, 3, 4].map((i) => T0 + 10_000 + i * 1000),
      );
    });

    it('returns nothing outside the range or for an unknown device', async () => {
      expect(
        (
          await store.history({
            deviceId: 'hist_dev',
            from: T0 - 60_000,
            to: T0 - 1,
            maxPoints: 10,
            now: T0,
          })
        ).points,
      ).toEqual([]);
      expect(
        (
          await store.history({
            deviceId: 'ghost',
            from: T0,
            to: T0 + 60_000,
            maxPoints: 10,
            now: T0,
          })
        ).points,
      ).toEqual([]);
      expect(await store.seqs('ghost')).toEqual([]);
    });

    it('treats a hostile device id as an unknown device, in every read', async () => {
      const hostile = [`late_dev' OR '1'='1`, 'late_dev"; DROP DATABASE x', 'late_dev\\', ''];
      for (const id of hostile) {
        expect(await store.latest(id), id).toBeUndefined();
        expect(await store.seqs(id), id).toEqual([]);
        const h = await store.history({
          deviceId: id,
          from: T0,
          to: T0 + 60_000,
          maxPoints: 10,
          now: T0,
        });
        expect(h.points, id).toEqual([]);
      }
      // Nothing was dropped or changed by those reads.
      expect(await store.seqs('late_dev')).toEqual([3, 7]);
    });

    it('dedupes by coverage across batches and across a restart; gaps and declared drops survive it', async () => {
      const at = (seq: number) => reading('cov_dev', seq, seq * 1000, seq % 7);
      const first = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14].map(at);
      expect(await store.write(first)).toMatchObject({ stored: 13, duplicates: 0 });
      // Coverage decides, so a resend in a later batch is counted exactly on every store.
      expect(await store.write([5, 13].map(at))).toMatchObject({ stored: 0, duplicates: 2 });
      await store.stop();
      await store.start();
      const before = (await store.coverage()).find((p) => p.deviceId === 'cov_dev');
      expect(before).toEqual({ deviceId: 'cov_dev', watermark: 9, highest: 14, missing: 2 });
      const again = await store.write([5, 10, 13].map(at));
      expect(again).toMatchObject({ stored: 1, duplicates: 2, filled: 1 });
      expect(again.progress).toEqual([
        { deviceId: 'cov_dev', watermark: 10, highest: 14, missing: 1 },
      ]);
      // The device evicted seq 11: its notice moves the watermark on, and a restart keeps it.
      const notice = {
        device_id: 'cov_dev',
        from: 11,
        to: 11,
        timestamp: new Date(T0).toISOString(),
      };
      expect(await store.write([], [notice])).toMatchObject({ declaredDropped: 1 });
      await store.stop();
      await store.start();
      const after = (await store.coverage()).find((p) => p.deviceId === 'cov_dev');
      expect(after).toEqual({ deviceId: 'cov_dev', watermark: 14, highest: 14, missing: 0 });
      expect(await store.seqs('cov_dev')).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13, 14]);
      expect(await store.devices()).toContainEqual({
        deviceId: 'cov_dev',
        lastSeen: T0 + 14_000,
        lastSeq: 14,
      });
    });

    it('answers history from its tiers as from raw readings, late data and a restart included', async () => {
      // 6 hours at one reading per 10 s (with a hole), written out of order: an early part, a
      // restart, the newest part, then a backlog from the middle arriving last, then resends.
      const data: Reading[] = [];
      let t = T0 - 6 * 3_600_000 + 123;
      for (let seq = 0; seq < 2100; seq++) {
        data.push(reading('tier_dev', seq, t - T0, ((seq * 7919) % 3001) / 10));
        t += seq % 500 === 499 ? 1_234_567 : 10_000;
      }
      const backlog = data.filter((r) => r.seq >= 900 && r.seq < 1300 && r.seq % 3 === 0);
      const rest = data.filter((r) => !backlog.includes(r));
      await store.write(rest.slice(0, 800));
      await store.stop();
      await store.start();
      await store.write(rest.slice(800));
      for (let i = 0; i < backlog.length; i += 37) await store.write(backlog.slice(i, i + 37));
      expect((await store.write(data.filter((r) => r.seq % 97 === 0))).stored).toBe(0);
      const windows = (from: number, to: number, w: number) => {
        const byIdx = new Map<number, { count: number; sum: number; min: number; max: number }>();
        for (const r of data) {
          const time = Date.parse(r.timestamp);
          if (time < from || time > to) continue;
          const idx = Math.floor(time / w);
          const a = byIdx.get(idx) ?? { count: 0, sum: 0, min: Infinity, max: -Infinity };
          a.count += 1;
          a.sum += speedOf(r);
          a.min = Math.min(a.min, speedOf(r));
          a.max = Math.max(a.max, speedOf(r));
          byIdx.set(idx, a);
        }
        return [...byIdx].sort((a, b) => a[0] - b[0]).map(([idx, a]) => ({ idx, ...a }));
      };
      const check = async (q: number) => {
        const span =
          [90_000, 600_000, 3_600_000, 4 * 3_600_000, 6.5 * 3_600_000][q % 5] ?? 3_600_000;
        const from = T0 - 7 * 3_600_000 + ((q * 2_654_435_761) % (7 * 3_600_000 - span));
        const to = from + span + (q % 3) * 17;
        const maxPoints = [20, 100, 300][q % 3] ?? 100;
        const got = await store.history({ deviceId: 'tier_dev', from, to, maxPoints, now: T0 });
        const want = windows(from, to, got.windowMs);
        const label = `${from}..${to} / ${maxPoints}`;
        expect(
          got.points.map((p) => [p.timestamp, p.count, p.min, p.max]),
          label,
        ).toEqual(want.map((w) => [w.idx * got.windowMs, w.count, w.min, w.max]));
        got.points.forEach((p, i) => {
          expect(p.mean, label).toBeCloseTo((want[i]?.sum ?? 0) / (want[i]?.count ?? 1), 9);
        });
      };
      for (let q = 0; q < 15; q++) await check(q);
      await store.stop(); // everything counted in the tiers now
      await store.start();
      for (let q = 15; q < 30; q++) await check(q);
    });

    it('answers ping while running', async () => {
      expect(await store.ping()).toBe(true);
    });
  });
}
