// InfluxDB over months, on influxd 1.6.7: rollups equal raw aggregates (late data, crashes), checkpoints, older stores.
import { setLogger } from '@influxdata/influxdb-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../../core/contract.js';
import { toPoints } from '../../../core/store/influx-points.js';
import { InfluxStore, type InfluxStoreOptions } from '../../../core/store/influx-store.js';
import { pointLine } from '../../../core/store/line-protocol.js';
import { InfluxdProcess } from '../../../harness/influxd.js';
import { removeTempDirs, tempDir } from '../../helpers/tmp.js';

const influxd = new InfluxdProcess({ dir: tempDir('influxd-tiers-') });
setLogger({ error: () => {}, warn: () => {} });
beforeAll(() => influxd.start());
afterAll(async () => {
  await influxd.stop();
  removeTempDirs();
});

const D = 86_400_000;
const H = 3_600_000;
/** An hour boundary a day ago: every reading lies in the past, as a device's would. */
const NOW = Math.floor(Date.now() / H) * H - D;
let databases = 0;

function options(overrides: Partial<InfluxStoreOptions> = {}): InfluxStoreOptions {
  databases += 1;
  return {
    url: influxd.url,
    token: undefined,
    org: 'my-org',
    bucket: `tiers_${databases}`,
    api: 'auto',
    timeoutMs: 10_000,
    // No timer flush: each test says when rollups and checkpoints are written (or never: a crash).
    flushIntervalMs: 3_600_000,
    ...overrides,
  };
}

async function open(opts: InfluxStoreOptions): Promise<InfluxStore> {
  const store = new InfluxStore(opts);
  await store.start();
  return store;
}

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

/** Readings every ~7 s over `days`, with holes, ending at NOW. */
function series(device: string, days: number, rnd: () => number): Reading[] {
  const out: Reading[] = [];
  let t = NOW - days * D + Math.floor(rnd() * 1000);
  for (let seq = 0; t < NOW; seq++) {
    out.push(reading(device, seq, t, Math.round(rnd() * 12_000) / 100));
    t += rnd() < 0.002 ? Math.floor(rnd() * 3 * H) : 7000;
  }
  return out;
}

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
  return [...out].sort((a, b) => a[0] - b[0]).map(([idx, a]) => ({ timestamp: idx * w, ...a }));
}

async function expectHistoryAsRaw(
  store: InfluxStore,
  data: readonly Reading[],
  rnd: () => number,
  queries: number,
  days: number,
): Promise<void> {
  for (let q = 0; q < queries; q++) {
    const device = data[q % 2 === 0 ? 0 : data.length - 1]?.device_id ?? '';
    const span = [5 * 60_000, H, D, 3 * D, days * D - H][q % 5] ?? D;
    const to = NOW - Math.floor(rnd() * (days * D - span)) + Math.floor(rnd() * 1000);
    const from = to - span + Math.floor(rnd() * 60_000);
    const maxPoints = [50, 300, 600, 1000][q % 4] ?? 300;
    const got = await store.history({ deviceId: device, from, to, maxPoints, now: NOW });
    const own = data.filter((r) => r.device_id === device);
    const want = expectedWindows(own, from, to, got.windowMs);
    const label = `${device} ${from}..${to} / ${maxPoints}`;
    expect(
      got.points.map((p) => [p.timestamp, p.count, p.min, p.max]),
      label,
    ).toEqual(want.map((w) => [w.timestamp, w.count, w.min, w.max]));
    got.points.forEach((p, i) => {
      expect(p.mean, label).toBeCloseTo((want[i]?.sum ?? 0) / (want[i]?.count ?? 1), 9);
    });
  }
}

type Answer = { results: Array<{ series?: Array<{ values: unknown[][] }> }> };
const valuesOf = (a: unknown) => (a as Answer).results[0]?.series?.[0]?.values ?? [];

