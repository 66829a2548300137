// The shared telemetry suite: every signal stored and read back, rollups per signal equal to raw aggregates under late data, latest per signal, positions judged; alike on every store.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../../core/contract.js';
import { BUILTIN_CATALOG } from '../../../core/signals/catalog.js';
import { EARLIEST_MS, LATEST_MS, type TelemetryStore } from '../../../core/store/types.js';
import { aggregateOf, fullReading } from '../../helpers/telemetry.js';
import type { StoreFixture } from './store-suite.js';

const T0 = Date.parse('2026-11-20T06:00:00.000Z');
const HOUR = 3_600_000;

/** After a store's write, what a reader sees may lag (InfluxDB's rollups flush on a timer). */
export interface TelemetryFixture extends StoreFixture {
  settle?: () => Promise<void>;
}

export function telemetrySuite(name: string, makeFixture: () => Promise<TelemetryFixture>): void {
  describe(`telemetry signals: ${name}`, () => {
    let fixture: TelemetryFixture;
    let store: TelemetryStore;
    const settle = () => fixture.settle?.() ?? Promise.resolve();

    beforeAll(async () => {
      fixture = await makeFixture();
      store = fixture.store;
      await store.start();
    });
    afterAll(async () => {
      await store.stop();
      await fixture.cleanup();
    });

    it('stores every built-in signal of every reading and reads them back exactly', async () => {
      const readings = Array.from({ length: 50 }, (_, s) => fullReading('full', s, T0 + s * 1000));
      expect(await store.write(readings)).toMatchObject({ stored: 50, duplicates: 0 });
      const rows = await store.readings({
        deviceId: 'full',
        from: EARLIEST_MS,
        to: LATEST_MS,
        order: 'asc',
        limit: 100,
      });
      expect(rows.map((r) => ({ seq: r.seq, values: r.values }))).toEqual(
        readings.map((r) => ({ seq: r.seq, values: r.values })),
      );
      expect(rows.every((r) => r.position_flag === undefined)).toBe(true);
      const only = await store.readings({
        deviceId: 'full',
        from: EARLIEST_MS,
        to: LATEST_MS,
        order: 'desc',
        limit: 1,
        signals: ['fuel_pct', 'ignition'],
      });
      const last = readings[49] as Reading;
      expect(only).toEqual([
        {
          seq: 49,
          timestamp: T0 + 49_000,
          values: { ignition: last.values.ignition, fuel_pct: last.values.fuel_pct },
        },
      ]);
    });

    it('latest: every signal with its own time, the position from the newest valid fix', async () => {
      const base = fullReading('lat_dev', 0, T0);
      const fuelOnly: Reading = {
        device_id: 'lat_dev',
        seq: 1,
        timestamp: new Date(T0 + 5000).toISOString(),
        values: { fuel_pct: 12.5 },
      };
      const zero: Reading = {
        device_id: 'lat_dev',
        seq: 2,
        timestamp: new Date(T0 + 6000).toISOString(),
        values: { lat: 0, lon: 0, speed: 3 },
        position_flag: 'zero_fix',
      };
      await store.write([base, fuelOnly, zero]);
      await settle();
      const latest = await store.latest('lat_dev');
      expect(latest).toMatchObject({ deviceId: 'lat_dev', seq: 2, timestamp: T0 + 6000 });
      expect(latest?.signals.fuel_pct).toEqual({ value: 12.5, time: T0 + 5000 });
      expect(latest?.signals.speed).toEqual({ value: 3, time: T0 + 6000 });
      expect(latest?.signals.lat).toEqual({ value: base.values.lat, time: T0 });
      expect(latest?.signals.lon).toEqual({ value: base.values.lon, time: T0 });
      expect(latest?.signals.ignition).toEqual({ value: base.values.ignition, time: T0 });
      expect(latest?.signals.rpm).toEqual({ value: base.values.rpm, time: T0 });
    });

    it('history of every signal from its rollups equals raw aggregates, late and replayed data included', async () => {
      // 6 hours, one reading every 20 s, a random third of them withheld and sent late in bursts.
      const all: Reading[] = [];
      for (let s = 0; s < 1080; s++) all.push(fullReading('roll', s, T0 + s * 20_000 + 7));
      const late = all.filter((r) => (r.seq * 2_654_435_761) % 3 === 0);
      const live = all.filter((r) => !late.includes(r));
      for (let i = 0; i < live.length; i += 100) await store.write(live.slice(i, i + 100));
      for (let i = late.length; i > 0; i -= 70)
        await store.write(late.slice(Math.max(0, i - 70), i));
      expect((await store.write(all.filter((r) => r.seq % 50 === 0))).stored).toBe(0);
      await settle();
      const from = T0;
      const to = T0 + 6 * HOUR - 1;
      for (const def of BUILTIN_CATALOG.signals) {
        // 6 windows of an hour: served by the 1-hour tier (and raw/1m at the edges).
        const h = await store.history({
          deviceId: 'roll',
          signal: def.key,
          from,
          to,
          maxPoints: 7,
          now: to,
        });
        expect(h.windowMs, def.key).toBe(HOUR);
        expect(h.points.length, def.key).toBe(6);
        for (const p of h.points) {
          const want = aggregateOf(all, def.key, p.timestamp, p.timestamp + HOUR - 1);
          expect(p.count, `${def.key} ${p.timestamp}`).toBe(want.count);
          expect(p.min, def.key).toBe(want.min);
          expect(p.max, def.key).toBe(want.max);
          expect(p.mean, def.key).toBeCloseTo(want.sum / want.count, 6);
        }
      }
      // Ignition: the mean of a boolean is the fraction of readings with it on.
      const ign = await store.history({
        deviceId: 'roll',
        signal: 'ignition',
        from,
        to,
        maxPoints: 2,
        now: to,
      });
      const all6 = aggregateOf(all, 'ignition', from, to);
      const count = ign.points.reduce((n, p) => n + p.count, 0);
      const on = ign.points.reduce((n, p) => n + p.mean * p.count, 0);
      expect(count).toBe(all6.count);
      expect(on).toBeCloseTo(all6.sum, 6);
    });

    it('history without a signal is speed, as before', async () => {
      const q = { deviceId: 'roll', from: T0, to: T0 + HOUR, maxPoints: 10, now: T0 + HOUR };
      expect(await store.history(q)).toEqual(await store.history({ ...q, signal: 'speed' }));
    });

    it('flags a zero fix and a jump, and a jump stays one when the fix before it arrives late', async () => {
      const at = (seq: number, t: number, lat: number, lon: number): Reading => ({
        device_id: 'jumpy',
        seq,
        timestamp: new Date(T0 + t * 1000).toISOString(),
        values: { lat, lon, speed: 30 },
        ...(lat === 0 && lon === 0 ? { position_flag: 'zero_fix' as const } : {}),
      });
      // 0 and 1 ok, 2 is 50 km away after 1 s (jump), 3 back near 1 (ok), 4 is (0, 0).
      const fixes = [
        at(0, 0, 52.5, 13.4),
        at(1, 1, 52.5001, 13.4001),
        at(2, 2, 52.95, 13.4),
        at(3, 3, 52.5002, 13.4002),
        at(4, 4, 0, 0),
      ];
      // Seq 1 arrives last: 2 must still be judged against it (a jump), and 3 against 1 (ok).
      await store.write([fixes[0], fixes[2], fixes[3], fixes[4]] as Reading[]);
      await store.write([fixes[1] as Reading]);
      await settle();
      const rows = await store.readings({
        deviceId: 'jumpy',
        from: EARLIEST_MS,
        to: LATEST_MS,
        order: 'asc',
        limit: 10,
      });
      expect(rows.map((r) => [r.seq, r.position_flag ?? 'valid'])).toEqual([
        [0, 'valid'],
        [1, 'valid'],
        [2, 'jump'],
        [3, 'valid'],
        [4, 'zero_fix'],
      ]);
      const latest = await store.latest('jumpy');
      expect(latest?.signals.lat).toEqual({ value: 52.5002, time: T0 + 3000 });
    });

    it('a late fix that makes a stored one valid again re-judges it (same flags as in order)', async () => {
      // In order: 0 at A; 1 at B (30 km from A, 5 min later: 360 km/h: a jump from A); 2 at B.
      // Live arrival 0, 2, then 1 late: 2 was judged against 0 (a jump); with 1 (a jump) in
      // between, 2 is still judged against 0: still a jump. The same readings in order agree.
      const mk =
        (device: string) =>
        (seq: number, t: number, lat: number): Reading => ({
          device_id: device,
          seq,
          timestamp: new Date(T0 + t * 1000).toISOString(),
          values: { lat, lon: 13.4 },
        });
      const inOrder = mk('order');
      const lateOne = mk('late');
      await store.write([inOrder(0, 0, 52.5), inOrder(1, 300, 52.77), inOrder(2, 301, 52.7701)]);
      await store.write([lateOne(0, 0, 52.5), lateOne(2, 301, 52.7701)]);
      await store.write([lateOne(1, 300, 52.77)]);
      await settle();
      const flags = async (device: string) =>
        (
          await store.readings({
            deviceId: device,
            from: EARLIEST_MS,
            to: LATEST_MS,
            order: 'asc',
            limit: 9,
          })
        ).map((r) => r.position_flag ?? 'valid');
      expect(await flags('order')).toEqual(['valid', 'jump', 'jump']);
      expect(await flags('late')).toEqual(await flags('order'));
    });
  });
}
