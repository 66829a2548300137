// docker/'s Prometheus and Grafana without an engine: promtool accepts prometheus.yml, its targets are
// the compose services' metrics ports, Grafana's provisioning points where compose mounts it, and
// every panel's PromQL names only metrics (and labels) the programs export.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Collector } from '../../collector/collector.js';
import { collectorMetrics, ingestHistograms } from '../../collector/metrics.js';
import { loadConfig } from '../../core/config.js';
import { silentLogger } from '../../core/log.js';
import { createMetricsRegistry } from '../../core/metrics/registry.js';
import { MqttSession } from '../../core/mqtt-session.js';
import { BUILTIN_CATALOG } from '../../core/signals/catalog.js';
import { DeviceBoard } from '../../dashboard/device-board.js';
import { LiveFeed } from '../../dashboard/live.js';
import { dashboardMetrics } from '../../dashboard/metrics.js';
import { statsOf } from '../../devices/fleet.js';
import { fleetMetrics } from '../../devices/metrics.js';
import { checkConfig } from '../../harness/prometheus.js';
import { type ComposeService, DOCKER, loadCompose } from './compose-files.js';
import {
  asPromql,
  DASHBOARD_JSON,
  familyOf,
  grafanaDashboard,
  metricNames,
  panelQueries,
} from './grafana-dashboard.js';

const services = loadCompose().services;
const service = (name: string): ComposeService => {
  const s = services[name];
  if (!s) throw new Error(`no service ${name}`);
  return s;
};
const yamlFile = <T>(path: string): T => parse(readFileSync(join(DOCKER, path), 'utf8')) as T;

/** Host folder (relative to docker/) → container path, for a service's bind mounts. */
function mounts(name: string): Record<string, string> {
  return Object.fromEntries(
    (service(name).volumes ?? []).map((v) => v.split(':').slice(0, 2) as [string, string]),
  );
}

/** Every metric family the three programs export, with its label names: built as they build them. */
async function exportedFamilies(): Promise<Map<string, string[]>> {
  const registry = createMetricsRegistry();
  ingestHistograms(registry);
  const log = silentLogger();
  const session = new MqttSession({ mqtt: loadConfig({}).mqtt, clientId: 'x', clean: true, log });
  // Not started: constructors only assign, and totals() of an idle collector are all zero.
  const idle = new Collector({ store: {} as never, session, log, now: Date.now });
  collectorMetrics(registry, idle);
  fleetMetrics(registry, () => statsOf([]));
  const board = new DeviceBoard(10_000);
  dashboardMetrics(registry, {
    board,
    live: new LiveFeed({ session, board, log, now: Date.now, catalog: BUILTIN_CATALOG }),
    socketClients: () => 0,
    viewClients: () => 0,
    viewsRejected: () => 0,
    storeAvailable: () => true,
    now: Date.now,
  });
  const families = new Map<string, string[]>();
  for (const m of await registry.getMetricsAsJSON()) {
    const labels = new Set<string>();
    for (const v of m.values) for (const l of Object.keys(v.labels)) labels.add(l);
    families.set(m.name, [...labels]);
  }
  // Label names of families that have no sample until something happens.
  families.set('telemetry_collector_messages_rejected_total', ['reason']);
  families.set('telemetry_dashboard_live_rejected_total', ['reason']);
  return families;
}

describe('docker/prometheus/prometheus.yml', () => {
  it('passes `promtool check config`', () => {
    const check = checkConfig(join(DOCKER, 'prometheus/prometheus.yml'));
    expect(check.output).toContain('SUCCESS');
    expect(check.ok).toBe(true);
  });

  it('scrapes the collector and the devices on their METRICS_PORT, the dashboard on its port', () => {
    const config = yamlFile<{
      scrape_configs: Array<{ job_name: string; static_configs: Array<{ targets: string[] }> }>;
    }>('prometheus/prometheus.yml');
    const targets = Object.fromEntries(
      config.scrape_configs.map((c) => [c.job_name, c.static_configs.flatMap((s) => s.targets)]),
    );
    const env = (name: string) => service(name).environment ?? {};
    expect(targets.collector).toEqual([`collector:${env('collector').METRICS_PORT}`]);
    expect(targets.devices).toEqual([`devices:${env('devices').METRICS_PORT}`]);
    expect(targets.dashboard).toEqual([`dashboard:${env('dashboard').DASHBOARD_PORT}`]);
    // Its config file is mounted where the command reads it.
    const prometheus = service('prometheus');
    expect(mounts('prometheus')['./prometheus/prometheus.yml']).toBe(
      '/etc/prometheus/prometheus.yml',
    );
    expect(prometheus.command).toContain('--config.file=/etc/prometheus/prometheus.yml');
    expect(prometheus.healthcheck?.test.join(' ')).toContain('/-/ready');
  });
});