/** The stored 1-minute and 1-hour rows of a device equal aggregates InfluxDB computes from raw. */
async function expectRollupsAsRaw(database: string, device: string): Promise<number> {
  const where = `WHERE "device_id" = '${device}' AND time >= 0 AND time < ${NOW + D}ms`;
  let rowsChecked = 0;
  for (const [rp, m, w] of [
    ['rollup_1m', 'vehicle_speed_1m', '1m'],
    ['rollup_1h', 'vehicle_speed_1h', '1h'],
  ] as const) {
    const fromRaw = valuesOf(
      await influxd.query(
        `SELECT count("speed"), sum("speed"), min("speed"), max("speed") FROM "${database}"."autogen"."vehicle_speed" ${where} GROUP BY time(${w}) fill(none)`,
      ),
    );
    const stored = valuesOf(
      await influxd.query(
        `SELECT "count", "sum", "min", "max" FROM "${database}"."${rp}"."${m}" ${where}`,
      ),
    );
    expect(
      stored.map((r) => [r[0], r[1], r[3], r[4]]),
      `${rp} ${device}`,
    ).toEqual(fromRaw.map((r) => [r[0], r[1], r[3], r[4]]));
    stored.forEach((r, i) => {
      expect(r[2] as number).toBeCloseTo(fromRaw[i]?.[2] as number, 6);
    });
    rowsChecked += stored.length;
  }
  return rowsChecked;
}

