// A real Prometheus scrapes the real programs (mosquitto, collector, run-devices, dashboard as their
// npm scripts run them) and answers PromQL: ingest rate, a hostile burst's rejects by reason, lag
// quantiles, every Grafana panel; promtool checks each program's /metrics text.
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { freePort, waitForPort } from '../../harness/ports.js';
import { ProgramProcess } from '../../harness/program.js';
import { checkMetrics, PrometheusProcess } from '../../harness/prometheus.js';
import { waitFor } from '../../harness/wait.js';
import { asPromql, panelQueries } from '../docker/grafana-dashboard.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const dir = tempDir('prometheus-');
const broker = new MosquittoProcess({ dir: join(dir, 'mosquitto'), maxInflight: 100 });
const DEVICES = 4;
const programs: ProgramProcess[] = [];
const ports = { collector: 0, devices: 0, dashboard: 0 };
let prometheus: PrometheusProcess;

/** The hostile burst: how many messages of each reject reason the collector must count. */
const BURST: Record<string, Array<{ topic: string; payload: string }>> = {
  invalid_json: Array.from({ length: 13 }, (_, i) => ({
    topic: 'vehicles/intruder/speed',
    payload: `{"device_id": "intruder", "seq": ${i},`,
  })),
  out_of_range: Array.from({ length: 7 }, (_, i) => ({
    topic: 'vehicles/intruder/speed',
    payload: JSON.stringify({
      device_id: 'intruder',
      seq: i,
      timestamp: new Date().toISOString(),
      speed: 999,
    }),
  })),
  device_mismatch: Array.from({ length: 5 }, (_, i) => ({
    topic: 'vehicles/intruder/speed',
    payload: JSON.stringify({
      device_id: 'vehicle_01',
      seq: i,
      timestamp: new Date().toISOString(),
      speed: 50,
    }),
  })),
  too_large: Array.from({ length: 3 }, () => ({
    topic: 'vehicles/intruder/speed',
    payload: `"${'<script>alert(1)</script>'.repeat(200)}"`,
  })),
  unknown_topic: Array.from({ length: 2 }, () => ({
    topic: 'vehicles/intruder/"quoted"',
    payload: '{}',
  })),
};

function env(extra: Record<string, string>): Record<string, string> {
  return {
    MQTT_BROKER_HOST: '127.0.0.1',
    MQTT_BROKER_PORT: String(broker.port),
    SQLITE_PATH: join(dir, 'telemetry.db'),
    COLLECTOR_STATE_PATH: join(dir, 'collector-state.db'),
    DASHBOARD_STATE_PATH: join(dir, 'dashboard-state.db'),
    QUEUE_DIR: join(dir, 'queues'),
    METRICS_HOST: '127.0.0.1',
    ...extra,
  };
}

function start(program: ProgramProcess): ProgramProcess {
  programs.push(program);
  program.start();
  return program;
}

