// The shared store suite against a real influxd 1.6.7 (v1 /write path), plus InfluxDB-specific behaviour.
import { setLogger } from '@influxdata/influxdb-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../../core/contract.js';
import { InfluxStore, type InfluxStoreOptions } from '../../../core/store/influx-store.js';
import { InfluxdProcess } from '../../../harness/influxd.js';
import { removeTempDirs, tempDir } from '../../helpers/tmp.js';
import { readingsSuite } from './readings-suite.js';
import { storeSuite } from './store-suite.js';
import { telemetrySuite } from './telemetry-suite.js';

const influxd = new InfluxdProcess({ dir: tempDir('influxd-') });
let databases = 0;
// The official client logs each failed write to the console; the failures asserted here are expected.
setLogger({ error: () => {}, warn: () => {} });

beforeAll(() => influxd.start());
afterAll(async () => {
  await influxd.stop();
  removeTempDirs();
});

function options(overrides: Partial<InfluxStoreOptions> = {}): InfluxStoreOptions {
  databases += 1;
  return {
    url: influxd.url,
    token: undefined,
    org: 'my-org',
    bucket: `telemetry_${databases}`,
    api: 'auto',
    timeoutMs: 2000,
    ...overrides,
  };
}

function reading(deviceId: string, seq: number): Reading {
  const timestamp = new Date(Date.UTC(2026, 10, 24, 9) + seq * 100).toISOString();
  return { device_id: deviceId, seq, timestamp, values: { speed: seq / 4 } };
}

storeSuite('influxdb 1.6.7', async () => ({
  store: new InfluxStore(options()),
  cleanup: async () => {},
}));

readingsSuite('influxdb 1.6.7', async () => ({
  store: new InfluxStore(options()),
  cleanup: async () => {},
}));

// Rollups follow the writes on a timer (every second): `settle` writes them now.
telemetrySuite('influxdb 1.6.7', async () => {
  const store = new InfluxStore(options());
  return { store, settle: () => store.flush(), cleanup: async () => {} };
});

