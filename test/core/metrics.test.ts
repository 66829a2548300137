// core/metrics: registries per program, values read at scrape time, the cheap histogram (same text as
// prom-client's), the /metrics server.
import { createServer } from 'node:net';
import { Histogram, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/log.js';
import { CountingHistogram } from '../../core/metrics/counting-histogram.js';
import { MetricsServer } from '../../core/metrics/metrics-server.js';
import {
  counterFrom,
  gaugeFrom,
  labelledCounterFrom,
  labelledGaugeFrom,
  oncePerScrape,
} from '../../core/metrics/read-at-scrape.js';
import { createMetricsRegistry } from '../../core/metrics/registry.js';
import { checkMetrics } from '../../harness/prometheus.js';

const servers: MetricsServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

describe('createMetricsRegistry', () => {
  it("gives each program its own registry with Node's process metrics, nothing on prom-client's global one", async () => {
    const a = createMetricsRegistry();
    const b = createMetricsRegistry();
    gaugeFrom(a, { name: 'telemetry_test_only_in_a', help: 'a' }, () => 1);
    const textA = await a.metrics();
    const textB = await b.metrics();
    expect(textA).toContain('telemetry_test_only_in_a 1');
    expect(textB).not.toContain('telemetry_test_only_in_a');
    for (const text of [textA, textB]) {
      expect(text).toMatch(/^process_cpu_seconds_total /m);
      expect(text).toMatch(/^process_resident_memory_bytes /m);
      expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds /m);
      // prom-client's gauges named like counters are gone; their per-type twins stay.
      expect(text).not.toMatch(/^nodejs_active_handles_total /m);
      expect(text).toMatch(/^# TYPE nodejs_active_handles gauge$/m);
    }
    const { register } = await import('prom-client');
    expect(register.getMetricsAsArray()).toEqual([]);
    expect(checkMetrics(textA)).toEqual({ ok: true, output: '' });
  });
});

describe('metrics read at scrape time', () => {
  it('counters and gauges show the value their source holds when scraped, labels per key', async () => {
    const registry = new Registry();
    let total = 5;
    const reasons: Record<string, number> = { invalid_json: 2, too_large: 0 };
    counterFrom(registry, { name: 'telemetry_test_things_total', help: 'things' }, () => total);
    labelledCounterFrom(
      registry,
      { name: 'telemetry_test_rejected_total', help: 'by reason', label: 'reason' },
      () => reasons,
    );
    gaugeFrom(registry, { name: 'telemetry_test_depth', help: 'depth' }, () => total * 2);
    labelledGaugeFrom(
      registry,
      { name: 'telemetry_test_vehicles', help: 'by status', label: 'status' },
      () => ({ online: 3, offline: 1 }),
    );
    let text = await registry.metrics();
    expect(text).toContain('telemetry_test_things_total 5');
    expect(text).toContain('telemetry_test_rejected_total{reason="invalid_json"} 2');
    expect(text).toContain('telemetry_test_rejected_total{reason="too_large"} 0');
    expect(text).toContain('telemetry_test_depth 10');
    expect(text).toContain('telemetry_test_vehicles{status="online"} 3');
    total = 9;
    reasons.invalid_json = 4;
    text = await registry.metrics();
    expect(text).toContain('telemetry_test_things_total 9');
    expect(text).toContain('telemetry_test_rejected_total{reason="invalid_json"} 4');
    expect(text).toContain('telemetry_test_depth 18');
    expect(checkMetrics(text)).toEqual({ ok: true, output: '' });
  });

  it('oncePerScrape: one read for every metric of a scrape, a new read for the very next scrape', async () => {
    const registry = new Registry();
    let reads = 0;
    let depth = 2;
    const read = oncePerScrape(() => {
      reads += 1;
      return { depth, total: depth * 10 };
    });
    gaugeFrom(registry, { name: 'telemetry_test_depth', help: 'depth' }, () => read().depth);
    counterFrom(registry, { name: 'telemetry_test_total', help: 'total' }, () => read().total);
    expect(await registry.metrics()).toContain('telemetry_test_depth 2');
    depth = 0;
    const text = await registry.metrics();
    expect(text).toContain('telemetry_test_depth 0');
    expect(text).toContain('telemetry_test_total 0');
    expect(reads).toBe(2);
  });
});

describe('CountingHistogram', () => {
  it("exports exactly what prom-client's Histogram exports for the same observations", async () => {
    const buckets = [0.005, 0.01, 0.1, 1, 10];
    const values = [0, 0.004, 0.005, 0.0051, 0.05, 0.5, 0.99, 1, 3, 10, 11, 1e6, -1];
    const ours = new Registry();
    const theirs = new Registry();
    const h = new CountingHistogram('telemetry_test_seconds', 'help text', buckets).register(ours);
    const reference = new Histogram({
      name: 'telemetry_test_seconds',
      help: 'help text',
      buckets,
      registers: [theirs],
    });
    for (const v of values) {
      h.observe(v);
      reference.observe(v);
    }
    const text = await ours.metrics();
    expect(text).toBe(await theirs.metrics());
    expect(text).toContain('telemetry_test_seconds_bucket{le="+Inf"} 13');
    expect(checkMetrics(text)).toEqual({ ok: true, output: '' });
    // Not a number: ignored rather than poisoning the sum.
    h.observe(Number.NaN);
    expect(await ours.metrics()).toContain('telemetry_test_seconds_count 13');
    ours.resetMetrics();
    expect(await ours.metrics()).toContain('telemetry_test_seconds_count 0');
  });
});

describe('MetricsServer', () => {
  async function started(registry: Registry): Promise<string> {
    const server = new MetricsServer(
      { host: '127.0.0.1', port: 0 },
      { registry, log: silentLogger() },
    );
    servers.push(server);
    await server.start();
    return `http://127.0.0.1:${server.port}`;
  }

  it('serves GET and HEAD /metrics in the text format; 404 elsewhere, 405 for other methods', async () => {
    const registry = new Registry();
    gaugeFrom(registry, { name: 'telemetry_test_up', help: 'up' }, () => 1);
    const base = await started(registry);
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await res.text()).toContain('telemetry_test_up 1');
    expect((await fetch(`${base}/metrics?x=1`)).status).toBe(200);
    const head = await fetch(`${base}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await fetch(`${base}/metrics`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    for (const path of ['/', '/metric', `/${'<script>'.repeat(600)}`, '/../etc/passwd']) {
      const other = await fetch(`${base}${path}`);
      expect(other.status, path).toBe(404);
      expect(await other.text()).not.toContain('<script>');
    }
  });

  it('a failing collect answers 500 without details; stop() twice is fine', async () => {
    const registry = new Registry();
    gaugeFrom(registry, { name: 'telemetry_test_broken', help: 'broken' }, () => {
      throw new Error('secret detail');
    });
    const base = await started(registry);
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('metrics collection failed\n');
    const server = servers[0] as MetricsServer;
    await server.stop();
    await server.stop();
  });

  it('a port already taken fails start() with the error', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    const server = new MetricsServer(
      { host: '127.0.0.1', port },
      { registry: new Registry(), log: silentLogger() },
    );
    await expect(server.start()).rejects.toThrow(/EADDRINUSE/);
    await server.stop();
    blocker.close();
  });
});
