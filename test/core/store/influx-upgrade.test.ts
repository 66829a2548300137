// A store the speed-only version wrote (raw speed points, count/sum/min/max rollups, checkpoints), opened by this one on influxd 1.6.7: read as it is, extended by telemetry, nothing rewritten.
import { setLogger } from '@influxdata/influxdb-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../../core/contract.js';
import { checkpointLine, pointNs } from '../../../core/store/influx-checkpoint.js';
import { InfluxStore, type InfluxStoreOptions } from '../../../core/store/influx-store.js';
import {
  createRetentionPolicyStatement,
  MEASUREMENT_1H,
  MEASUREMENT_1M,
  RP_1H,
  RP_1M,
  RP_COVERAGE,
} from '../../../core/store/influx-tier-ql.js';
import type { HistoryResult } from '../../../core/store/types.js';
import { InfluxdProcess } from '../../../harness/influxd.js';
import { aggregateOf, fullReading } from '../../helpers/telemetry.js';
import { removeTempDirs, tempDir } from '../../helpers/tmp.js';
import { expectRollupsAsRaw, rowsOf } from './influx-rollup-check.js';

const influxd = new InfluxdProcess({ dir: tempDir('influxd-upgrade-') });
setLogger({ error: () => {}, warn: () => {} });
beforeAll(() => influxd.start());
afterAll(async () => {
  await influxd.stop();
  removeTempDirs();
});

const H = 3_600_000;
const D = 24 * H;
const NOW = Math.floor(Date.now() / H) * H - D;
const DEVICE = 'old_car';
/** Two days of speed readings, one a minute: what the previous version stored. */
const OLD = 2880;
const START = NOW - 2 * D;
const oldSpeed = (seq: number) => ((seq * 7919) % 12_000) / 100;

async function post(path: string, body: string): Promise<void> {
  const res = await fetch(`${influxd.url}${path}`, { method: 'POST', body });
  if (!res.ok) throw new Error(`influxd ${res.status}: ${await res.text()}`);
}

/**
 * Exactly what the speed-only version left: raw points with `seq` and `speed`, its three
 * policies, both rollup tiers with fields count (integer), sum, min, max (built here as its start
 * did, by SELECT INTO), and a checkpoint vouching for every reading.
 */
async function writeOldStore(db: string): Promise<Reading[]> {
  await influxd.query(`CREATE DATABASE "${db}"`);
  for (const rp of [RP_1M, RP_1H, RP_COVERAGE]) {
    await influxd.query(createRetentionPolicyStatement(db, rp, rp === RP_1M ? 400 * D : 0));
  }
  const old: Reading[] = [];
  const lines: string[] = [];
  for (let seq = 0; seq < OLD; seq++) {
    const time = START + seq * 60_000 + 17;
    old.push({
      device_id: DEVICE,
      seq,
      timestamp: new Date(time).toISOString(),
      values: { speed: oldSpeed(seq) },
    });
    lines.push(
      `vehicle_speed,device_id=${DEVICE} seq=${seq}i,speed=${oldSpeed(seq)} ${time}${String(seq).padStart(6, '0')}`,
    );
  }
  await post(`/write?db=${db}&precision=ns`, lines.join('\n'));
  const where = `WHERE time >= ${START - H}ms AND time <= ${NOW + H}ms`;
  await influxd.query(
    `SELECT count("speed") AS "count", sum("speed") AS "sum", min("speed") AS "min", max("speed") AS "max" INTO "${db}"."${RP_1M}"."${MEASUREMENT_1M}" FROM "${db}"."autogen"."vehicle_speed" ${where} GROUP BY time(1m), "device_id" fill(none)`,
  );
  await influxd.query(
    `SELECT sum("count") AS "count", sum("sum") AS "sum", min("min") AS "min", max("max") AS "max" INTO "${db}"."${RP_1H}"."${MEASUREMENT_1H}" FROM "${db}"."${RP_1M}"."${MEASUREMENT_1M}" ${where} GROUP BY time(1h), "device_id" fill(none)`,
  );
  const lastTime = START + (OLD - 1) * 60_000 + 17;
  const cp = checkpointLine(DEVICE, {
    coverage: { watermark: OLD - 1, highest: OLD - 1, above: [] },
    scan: pointNs(lastTime + 1, 0),
    lastSeen: lastTime,
    at: Math.floor(NOW / D) * D,
  });
  await post(`/write?db=${db}&rp=${RP_COVERAGE}&precision=ns`, cp);
  return old;
}

