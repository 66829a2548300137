// Every class of bad route input answers 400/404 {error, message}, never a stack trace (real store, real broker).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../helpers/tmp.js';
import { getJson } from './helpers.js';
import { type RouteFixture, startRouteFixture } from './route-fixture.js';

let fixture: RouteFixture;

beforeAll(async () => {
  fixture = await startRouteFixture();
});

afterAll(async () => {
  await fixture?.stop();
  removeTempDirs();
});

const get = (path: string) => getJson(fixture.base, path);

describe('bad input answers 400/404 {error, message}, never a stack trace', () => {
  const bad = (message: string) => ({ error: 'invalid_parameter', message });
  const cases: Array<[string, number, unknown]> = [
    // duration format
    ['duration=abc', 400, bad('duration must look like 30s, 5m, 1h or 7d')],
    ['duration=5', 400, bad('duration must look like 30s, 5m, 1h or 7d')],
    ['duration=m5', 400, bad('duration must look like 30s, 5m, 1h or 7d')],
    ['duration=5M', 400, bad('duration must look like 30s, 5m, 1h or 7d')],
    ['duration=5%20m', 400, bad('duration must look like 30s, 5m, 1h or 7d')],
    ['duration=-5m', 400, bad('duration must look like 30s, 5m, 1h or 7d')],
    ['duration=1.5h', 400, bad('duration must look like 30s, 5m, 1h or 7d')],
    ['duration=2w', 400, bad('duration must look like 30s, 5m, 1h or 7d')],
    ['duration=', 400, bad('duration must look like 30s, 5m, 1h or 7d')],
    // duration value
    ['duration=0s', 400, bad('duration must be greater than 0')],
    ['duration=401d', 400, bad('duration must be at most 400d')],
    ['duration=9601h', 400, bad('duration must be at most 400d')],
    ['duration=34560001s', 400, bad('duration must be at most 400d')],
    ['duration=99999999999999999999d', 400, bad('duration must be at most 400d')],
    // points
    ['points=1', 400, bad('points must be an integer from 2 to 10000')],
    ['points=0', 400, bad('points must be an integer from 2 to 10000')],
    ['points=10001', 400, bad('points must be an integer from 2 to 10000')],
    ['points=1.5', 400, bad('points must be an integer from 2 to 10000')],
    ['points=-5', 400, bad('points must be an integer from 2 to 10000')],
    ['points=1e3', 400, bad('points must be an integer from 2 to 10000')],
    ['points=abc', 400, bad('points must be an integer from 2 to 10000')],
    // from / to
    ['from=yesterday', 400, bad('from must be an ISO 8601 date-time with Z or an offset')],
    [
      'from=2026-13-01T00:00:00Z',
      400,
      bad('from must be an ISO 8601 date-time with Z or an offset'),
    ],
    [
      'from=2026-02-30T00:00:00Z',
      400,
      bad('from must be an ISO 8601 date-time with Z or an offset'),
    ],
    ['to=2026-01-01', 400, bad('to must be an ISO 8601 date-time with Z or an offset')],
    ['to=2026-01-01T00:00:00', 400, bad('to must be an ISO 8601 date-time with Z or an offset')],
    ['from=2026-01-01T00:09:00Z&to=2026-01-01T00:08:00Z', 400, bad('from must not be after to')],
    [
      'from=2025-01-01T00:00:00Z&to=2026-02-06T00:00:00Z',
      400,
      bad('from..to must span at most 400d'),
    ],
    [
      'from=2026-01-01T00:00:00Z&to=2026-01-01T00:01:00Z&duration=1m',
      400,
      bad('give at most two of from, to and duration'),
    ],
    // shape of the query
    ['duration=5m&duration=1h', 400, bad('duration must appear once; given more than once')],
    ['durations=5m', 400, bad('unknown parameter: durations')],
    // several problems at once are all reported
    [
      'duration=5x&points=1',
      400,
      bad('duration must look like 30s, 5m, 1h or 7d; points must be an integer from 2 to 10000'),
    ],
  ];

  it.each(cases)('history?%s → %i', async (query, status, body) => {
    expect(await get(`/api/devices/vehicle_01/history?${query}`)).toEqual({
      status,
      body,
      contentType: 'application/json; charset=utf-8',
    });
  });

  const badId = {
    error: 'invalid_parameter',
    message: 'device id must match ^[A-Za-z0-9_-]{1,64}$',
  };
  const ids: Array<[string, number, unknown]> = [
    [encodeURIComponent('<script>alert(1)</script>'), 400, badId],
    [encodeURIComponent('"><img src=x onerror=alert(1)>'), 400, badId],
    ['a'.repeat(65), 400, badId],
    ['bad.id', 400, badId],
    ['a%20b', 400, badId],
    ['..%2F..%2Fetc', 400, badId],
    ['%E0%A4%A', 400, { error: 'bad_request', message: 'malformed request' }],
    [
      'vehicle_99',
      404,
      { error: 'not_found', message: 'no readings stored for device vehicle_99' },
    ],
  ];

  it.each(ids)('latest of device %s → %i', async (id, status, body) => {
    expect(await get(`/api/devices/${id}/latest`)).toMatchObject({ status, body });
  });

  it.each(ids)(
    'history of device %s → 400, or 404 for an unknown device',
    async (id, status, body) => {
      const expected =
        status === 404 ? { error: 'not_found', message: 'unknown device vehicle_99' } : body;
      expect(await get(`/api/devices/${id}/history?duration=5m`)).toMatchObject({
        status,
        body: expected,
      });
    },
  );

  it('unknown API routes answer a JSON 404', async () => {
    expect(await get('/api/nope')).toMatchObject({
      status: 404,
      body: { error: 'not_found', message: 'no route GET /api/nope' },
    });
  });

  it('no error body carries more than {error, message}, or anything like a stack', async () => {
    const paths = [
      ...cases.map(([q]) => `/api/devices/vehicle_01/history?${q}`),
      ...ids.map(([id]) => `/api/devices/${id}/latest`),
    ];
    for (const path of paths) {
      const { body } = await get(path);
      expect(Object.keys(body as object).sort(), path).toEqual(['error', 'message']);
      expect(JSON.stringify(body), path).not.toMatch(/\bat \S+:\d+|node_modules|\/work\/|Error:/);
    }
  });
});
