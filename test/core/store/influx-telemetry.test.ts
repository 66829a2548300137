// Every signal on influxd 1.6.7: rollups per signal equal InfluxDB's own aggregates of the raw points (late data, a crash), late fixes re-judged page by page, fix state across restarts and claims, export buffers reused.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setLogger } from '@influxdata/influxdb-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../../core/contract.js';
import { InfluxStore, type InfluxStoreOptions } from '../../../core/store/influx-store.js';
import { EARLIEST_MS, LATEST_MS } from '../../../core/store/types.js';
import { InfluxdProcess } from '../../../harness/influxd.js';
import { fullReading } from '../../helpers/telemetry.js';
import { removeTempDirs, tempDir } from '../../helpers/tmp.js';
import { expectRollupsAsRaw, rowsOf } from './influx-rollup-check.js';

const influxd = new InfluxdProcess({ dir: tempDir('influxd-telemetry-') });
setLogger({ error: () => {}, warn: () => {} });
beforeAll(() => influxd.start());
afterAll(async () => {
  await influxd.stop();
  removeTempDirs();
});

const H = 3_600_000;
const D = 24 * H;
/** An hour boundary two days ago: every reading lies in the past, as a device's would. */
const NOW = Math.floor(Date.now() / H) * H - 2 * D;
let databases = 0;

