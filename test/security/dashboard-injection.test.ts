// Hostile strings and injection attempts in every path and query parameter of every route, on a real SQLite store: 400/404, store unchanged.
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson } from '../dashboard/helpers.js';
import { type RouteFixture, startRouteFixture } from '../dashboard/route-fixture.js';
import { removeTempDirs } from '../helpers/tmp.js';
import { ATTACK_BUDGET, attackShapes, attackSlot, problemsOf, slots } from './dashboard-hostile.js';
import { send } from './dashboard-http.js';

let fixture: RouteFixture;
let before: StoreSnapshot;

interface StoreSnapshot {
  tables: string[];
  rows: number;
  /** sha256 of every reading and every device row, in order. */
  digest: string;
}

function snapshot(path: string): StoreSnapshot {
  const db = new Database(path, { readonly: true });
  try {
    const tables = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'index', 'trigger', 'view') ORDER BY name",
      )
      .pluck()
      .all() as string[];
    const hash = createHash('sha256');
    let rows = 0;
    for (const row of db.prepare('SELECT * FROM readings ORDER BY device_id, seq').iterate()) {
      hash.update(JSON.stringify(row));
      rows += 1;
    }
    for (const row of db.prepare('SELECT * FROM devices ORDER BY device_id').iterate()) {
      hash.update(JSON.stringify(row));
    }
    return { tables, rows, digest: hash.digest('hex') };
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  fixture = await startRouteFixture({ DASHBOARD_RATE_LIMIT_PER_MIN: String(ATTACK_BUDGET) });
  before = snapshot(fixture.sqlitePath);
});

afterAll(async () => {
  await fixture?.stop();
  removeTempDirs();
});

describe('every hostile value in every parameter answers 400/404 {error, message} and echoes nothing', () => {
  it.each(slots('all').map((s) => [s.what, s] as const))('%s', async (_what, slot) => {
    expect(await attackSlot(fixture.base, slot)).toEqual([]);
  });

  it('repeated parameters, arrays, objects, prototype keys, raw and double escapes', async () => {
    expect(await attackShapes(fixture.base)).toEqual([]);
  });

  it('the page never reflects its query string', async () => {
    const plain = await send(fixture.base, '/');
    for (const q of [
      '?range=%3Cscript%3Ealert(1)%3C%2Fscript%3E',
      '?range=1h%22%3E%3Cimg',
      `?x=${'a'.repeat(10_240)}`,
    ]) {
      const res = await send(fixture.base, `/${q}`);
      expect([res.status, res.text], q).toEqual([200, plain.text]);
    }
  });

  it('the store is unchanged, and still answers the same as before the attack', async () => {
    const after = snapshot(fixture.sqlitePath);
    expect(after).toEqual(before);
    expect(after.rows).toBeGreaterThan(86_000);
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect((await getJson(fixture.base, '/api/devices/vehicle_01/latest')).body).toEqual({
      device_id: 'vehicle_01',
      speed: 50,
      timestamp: '2026-01-01T00:09:03.500Z',
      seq: 4,
      signals: { speed: { value: 50, timestamp: '2026-01-01T00:09:03.500Z' } },
      position: null,
    });
    expect(
      Object.keys((await getJson(fixture.base, '/api/devices/status')).body as object),
    ).toEqual(['vehicle_01', 'vehicle_02', 'vehicle_03']);
  });
});

describe('the checks above would see a failure', () => {
  const res = (status: number, body: unknown) => ({
    status,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    text: JSON.stringify(body),
    json: body,
  });

  it('a 200, a 500, an extra key, a stack, an echoed value are each reported', () => {
    const ok = { error: 'invalid_parameter', message: 'bad' };
    expect(problemsOf('/p', undefined, res(400, ok))).toEqual([]);
    expect(problemsOf('/p', undefined, res(200, ok))).toEqual(['/p: status 200']);
    expect(problemsOf('/p', undefined, res(500, ok))).toEqual(['/p: status 500']);
    expect(problemsOf('/p', undefined, res(400, { ...ok, detail: 1 }))).toHaveLength(1);
    expect(
      problemsOf('/p', undefined, res(400, { ...ok, message: 'at f (/work/x.ts:1:2)' })),
    ).toHaveLength(1);
    expect(problemsOf('/p', '<b>', res(400, { ...ok, message: 'got <b>' }))).toEqual([
      '/p: message has unsafe characters: got <b>; value echoed',
    ]);
  });
});
