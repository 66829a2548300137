// Retention policies per tier on influxd 1.6.7: created from RETENTION_*, db/rp left alone, users without admin rights.
import { Writable } from 'node:stream';
import { setLogger } from '@influxdata/influxdb-client';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../../core/contract.js';
import { InfluxStore, type InfluxStoreOptions } from '../../../core/store/influx-store.js';
import { InfluxdProcess } from '../../../harness/influxd.js';
import { removeTempDirs, tempDir } from '../../helpers/tmp.js';

setLogger({ error: () => {}, warn: () => {} });
afterAll(removeTempDirs);

const D = 86_400_000;
const H = 3_600_000;
const RETENTION = { rawMs: 30 * D, oneMinuteMs: 400 * D, oneHourMs: 0 };

const reading = (device: string, seq: number, time: number): Reading => ({
  device_id: device,
  seq,
  timestamp: new Date(time).toISOString(),
  values: { speed: seq % 100 },
});

/** A logger whose lines the test can read. */
function capture() {
  const lines: Array<{ level: number; msg: string; statements?: string[] }> = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

type Answer = { results: Array<{ series?: Array<{ values: unknown[][] }> }> };

async function policies(influxd: InfluxdProcess, db: string, auth?: string) {
  const a = (await influxd.query(`SHOW RETENTION POLICIES ON "${db}"`, undefined, auth)) as Answer;
  return Object.fromEntries(
    (a.results[0]?.series?.[0]?.values ?? []).map((r) => [r[0], { duration: r[1], default: r[4] }]),
  );
}

describe('retention policies on influxd 1.6.7', () => {
  const influxd = new InfluxdProcess({ dir: tempDir('influxd-rp-') });
  beforeAll(() => influxd.start());
  afterAll(() => influxd.stop());
  const base = (bucket: string): InfluxStoreOptions => ({
    url: influxd.url,
    token: undefined,
    org: 'my-org',
    bucket,
    api: 'auto',
    retention: RETENTION,
  });

  it('creates a policy per tier from RETENTION_*, and sets the raw one once the store is loaded', async () => {
    const store = new InfluxStore(base('rp_default'));
    await store.start();
    try {
      expect(store.layout?.mode).toBe('tiered');
      expect(await policies(influxd, 'rp_default')).toMatchObject({
        autogen: { duration: '0s', default: true },
        rollup_1m: { duration: '9600h0m0s', default: false },
        rollup_1h: { duration: '0s' },
        coverage: { duration: '0s' },
      });
      await store.write([reading('a', 0, Date.now() - H)]);
      expect((await policies(influxd, 'rp_default')).autogen).toEqual({
        duration: '720h0m0s',
        default: true,
      });
      expect(store.layout?.retention).toEqual(RETENTION);
    } finally {
      await store.stop();
    }
    // Changed settings are applied at the next start (ALTER), data kept.
    const longer = new InfluxStore({
      ...base('rp_default'),
      retention: { rawMs: 7 * D, oneMinuteMs: 800 * D, oneHourMs: 0 },
    });
    await longer.start();
    await longer.coverage();
    expect(await policies(influxd, 'rp_default')).toMatchObject({
      autogen: { duration: '168h0m0s' },
      rollup_1m: { duration: '19200h0m0s' },
    });
    expect(await longer.seqs('a')).toEqual([0]);
    await longer.stop();
  });

  it('INFLUXDB_BUCKET=db/rp: raw points in that policy, which the store never alters', async () => {
    await influxd.query('CREATE DATABASE "rp_named"');
    await influxd.query(
      'CREATE RETENTION POLICY "mine" ON "rp_named" DURATION 1000d REPLICATION 1',
    );
    const store = new InfluxStore(base('rp_named/mine'));
    await store.start();
    try {
      const data = Array.from({ length: 200 }, (_, s) =>
        reading('n', s, Date.now() - H + s * 1000),
      );
      await store.write(data);
      await store.flush();
      expect(await store.seqs('n')).toHaveLength(200);
      const p = await policies(influxd, 'rp_named');
      expect(p.mine).toEqual({ duration: '24000h0m0s', default: false });
      expect(p.autogen?.duration).toBe('0s');
      expect(store.layout?.retention.rawMs).toBe(1000 * D);
      const count = (await influxd.query(
        'SELECT count("seq") FROM "rp_named"."mine"."vehicle_speed"',
      )) as Answer;
      expect(count.results[0]?.series?.[0]?.values[0]?.[1]).toBe(200);
      const h = await store.history({
        deviceId: 'n',
        from: Date.now() - 2 * H,
        to: Date.now(),
        maxPoints: 5,
        now: Date.now(),
      });
      expect(h.points.reduce((n, x) => n + x.count, 0)).toBe(200);
    } finally {
      await store.stop();
    }
  });
});

describe('retention policies with auth: users without admin rights', () => {
  const influxd = new InfluxdProcess({ dir: tempDir('influxd-rp-auth-'), authEnabled: true });
  const ADMIN = 'admin:adm1n-secret';
  const RW = 'collector_rw:rw-secret';
  const W = 'collector_w:w-secret';
  beforeAll(async () => {
    await influxd.start();
    await influxd.createAdmin('admin', 'adm1n-secret');
    await influxd.query('CREATE DATABASE "rights"', undefined, ADMIN);
    for (const [cred, grant] of [
      [RW, 'ALL'],
      [W, 'WRITE'],
    ] as const) {
      const [user, password] = cred.split(':');
      await influxd.query(`CREATE USER "${user}" WITH PASSWORD '${password}'`, undefined, ADMIN);
      await influxd.query(`GRANT ${grant} ON "rights" TO "${user}"`, undefined, ADMIN);
    }
  });
  afterAll(() => influxd.stop());
  const opts = (token: string, log: pino.Logger): InfluxStoreOptions => ({
    url: influxd.url,
    token,
    org: 'my-org',
    bucket: 'rights',
    api: 'auto',
    retention: RETENTION,
    log,
  });
  const data = Array.from({ length: 300 }, (_, s) =>
    reading('r', s, Date.now() - 2 * H + s * 1000),
  );

  it('READ+WRITE without admin: warns with the statements, keeps coverage beside the raw points; after an admin ran them, tiers', async () => {
    const { log, lines } = capture();
    const store = new InfluxStore(opts(RW, log));
    await store.start();
    expect(store.layout?.mode).toBe('flat');
    const warning = lines.find((l) => l.msg.includes('may not create retention policies'));
    expect(warning?.statements).toEqual([
      'CREATE RETENTION POLICY "rollup_1m" ON "rights" DURATION 9600h REPLICATION 1',
      'CREATE RETENTION POLICY "rollup_1h" ON "rights" DURATION INF REPLICATION 1',
      'CREATE RETENTION POLICY "coverage" ON "rights" DURATION INF REPLICATION 1',
      'ALTER RETENTION POLICY "autogen" ON "rights" DURATION 720h SHARD DURATION 1d',
    ]);
    await store.write(data.slice(0, 200));
    await store.stop();
    const again = new InfluxStore(opts(RW, capture().log));
    await again.start();
    expect(await again.coverage()).toEqual([
      { deviceId: 'r', watermark: 199, highest: 199, missing: 0 },
    ]);
    expect(await again.write(data.slice(150, 300))).toMatchObject({ stored: 100, duplicates: 50 });
    await again.stop();

    // The admin runs what the warning listed; the next start is tiered and rolls up what is there.
    for (const statement of warning?.statements ?? []) {
      await influxd.query(statement, undefined, ADMIN);
    }
    const tiered = new InfluxStore(opts(RW, capture().log));
    await tiered.start();
    try {
      expect(tiered.layout?.mode).toBe('tiered');
      expect(await tiered.coverage()).toEqual([
        { deviceId: 'r', watermark: 299, highest: 299, missing: 0 },
      ]);
      const h = await tiered.history({
        deviceId: 'r',
        from: Date.now() - 3 * H,
        to: Date.now(),
        maxPoints: 3,
        now: Date.now(),
      });
      expect(h.points.reduce((n, x) => n + x.count, 0)).toBe(300);
      const rolled = (await influxd.query(
        'SELECT sum("count") FROM "rights"."rollup_1h"."vehicle_speed_1h"',
        undefined,
        ADMIN,
      )) as Answer;
      expect(rolled.results[0]?.series?.[0]?.values[0]?.[1]).toBe(300);
    } finally {
      await tiered.stop();
    }
  });

  it('WRITE only: raw points only (no read back, no checkpoints, no rollups), writes still work', async () => {
    const store = new InfluxStore(opts(W, capture().log));
    await store.start();
    try {
      expect(store.layout?.mode).toBe('blind');
      await expect(store.coverage()).rejects.toThrow(/403|not authorized/);
      expect(await store.write([reading('w', 0, Date.now() - H)])).toMatchObject({ stored: 1 });
    } finally {
      await store.stop();
    }
  });
});