describe('InfluxStore tiers on influxd 1.6.7', () => {
  it('answers random ranges from the tiers exactly as from raw points, a day-old backlog and resends included', async () => {
    const opts = options();
    const store = await open(opts);
    expect(store.layout?.mode).toBe('tiered');
    const rnd = random(7);
    const data = [...series('tier_a', 4, rnd), ...series('tier_b', 4, rnd)];
    const backlog = data.filter((r) => r.seq % 5 === 0 && Date.parse(r.timestamp) > NOW - D);
    const first = data.filter((r) => !backlog.includes(r));
    for (let i = 0; i < first.length; i += 5000) {
      await store.write(first.slice(i, i + 5000));
      if (i % 20_000 === 0) await store.flush();
    }
    await store.flush();
    // The backlog lands in buckets written long ago; half of it is not flushed yet when asked.
    const half = Math.floor(backlog.length / 2);
    for (let i = 0; i < half; i += 777)
      await store.write(backlog.slice(i, Math.min(half, i + 777)));
    await store.flush();
    for (let i = half; i < backlog.length; i += 777) await store.write(backlog.slice(i, i + 777));
    await expectHistoryAsRaw(store, data, rnd, 20, 4);
    const resent = await store.write(data.filter((r) => r.seq % 50 === 0));
    expect(resent).toMatchObject({ stored: 0 });
    await store.flush();
    await expectHistoryAsRaw(store, data, rnd, 20, 4);
    expect(await expectRollupsAsRaw(opts.bucket, 'tier_a')).toBeGreaterThan(1000);
    expect(await expectRollupsAsRaw(opts.bucket, 'tier_b')).toBeGreaterThan(1000);
    // Proof that long ranges are answered from the tiers: a doctored 1-hour row shows up.
    const hour = Math.floor((NOW - 2 * D) / H) * H;
    const doctored = `vehicle_speed_1h,device_id=tier_a count=1000000i,max=0,min=0,sum=0 ${hour}000000`;
    await fetch(`${influxd.url}/write?db=${opts.bucket}&rp=rollup_1h`, {
      method: 'POST',
      body: doctored,
    });
    const long = await store.history({
      deviceId: 'tier_a',
      from: NOW - 3 * D,
      to: NOW - D,
      maxPoints: 50,
      now: NOW,
    });
    expect(long.points.reduce((n, p) => n + p.count, 0)).toBeGreaterThan(1_000_000);
    await store.stop();
  });

  it('after a crash, a restart finds what no checkpoint vouches for, recomputes its buckets and acks exactly', async () => {
    const opts = options();
    const rnd = random(11);
    const data = Array.from({ length: 9000 }, (_, s) =>
      reading('crash', s, NOW - 9000 * 5000 + s * 5000, Math.round(rnd() * 3000) / 10),
    );
    const store = await open(opts);
    await store.write(data.slice(0, 5000));
    await store.flush();
    // Then, without a flush: newer readings, then older ones filling part of the gap (late data
    // in buckets the last flush wrote), and a resend of readings the checkpoint vouches for.
    await store.write(data.slice(6000, 9000));
    await store.write(data.slice(5000, 5500));
    await store.write(data.slice(100, 200));
    // The process dies here: no stop(), no flush. A new store on the same database:
    const again = await open(opts);
    expect(await again.coverage()).toEqual([
      { deviceId: 'crash', watermark: 5499, highest: 8999, missing: 500 },
    ]);
    // The start recomputed the buckets of everything it read back: they equal raw again.
    await expectRollupsAsRaw(opts.bucket, 'crash');
    expect(await again.write(data.slice(4000, 4100))).toMatchObject({ stored: 0, duplicates: 100 });
    expect(await again.write(data.slice(5500, 6000))).toMatchObject({ stored: 500, filled: 500 });
    await expectHistoryAsRaw(again, data, rnd, 10, 0.5);
    await again.flush();
    await expectRollupsAsRaw(opts.bucket, 'crash');
    await expectHistoryAsRaw(again, data, rnd, 10, 0.5);
    await again.stop();
    const third = await open(opts);
    expect(await third.coverage()).toEqual([
      { deviceId: 'crash', watermark: 8999, highest: 8999, missing: 0 },
    ]);
    expect(await third.seqs('crash')).toEqual(data.map((r) => r.seq));
    await third.stop();
  });

  it('keeps dedupe after retention: readings older than the raw policy count as stored, resends are duplicates', async () => {
    // Raw points kept 1 hour: InfluxDB drops these day-old readings at once (a partial write).
    const opts = options({ retention: { rawMs: H, oneMinuteMs: 0, oneHourMs: 0 } });
    const old = Date.now() - D;
    const data = Array.from({ length: 300 }, (_, s) => reading('gone', s, old + s * 1000, s));
    const store = await open(opts);
    expect(await store.write(data)).toMatchObject({ stored: 300, duplicates: 0 });
    expect(await store.seqs('gone')).toEqual([]);
    await store.stop();
    const again = await open(opts);
    expect(await again.coverage()).toEqual([
      { deviceId: 'gone', watermark: 299, highest: 299, missing: 0 },
    ]);
    expect(await again.write(data.slice(0, 100))).toMatchObject({ stored: 0, duplicates: 100 });
    expect(await again.seqs('gone')).toEqual([]);
    // The rollups hold them (counted once): history past the raw horizon answers from them.
    const h = await again.history({
      deviceId: 'gone',
      from: old - H,
      to: old + H,
      maxPoints: 3,
      now: Date.now(),
    });
    expect(h.points.reduce((n, p) => n + p.count, 0)).toBe(300);
    await again.stop();
  });

  it('reads an older store (raw points, no checkpoint) in full once and builds its rollups', async () => {
    const opts = options();
    const rnd = random(5);
    const data = series('legacy', 2, rnd);
    const body = toPoints(data).points.map(pointLine).join('\n');
    await influxd.query(`CREATE DATABASE "${opts.bucket}"`);
    const res = await fetch(`${influxd.url}/write?db=${opts.bucket}&precision=ns`, {
      method: 'POST',
      body,
    });
    expect(res.status).toBe(204);
    const store = await open(opts);
    const last = data.length - 1;
    expect(await store.coverage()).toEqual([
      { deviceId: 'legacy', watermark: last, highest: last, missing: 0 },
    ]);
    await expectRollupsAsRaw(opts.bucket, 'legacy');
    await expectHistoryAsRaw(store, data, rnd, 10, 2);
    expect(await store.devices()).toEqual([
      { deviceId: 'legacy', lastSeen: Date.parse(data[last]?.timestamp ?? ''), lastSeq: last },
    ]);
    await store.stop();
    const checkpoints = JSON.stringify(
      await influxd.query('SELECT * FROM "coverage"."vehicle_coverage"', opts.bucket),
    );
    expect(checkpoints).toContain(`"legacy"`);
  });
});