function options(overrides: Partial<InfluxStoreOptions> = {}): InfluxStoreOptions {
  databases += 1;
  return {
    url: influxd.url,
    token: undefined,
    org: 'my-org',
    bucket: `telemetry_${databases}`,
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

/** A reading with some signals missing (by seq), so buckets hold different signals. */
function partial(device: string, seq: number, time: number): Reading {
  const r = fullReading(device, seq, time);
  const drop = (keys: string[]) => {
    for (const k of keys) delete r.values[k];
  };
  if (seq % 5 === 0) drop(['lat', 'lon', 'alt', 'acc', 'heading']);
  if (seq % 7 === 0) drop(['fuel_pct', 'ignition']);
  if (seq % 11 === 0) drop(['rpm', 'coolant_c', 'speed']);
  return r;
}

describe('every signal on influxd 1.6.7', () => {
  it('rolls up every signal exactly as InfluxDB aggregates the raw points: flushed, late, and after a crash', async () => {
    const opts = options();
    const store = await open(opts);
    // 4 hours, a reading every 10 s, some signals missing by seq; a third withheld and sent late.
    const t0 = NOW - 5 * H + 1234;
    const all = Array.from({ length: 1440 }, (_, s) => partial('sig', s, t0 + s * 10_000));
    const late = all.filter((r) => r.seq % 3 === 1);
    const live = all.filter((r) => r.seq % 3 !== 1);
    for (let i = 0; i < live.length; i += 200) await store.write(live.slice(i, i + 200));
    await store.flush();
    const half = Math.floor(late.length / 2);
    for (let i = half; i > 0; i -= 60) await store.write(late.slice(Math.max(0, i - 60), i));
    await store.flush();
    expect(await expectRollupsAsRaw(influxd, opts.bucket, 'sig')).toBeGreaterThan(1000);
    // The rest arrives late, and the process dies before its flush: the next start recomputes.
    for (let i = half; i < late.length; i += 60) await store.write(late.slice(i, i + 60));
    const again = await open(opts);
    expect(await again.coverage()).toEqual([
      { deviceId: 'sig', watermark: 1439, highest: 1439, missing: 0 },
    ]);
    await expectRollupsAsRaw(influxd, opts.bucket, 'sig');
    expect((await again.write(all.filter((r) => r.seq % 40 === 0))).stored).toBe(0);
    await again.flush();
    await expectRollupsAsRaw(influxd, opts.bucket, 'sig');
    await again.stop();
  });

  it('re-judges a long run of stored fixes behind a late one, page after page, and judges the next fix by the newest valid one', async () => {
    const store = await open(options());
    const at = (seq: number, t: number, lat: number): Reading => ({
      device_id: 'run',
      seq,
      timestamp: new Date(NOW - H + t * 1000).toISOString(),
      values: { lat, lon: 13.4, speed: 40 },
    });
    // 0 at A; 2..151 at B (10 km north) from 1000 s on, a second apart: valid in order (36 km/h).
    const A = 52.5;
    const B = 52.59;
    const C = 52.41; // 10 km south of A
    const run = Array.from({ length: 150 }, (_, k) => at(k + 2, 1000 + k, B + k * 0.000001));
    expect((await store.write([at(0, 0, A), ...run])).reflagged).toEqual([]);
    // 1 arrives late, at C just before the run: valid from A, and every fix of the run is 20 km
    // from it within 150 s (> 350 km/h): all 150 become jumps (more than one page of them).
    const result = await store.write([at(1, 999, C)]);
    expect(result.reflagged.length).toBe(150);
    expect(result.reflagged.every((r) => r.flag === 'jump' && r.deviceId === 'run')).toBe(true);
    expect(result.reflagged.map((r) => r.seq)).toEqual(run.map((r) => r.seq));
    const flags = async () =>
      (
        await store.readings({
          deviceId: 'run',
          from: EARLIEST_MS,
          to: LATEST_MS,
          order: 'asc',
          limit: 1000,
        })
      ).map((r) => r.position_flag ?? 'valid');
    expect(await flags()).toEqual(['valid', 'valid', ...run.map(() => 'jump')]);
    expect((await store.latest('run'))?.signals.lat?.value).toBe(C);
    // The newest valid fix is now 1 (at C): a next fix at B is a jump, one near C valid.
    await store.write([at(152, 1150, B)]);
    await store.write([at(153, 1151, C + 0.0001)]);
    expect((await flags()).slice(-2)).toEqual(['jump', 'valid']);
    expect((await store.latest('run'))?.signals.lat?.value).toBe(C + 0.0001);
    await store.stop();
  });

  it('judges the first fix after a restart or a claim by the newest valid fix stored (read back)', async () => {
    const opts = options();
    const at = (device: string, seq: number, t: number, lat: number): Reading => ({
      device_id: device,
      seq,
      timestamp: new Date(NOW - H + t * 1000).toISOString(),
      values: { lat, lon: 13.4 },
    });
    const first = await open(opts);
    await first.write([at('r', 0, 0, 52.5), at('r', 1, 1, 52.5001), at('c', 0, 0, 52.5)]);
    await first.stop();
    // A restart: the state is read back with the first fix that needs it.
    const second = await open(opts);
    await second.write([at('r', 2, 2, 52.9), at('r', 3, 3, 52.5002)]);
    // Several collectors: B claims 'c' after A wrote it and let go.
    const a = await open(opts);
    const b = await open(opts);
    const owns = (id: string) => id === 'c';
    await a.claim('p0', owns, () => true);
    await a.write([at('c', 1, 1, 52.5001)]);
    await a.disown('p0', 'flush');
    await b.claim('p0', owns, () => true);
    await b.write([at('c', 2, 2, 52.9), at('c', 3, 3, 52.5002)]);
    const flags = async (device: string) =>
      (
        await b.readings({
          deviceId: device,
          from: EARLIEST_MS,
          to: LATEST_MS,
          order: 'asc',
          limit: 10,
        })
      ).map((r) => r.position_flag ?? 'valid');
    expect(await flags('r')).toEqual(['valid', 'valid', 'jump', 'valid']);
    expect(await flags('c')).toEqual(['valid', 'valid', 'jump', 'valid']);
    for (const s of [second, a, b]) await s.stop();
  });

  it("a lease that lapses while a flush reads its buckets back writes none of them over the next owner's", async () => {
    const opts = options();
    const owns = (id: string) => id === 'lapse';
    const t0 = NOW - 3 * H + 5_000;
    const a = await open(opts);
    const b = await open(opts);
    // A's lease holds when its flush picks the rows, and has lapsed by the time they would be
    // written (the read-back outlasted it): the drill's "rollups disagree" (1m short, 1h right).
    let answers: boolean[] | null = null;
    await a.claim('p0', owns, () => (answers ? (answers.shift() ?? false) : true));
    await a.write(Array.from({ length: 5 }, (_, s) => fullReading('lapse', s, t0 + s * 1000)));
    await b.claim('p0', owns, () => true);
    await b.write(
      Array.from({ length: 5 }, (_, s) => fullReading('lapse', s + 5, t0 + (s + 5) * 1000)),
    );
    await b.flush();
    answers = [true]; // the flush's pick of its rows: held; every question after it: lapsed
    await a.flush();
    expect(answers).toEqual([]);
    expect(await expectRollupsAsRaw(influxd, opts.bucket, 'lapse')).toBeGreaterThan(0);
    const minute = await rowsOf(
      influxd,
      `SELECT * FROM "${opts.bucket}"."rollup_1m"."vehicle_speed_1m" WHERE "device_id" = 'lapse'`,
    );
    expect(minute.map((r) => r.count)).toEqual([10]);
    for (const s of [a, b]) await s.stop();
  });

  it("an old owner's write landing while the next owner recomputes its buckets is counted once", async () => {
    const opts = options();
    const owns = (id: string) => id === 'landing';
    const t0 = NOW - 3 * H + 5_000;
    const reading = (s: number) => fullReading('landing', s, t0 + s * 1000);
    const a = await open(opts);
    await a.claim('p0', owns, () => true);
    await a.write([0, 1, 2, 3, 4].map(reading));
    await a.flush();
    // Then A stores three more and is killed before its next flush: no checkpoint covers them.
    await a.write([5, 6, 7].map(reading));
    // B reaches influxd through a proxy that, at B's first recompute statement (after B read the
    // coverage), lets A's last write land first: a write A sent before its lease lapsed, processed
    // late by a loaded influxd (a fault influxd cannot be made to produce on demand: staged here).
    let hook: (() => Promise<void>) | undefined;
    const proxy = await startProxy(influxd.url, async (query) => {
      if (!hook || !/ INTO /.test(query)) return;
      const land = hook;
      hook = undefined;
      await land();
    });
    try {
      const b = await open({ ...opts, url: proxy.url });
      hook = async () => {
        await a.write([reading(8)]);
      };
      await b.claim('p0', owns, () => true);
      expect(hook).toBeUndefined(); // it landed during the claim
      // The broker redelivers A's unacknowledged readings to B, then a new one arrives.
      await b.write([5, 6, 7, 8, 9].map(reading));
      await b.flush();
      expect(await expectRollupsAsRaw(influxd, opts.bucket, 'landing')).toBeGreaterThan(0);
      const minute = await rowsOf(
        influxd,
        `SELECT * FROM "${opts.bucket}"."rollup_1m"."vehicle_speed_1m" WHERE "device_id" = 'landing'`,
      );
      expect(minute.map((r) => r.count)).toEqual([10]);
      await b.stop();
    } finally {
      await a.stop();
      await proxy.close();
    }
  });

  it('reuses one set of columns for every page of an export', async () => {
    const store = await open(options());
    const t0 = NOW - D;
    const readings = Array.from({ length: 12_500 }, (_, s) =>
      fullReading('export', s, t0 + s * 1000),
    );
    await store.write(readings);
    const buffers = new Set<ArrayBufferLike>();
    let rows = 0;
    for await (const c of store.readingChunks(
      { deviceId: 'export', from: EARLIEST_MS, to: LATEST_MS, order: 'asc' },
      5000,
    )) {
      buffers.add(c.values.fuel_pct?.buffer as ArrayBufferLike);
      expect(c.values.fuel_pct?.[0]).toBe(readings[rows]?.values.fuel_pct);
      expect(c.values.ignition?.[0]).toBe(readings[rows]?.values.ignition ? 1 : 0);
      rows += c.length;
    }
    expect(rows).toBe(12_500);
    expect(buffers.size).toBe(1);
    await store.stop();
  });
});

/**
 * An HTTP proxy to influxd that awaits `before(query)` (the InfluxQL of a /query request, from its
 * URL or its form body) before forwarding each request.
 */
async function startProxy(
  target: string,
  before: (query: string) => Promise<void>,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', target);
      const form = new URLSearchParams(body.toString('utf8'));
      const query =
        url.pathname === '/query'
          ? `${url.searchParams.get('q') ?? ''} ${form.get('q') ?? ''}`
          : '';
      await before(query);
      const headers = { ...req.headers };
      delete headers.host;
      delete headers['accept-encoding'];
      delete headers['content-length'];
      const answer = await fetch(url, {
        method: req.method,
        headers: headers as Record<string, string>,
        body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
      });
      const out: Record<string, string> = {};
      answer.headers.forEach((v, k) => {
        if (k !== 'content-encoding' && k !== 'content-length') out[k] = v;
      });
      res.writeHead(answer.status, out);
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
