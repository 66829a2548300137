// The shared store suite: every TelemetryStore implementation must pass exactly these tests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SpeedReading } from '../../../core/contract.js';
import type { TelemetryStore } from '../../../core/store/types.js';

export interface StoreFixture {
  store: TelemetryStore;
  cleanup: () => Promise<void>;
}

const T0 = Date.parse('2026-11-24T10:00:00.000Z');

function reading(deviceId: string, seq: number, offsetMs: number, speed: number): SpeedReading {
  return { device_id: deviceId, seq, timestamp: new Date(T0 + offsetMs).toISOString(), speed };
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
      expect(await store.latest('dup_dev')).toMatchObject({ seq: 5, speed: 15 });
    });

    it('answers latest by device timestamp, with seq and speed', async () => {
      await store.write([reading('late_dev', 7, 7000, 70), reading('late_dev', 3, 3000, 30)]);
      expect(await store.latest('late_dev')).toEqual({
        deviceId: 'late_dev',
        seq: 7,
        timestamp: T0 + 7000,
        speed: 70,
      });
      expect(await store.latest('nobody')).toBeUndefined();
    });

    it('keeps two readings of one device taken in the same millisecond', async () => {
      await store.write([reading('same_ms', 11, 500, 1), reading('same_ms', 12, 500, 2)]);
      await store.write([reading('same_ms', 12, 500, 2)]); // a redelivery changes nothing
      expect(await store.seqs('same_ms')).toEqual([11, 12]);
      expect(await store.latest('same_ms')).toEqual({
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

    it('answers ping while running', async () => {
      expect(await store.ping()).toBe(true);
    });
  });
}