describe('Grafana provisioning', () => {
  const datasources = yamlFile<{
    datasources: Array<{ uid: string; type: string; url: string; isDefault?: boolean }>;
  }>('grafana/provisioning/datasources/prometheus.yml').datasources;

  it('provisions the compose Prometheus as its data source, mounted where Grafana reads provisioning', () => {
    expect(datasources).toEqual([
      expect.objectContaining({
        uid: 'prometheus',
        type: 'prometheus',
        url: 'http://prometheus:9090',
      }),
    ]);
    expect((service('prometheus').ports ?? []).some((p) => p.endsWith(':9090'))).toBe(true);
    const m = mounts('grafana');
    expect(m['./grafana/provisioning/datasources']).toBe('/etc/grafana/provisioning/datasources');
    expect(m['./grafana/provisioning/dashboards']).toBe('/etc/grafana/provisioning/dashboards');
    expect(service('grafana').depends_on).toMatchObject({
      prometheus: { condition: 'service_healthy' },
    });
  });

  it('loads the dashboard JSON from the folder compose mounts, and opens it as the home dashboard', () => {
    const providers = yamlFile<{ providers: Array<{ type: string; options: { path: string } }> }>(
      'grafana/provisioning/dashboards/telemetry.yml',
    ).providers;
    const folder = mounts('grafana')['./grafana/dashboards'];
    expect(providers.map((p) => p.options.path)).toEqual([folder]);
    expect(service('grafana').environment?.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(
      `${folder}/telemetry.json`,
    );
    expect(DASHBOARD_JSON.endsWith('grafana/dashboards/telemetry.json')).toBe(true);
  });
});

describe('the Grafana dashboard', () => {
  const dashboard = grafanaDashboard();
  const panels = dashboard.panels.filter((p) => p.type !== 'row');

  it('reads the provisioned data source in every panel and query', () => {
    expect(dashboard.uid).toBe('vehicle-telemetry');
    expect(panels.length).toBeGreaterThanOrEqual(10);
    for (const p of panels) {
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: 'prometheus' });
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets ?? []) expect(t.datasource?.uid, p.title).toBe('prometheus');
    }
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('has the panels the issue asks for: ingest rate, lag p99, rejects, pending, queue depth, write errors, speeds', () => {
    const exprs = panelQueries().map((q) => q.expr);
    const some = (re: RegExp) =>
      expect(
        exprs.some((e) => re.test(e)),
        String(re),
      ).toBe(true);
    some(/rate\(telemetry_collector_readings_stored_total\[/);
    some(/histogram_quantile\(0\.99, .*telemetry_collector_ingest_lag_seconds_bucket/);
    some(/by \(reason\) \(rate\(telemetry_collector_messages_rejected_total/);
    some(/telemetry_collector_pending_pubacks/);
    some(/telemetry_devices_queue_depth/);
    some(/telemetry_collector_store_write_failures_total/);
    some(/telemetry_fleet_speed_(mean|max)_kmh/);
    some(/telemetry_fleet_speed_kmh_bucket/);
  });

  it('names only metrics and labels the programs export', async () => {
    const families = await exportedFamilies();
    const problems: string[] = [];
    for (const { panel, expr } of panelQueries()) {
      const names = metricNames(expr);
      if (names.length === 0) problems.push(`${panel}: no metric in ${expr}`);
      const labels = new Set(['le', 'job', 'instance']);
      for (const series of names) {
        const family = families.has(series) ? series : familyOf(series);
        const known = families.get(family);
        if (!known) problems.push(`${panel}: ${series} is not exported`);
        for (const l of known ?? []) labels.add(l);
      }
      const promql = asPromql(expr);
      for (const m of promql.matchAll(/\bby \(([^)]*)\)/g)) {
        for (const l of (m[1] ?? '').split(',').map((x) => x.trim())) {
          if (!labels.has(l)) problems.push(`${panel}: label ${l} is not on ${names.join(', ')}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