describe('InfluxStore on influxd 1.6.7', () => {
  it('detects 1.6 from /ping, picks the 1.x /write path and creates the missing database', async () => {
    const opts = options();
    const store = new InfluxStore(opts);
    await store.start();
    try {
      expect(store.server).toMatchObject({ major: 1, writeApi: 'v1' });
      expect(store.server?.version).toMatch(/^1\.6\.7/);
      const shown = JSON.stringify(await influxd.query('SHOW DATABASES'));
      expect(shown).toContain(`"${opts.bucket}"`);
      await store.write([reading('a', 0), reading('a', 1)]);
      expect(await store.seqs('a')).toEqual([0, 1]);
    } finally {
      await store.stop();
    }
    // A second start finds the database (and its data) in place.
    const again = new InfluxStore({ ...opts });
    await again.start();
    expect(await again.seqs('a')).toEqual([0, 1]);
    await again.stop();
  });

  it('stores the schema: measurement vehicle_speed, tag device_id, float speed, integer seq, ms time', async () => {
    const opts = options();
    const store = new InfluxStore(opts);
    await store.start();
    await store.write([
      { device_id: 'v_1', seq: 9, timestamp: '2026-11-24T09:00:00.123Z', values: { speed: 70 } },
    ]);
    await store.stop();
    const fields = JSON.stringify(await influxd.query('SHOW FIELD KEYS', opts.bucket));
    expect(fields).toContain('["seq","integer"]');
    expect(fields).toContain('["speed","float"]');
    const tags = JSON.stringify(await influxd.query('SHOW TAG KEYS', opts.bucket));
    expect(tags).toContain('"vehicle_speed"');
    expect(tags).toContain('["device_id"]');
    const rows = JSON.stringify(await influxd.query('SELECT * FROM vehicle_speed', opts.bucket));
    expect(rows).toContain(`[${Date.parse('2026-11-24T09:00:00.123Z')},"v_1",9,70]`);
  });

  it('writes 12,000 readings in one call (more than one request) and reads every seq back', async () => {
    const store = new InfluxStore(options());
    await store.start();
    try {
      const batch = Array.from({ length: 12_000 }, (_, s) => reading('big', s));
      expect(await store.write(batch)).toMatchObject({ stored: 12_000, duplicates: 0 });
      const seqs = await store.seqs('big');
      expect(seqs.length).toBe(12_000);
      expect(seqs.every((s, i) => s === i)).toBe(true);
    } finally {
      await store.stop();
    }
  });

  it('rejects a write while influxd is down and stores it after the restart', async () => {
    const store = new InfluxStore(options());
    await store.start();
    try {
      await store.write([reading('outage', 0)]);
      await influxd.stop();
      await expect(store.write([reading('outage', 1)])).rejects.toThrow();
      expect(await store.ping()).toBe(false);
      await influxd.start();
      expect(await store.ping()).toBe(true);
      await store.write([reading('outage', 1)]);
      expect(await store.seqs('outage')).toEqual([0, 1]);
    } finally {
      await store.stop();
    }
  });

  it('INFLUXDB_API=v2 against 1.6.7 (no /api/v2/write): the official client write rejects', async () => {
    const store = new InfluxStore(options({ api: 'v2' }));
    await store.start();
    try {
      expect(store.server).toMatchObject({ major: 1, writeApi: 'v2' });
      await expect(store.write([reading('v2', 0)])).rejects.toThrow(/404/);
      expect(await store.seqs('v2')).toEqual([]);
    } finally {
      await store.stop();
    }
  });

  it('reads a bucket "db/rp" as database and retention policy, for writes and reads', async () => {
    const database = `rp_${databases}`;
    await influxd.query(`CREATE DATABASE "${database}"`);
    await influxd.query(
      `CREATE RETENTION POLICY "short" ON "${database}" DURATION 1000d REPLICATION 1`,
    );
    const store = new InfluxStore(options({ bucket: `${database}/short` }));
    await store.start();
    try {
      await store.write([reading('rp', 0), reading('rp', 1)]);
      expect(await store.seqs('rp')).toEqual([0, 1]);
      const count = (rp: string) =>
        influxd
          .query(`SELECT count("seq") FROM "${database}"."${rp}"."vehicle_speed"`)
          .then((r) => JSON.stringify(r));
      expect(await count('short')).toContain('[0,2]');
      expect(await count('autogen')).not.toContain('[0,2]');
    } finally {
      await store.stop();
    }
  });

  it('fails to start with a clear error when nothing answers /ping', async () => {
    const store = new InfluxStore(options({ url: 'http://127.0.0.1:1' }));
    await expect(store.start()).rejects.toThrow(/did not answer \/ping/);
  });
});

describe('InfluxStore on influxd 1.6.7 with auth enabled', () => {
  const secured = new InfluxdProcess({ dir: tempDir('influxd-auth-'), authEnabled: true });
  beforeAll(async () => {
    await secured.start();
    await secured.createAdmin('admin', 's3cret');
  });
  afterAll(() => secured.stop());

  const base = () => ({ ...options(), url: secured.url });

  it('sends a username:password token as Basic auth: writes and reads work', async () => {
    const store = new InfluxStore({ ...base(), token: 'admin:s3cret' });
    await store.start();
    try {
      await store.write([reading('auth', 0), reading('auth', 1)]);
      expect(await store.seqs('auth')).toEqual([0, 1]);
      expect(await store.latest('auth')).toMatchObject({ seq: 1 });
    } finally {
      await store.stop();
    }
  });

  it('refuses to start without credentials, with a wrong password, or with a bare token', async () => {
    await expect(new InfluxStore(base()).start()).rejects.toThrow(/401/);
    await expect(new InfluxStore({ ...base(), token: 'admin:wrong' }).start()).rejects.toThrow(
      /401/,
    );
    await expect(new InfluxStore({ ...base(), token: 'abcdef' }).start()).rejects.toThrow(
      /username:password/,
    );
  });
});
