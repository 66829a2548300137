// GET /metrics on the dashboard: Prometheus text, listed in the OpenAPI document, public, outside the API rate limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkMetrics } from '../../harness/prometheus.js';
import { removeTempDirs } from '../helpers/tmp.js';
import { getJson } from './helpers.js';
import { type RouteFixture, startRouteFixture } from './route-fixture.js';

let fixture: RouteFixture;
const LIMIT = 3;

beforeAll(async () => {
  fixture = await startRouteFixture({ DASHBOARD_RATE_LIMIT_PER_MIN: String(LIMIT) });
});

afterAll(async () => {
  await fixture?.stop();
  removeTempDirs();
});

describe('GET /metrics', () => {
  it("serves the dashboard's metrics in Prometheus' text format (promtool-clean)", async () => {
    const res = await fetch(`${fixture.base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const text = await res.text();
    // The store's three vehicles, seeded at start-up; at the fixed clock vehicle_01 is silent.
    expect(text).toContain('telemetry_fleet_vehicles{status="online"} 2');
    expect(text).toContain('telemetry_fleet_vehicles{status="offline"} 1');
    // Latest speeds of the online ones: vehicle_02 42.5, vehicle_03 (86399 % 120) + 0.25 = 119.25.
    expect(text).toContain('telemetry_fleet_speed_max_kmh 119.25');
    expect(text).toContain('telemetry_fleet_speed_mean_kmh 80.875');
    expect(text).toContain('telemetry_dashboard_store_available 1');
    expect(text).toContain('telemetry_dashboard_broker_connected 1');
    expect(text).toContain('telemetry_dashboard_socket_clients 0');
    expect(checkMetrics(text)).toEqual({ ok: true, output: '' });
    const head = await fetch(`${fixture.base}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it('is listed in the OpenAPI document, as text/plain', async () => {
    const doc = await getJson(fixture.base, '/api/openapi.json');
    expect(doc.status).toBe(200);
    const paths = (doc.body as { paths: Record<string, Record<string, unknown>> }).paths;
    expect(paths['/metrics']?.get).toMatchObject({
      operationId: 'get_metrics',
      tags: ['metrics'],
      responses: {
        200: { content: { 'text/plain; version=0.0.4': { schema: { type: 'string' } } } },
        400: { content: { 'application/json': expect.any(Object) } },
      },
    });
  });

  it('is a read: no token needed, anything else refused like every route', async () => {
    const post = await fetch(`${fixture.base}/metrics`, { method: 'POST' });
    expect(post.status).toBe(403);
    expect(await post.json()).toEqual({
      error: 'forbidden',
      message: expect.any(String),
    });
    const bad = await fetch(`${fixture.base}/metrics?<script>=1`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({
      error: 'invalid_parameter',
      message: expect.stringMatching(/^unknown parameter: /),
    });
  });

  it('is outside the per-address API rate limit: a scraper never meets a 429', async () => {
    for (let i = 0; i < LIMIT * 4; i++) {
      expect((await fetch(`${fixture.base}/metrics`)).status).toBe(200);
    }
    const statuses: number[] = [];
    for (let i = 0; i <= LIMIT; i++) {
      statuses.push((await fetch(`${fixture.base}/api/devices/status`)).status);
    }
    expect(statuses.at(-1)).toBe(429);
    expect((await fetch(`${fixture.base}/metrics`)).status).toBe(200);
  });
});