async function metricsText(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

/** One number from an instant query that must return exactly one sample. */
async function scalar(promql: string): Promise<number> {
  const samples = await prometheus.query(promql);
  if (samples.length !== 1) throw new Error(`${promql}: ${samples.length} samples`);
  return (samples[0] as { value: number }).value;
}

beforeAll(async () => {
  await broker.start();
  ports.collector = await freePort();
  ports.devices = await freePort();
  ports.dashboard = await freePort();
  start(
    ProgramProcess.fromNpmScript('collector', [], env({ METRICS_PORT: String(ports.collector) })),
  );
  await waitForPort(ports.collector, 20_000);
  start(
    ProgramProcess.fromNpmScript(
      'dashboard',
      [],
      env({ DASHBOARD_HOST: '127.0.0.1', DASHBOARD_PORT: String(ports.dashboard) }),
    ),
  );
  start(
    ProgramProcess.fromNpmScript(
      'devices',
      ['--count', String(DEVICES), '--interval', '50', '--quiet'],
      env({ METRICS_PORT: String(ports.devices) }),
    ),
  );
  await waitForPort(ports.devices, 20_000);
  await waitForPort(ports.dashboard, 30_000);
  prometheus = new PrometheusProcess({
    dir: join(dir, 'prometheus'),
    targets: [
      { job: 'collector', port: ports.collector },
      { job: 'devices', port: ports.devices },
      { job: 'dashboard', port: ports.dashboard },
    ],
  });
  await prometheus.start();
}, 90_000);

afterAll(async () => {
  await prometheus?.stop();
  for (const p of programs.reverse()) await p.kill('SIGTERM');
  await broker.stop();
  removeTempDirs();
});

describe('Prometheus scraping the programs', () => {
  it('every /metrics text passes `promtool check metrics` (format and naming)', async () => {
    for (const [name, port] of Object.entries(ports)) {
      const text = await metricsText(port);
      const check = checkMetrics(text);
      expect(check.output, name).toBe('');
      expect(check.ok, name).toBe(true);
      // No series per vehicle: no label carries a device id.
      expect(text, name).not.toMatch(/vehicle_0\d/);
    }
  });

  it('scrapes all three, and the ingest rate is above zero', async () => {
    await waitFor(
      () => prometheus.targets(),
      (t) => t.collector === 'up' && t.devices === 'up' && t.dashboard === 'up',
      { what: 'every target up', timeoutMs: 20_000 },
    );
    const query = 'sum(rate(telemetry_collector_readings_stored_total[10s]))';
    const rate = await waitFor(
      () => prometheus.query(query),
      (s) => s.length === 1 && (s[0]?.value ?? 0) > 0,
      { what: query, timeoutMs: 30_000, intervalMs: 500 },
    );
    console.info(`PromQL ${query} -> ${rate[0]?.value}`);
    expect(await scalar('sum(telemetry_devices_connected)')).toBe(DEVICES);
    const online = 'sum(telemetry_fleet_vehicles{status="online"})';
    await waitFor(
      () => scalar(online),
      (n) => n === DEVICES,
      { what: online, intervalMs: 500 },
    );
  });

  it('counts a hostile burst under its reasons', async () => {
    const attacker = await mqtt.connectAsync({
      host: '127.0.0.1',
      port: broker.port,
      clientId: 'intruder',
    });
    const sent: Record<string, number> = {};
    for (const [reason, messages] of Object.entries(BURST)) {
      for (const m of messages) await attacker.publishAsync(m.topic, m.payload, { qos: 1 });
      sent[reason] = messages.length;
    }
    await attacker.endAsync();
    const query = 'sum by (reason) (telemetry_collector_messages_rejected_total) > 0';
    const counted = await waitFor(
      async () =>
        Object.fromEntries((await prometheus.query(query)).map((s) => [s.metric.reason, s.value])),
      (c) =>
        JSON.stringify(Object.entries(c).sort()) === JSON.stringify(Object.entries(sent).sort()),
      { what: 'the burst counted by reason', timeoutMs: 20_000, intervalMs: 500 },
    );
    console.info(`PromQL ${query} -> ${JSON.stringify(counted)}`);
    expect(counted).toEqual(sent);
    // The dashboard's live feed sees the speed topics too, and refuses the same garbage.
    const live = 'sum(telemetry_dashboard_live_rejected_total) > 0';
    await waitFor(
      () => prometheus.query(live),
      (s) => s.length === 1,
      { what: live, intervalMs: 500 },
    );
  });

  it('has end-to-end lag quantiles, and store write latency', async () => {
    const lags: number[] = [];
    for (const q of [0.5, 0.99]) {
      const query = `histogram_quantile(${q}, sum by (le) (rate(telemetry_collector_ingest_lag_seconds_bucket[10s])))`;
      const lag = await scalar(query);
      console.info(`PromQL ${query} -> ${lag}`);
      expect(Number.isFinite(lag)).toBe(true);
      expect(lag).toBeGreaterThanOrEqual(0);
      lags.push(lag);
    }
    expect(lags[1]).toBeGreaterThanOrEqual(lags[0] ?? 0);
    const write = await scalar(
      'histogram_quantile(0.99, sum by (le) (rate(telemetry_collector_store_write_duration_seconds_bucket[10s])))',
    );
    expect(Number.isFinite(write)).toBe(true);
    const processes = await prometheus.query('process_resident_memory_bytes');
    expect(processes.map((s) => s.metric.job).sort()).toEqual([
      'collector',
      'dashboard',
      'devices',
    ]);
  });

  it("answers every Grafana panel's PromQL with data", async () => {
    const empty: string[] = [];
    for (const { panel, expr } of panelQueries()) {
      // A query Prometheus refuses throws here, naming it.
      const samples = await prometheus.query(asPromql(expr));
      if (samples.length === 0) empty.push(`${panel}: ${expr}`);
    }
    expect(empty).toEqual([]);
  });
});