function expectHistory(got: HistoryResult, readings: readonly Reading[], key: string): number {
  let total = 0;
  for (const p of got.points) {
    const want = aggregateOf(readings, key, p.timestamp, p.timestamp + got.windowMs - 1);
    expect([p.count, p.min, p.max], `${key} ${p.timestamp}`).toEqual([
      want.count,
      want.min,
      want.max,
    ]);
    expect(p.mean, `${key} ${p.timestamp}`).toBeCloseTo(want.sum / want.count, 9);
    total += p.count;
  }
  expect(total, key).toBe(aggregateOf(readings, key, START - H, NOW + H).count);
  return total;
}

describe('a store written by the speed-only version', () => {
  it('is read as it is, extended by telemetry in its old buckets, and none of its rollups is rewritten', async () => {
    const opts: InfluxStoreOptions = {
      url: influxd.url,
      token: undefined,
      org: 'my-org',
      bucket: 'speed_only',
      api: 'auto',
      timeoutMs: 10_000,
      flushIntervalMs: 3_600_000,
      retention: { rawMs: 0, oneMinuteMs: 400 * D, oneHourMs: 0 },
    };
    const old = await writeOldStore(opts.bucket);
    const store = new InfluxStore(opts);
    await store.start();
    expect(await store.coverage()).toEqual([
      { deviceId: DEVICE, watermark: OLD - 1, highest: OLD - 1, missing: 0 },
    ]);
    const range = { deviceId: DEVICE, from: START - H, to: NOW + H, maxPoints: 60, now: NOW };
    expect((await store.history(range)).windowMs).toBe(H);
    expectHistory(await store.history(range), old, 'speed');
    // Telemetry from the same vehicle: 100 readings whose times fall into old hours (a device
    // sending its queue late), then 100 after the old ones.
    const fresh: Reading[] = [];
    for (let k = 0; k < 100; k++) {
      fresh.push(fullReading(DEVICE, OLD + k, START + k * 27 * 60_000 + 30_011));
    }
    for (let k = 100; k < 200; k++) {
      fresh.push(fullReading(DEVICE, OLD + k, NOW - H + (k - 100) * 10_000));
    }
    const touched = new Set(fresh.map((r) => Math.floor(Date.parse(r.timestamp) / H) * H));
    expect(await store.write(fresh)).toMatchObject({ stored: 200, duplicates: 0 });
    await store.flush();
    const all = [...old, ...fresh];
    const check = async (s: InfluxStore) => {
      expectHistory(await s.history(range), all, 'speed');
      const fuel = await s.history({ ...range, signal: 'fuel_pct' });
      expect(expectHistory(fuel, all, 'fuel_pct')).toBe(200);
      expectHistory(await s.history({ ...range, signal: 'ignition' }), all, 'ignition');
      expectHistory(await s.history({ ...range, signal: 'lat' }), all, 'lat');
    };
    await check(store);
    await store.stop();
    const again = new InfluxStore(opts);
    await again.start();
    await check(again);
    await again.stop();
    await expectRollupsAsRaw(influxd, opts.bucket, DEVICE);
    // The old names are speed's names still, and only the hours telemetry reached gained fields.
    const hours = await rowsOf(
      influxd,
      `SELECT * FROM "${opts.bucket}"."${RP_1H}"."${MEASUREMENT_1H}" WHERE time >= 0`,
    );
    expect(hours.length).toBe(48);
    for (const h of hours) {
      expect(typeof h.count, String(h.time)).toBe('number');
      expect(typeof h.fuel_pct_count === 'number', String(h.time)).toBe(
        touched.has(h.time as number),
      );
    }
  });
});
