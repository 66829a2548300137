// The metrics of the three programs in one process, as `npm start` composes them (one registry, on
// the dashboard's GET /metrics), against what the store, the queues and the page really hold;
// through a broker outage.
import { join } from 'node:path';
import mqtt from 'mqtt';
import { Registry } from 'prom-client';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Collector } from '../../collector/collector.js';
import { createCollector } from '../../collector/create-collector.js';
import type { Config } from '../../core/config.js';
import { silentLogger } from '../../core/log.js';
import { createMetricsRegistry } from '../../core/metrics/registry.js';
import { createDashboard } from '../../dashboard/create-dashboard.js';
import type { Dashboard } from '../../dashboard/dashboard.js';
import { createFleet } from '../../devices/create-fleet.js';
import type { Fleet } from '../../devices/fleet.js';
import { fleetMetrics } from '../../devices/metrics.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { checkMetrics } from '../../harness/prometheus.js';
import { waitFor } from '../../harness/wait.js';
import { testConfig, totalStored } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { parseExposition, type Samples, sample, scrape } from './exposition.js';

const DEVICES = 3;
const LIMIT = 40;
const dir = tempDir('metrics-programs-');
const broker = new MosquittoProcess({ dir: join(dir, 'mosquitto'), maxInflight: 100 });
let config: Config;
let registry: Registry;
let collector: Collector;
let fleet: Fleet;
let dashboard: Dashboard;
let url = '';

const metrics = (): Promise<Samples> => scrape(url);
const value = async (key: string) => sample(await metrics(), key);

beforeAll(async () => {
  await broker.start();
  config = testConfig(dir, broker.port, {
    DEVICE_COUNT: String(DEVICES),
    PUBLISH_INTERVAL_MS: '20',
    DASHBOARD_HOST: '127.0.0.1',
    DASHBOARD_PORT: '0',
    DASHBOARD_STATE_PATH: join(dir, 'dashboard-state.db'),
    COLLECTOR_STATE_PATH: join(dir, 'collector-state.db'),
  });
  const log = silentLogger();
  registry = createMetricsRegistry();
  collector = createCollector(config, log, registry);
  await collector.start();
  await collector.subscribed;
  dashboard = createDashboard(config, log, registry);
  await dashboard.start();
  await dashboard.subscribed;
  url = `${dashboard.url}metrics`;
  fleet = createFleet(config, log, { limit: LIMIT });
  fleetMetrics(registry, () => fleet.stats());
  await fleet.start();
});

afterAll(async () => {
  await dashboard?.stop();
  await fleet?.stop();
  await collector?.stop();
  await broker.stop();
  removeTempDirs();
});

describe("one process's metrics on the dashboard's /metrics (npm start)", () => {
  it('counts what the store, the queues and the live feed hold', async () => {
    const all = DEVICES * LIMIT;
    await waitFor(
      () => value('telemetry_devices_readings_confirmed_total'),
      (n) => n === all,
      {
        what: 'every reading confirmed',
      },
    );
    const m = await metrics();
    expect(sample(m, 'telemetry_collector_readings_stored_total')).toBe(all);
    expect(totalStored(config.store.sqlitePath)).toBe(all);
    const written =
      sample(m, 'telemetry_collector_readings_stored_total') +
      sample(m, 'telemetry_collector_readings_duplicate_total');
    // The lag histogram observes every reading written, the write histogram every batch.
    expect(sample(m, 'telemetry_collector_ingest_lag_seconds_count')).toBe(written);
    expect(sample(m, 'telemetry_collector_store_write_duration_seconds_count')).toBe(
      collector.totals().batches,
    );
    expect(sample(m, 'telemetry_collector_ingest_lag_seconds_bucket{le="+Inf"}')).toBe(written);
    expect(sample(m, 'telemetry_collector_broker_connected')).toBe(1);
    expect(sample(m, 'telemetry_collector_devices')).toBe(DEVICES);
    expect(sample(m, 'telemetry_collector_acks_sent_total')).toBeGreaterThan(0);
    expect(sample(m, 'telemetry_devices_readings_taken_total')).toBe(all);
    expect(sample(m, 'telemetry_devices_pubacks_total')).toBeGreaterThanOrEqual(all);
    expect(sample(m, 'telemetry_devices_queue_depth')).toBe(0);
    expect(sample(m, 'telemetry_devices_connected')).toBe(DEVICES);
    expect(sample(m, 'telemetry_devices_vehicles')).toBe(DEVICES);
    expect(sample(m, 'telemetry_fleet_vehicles{status="online"}')).toBe(DEVICES);
    // Live data is QoS 0 on one machine: every reading reached the page's feed.
    expect(sample(m, 'telemetry_dashboard_live_readings_total')).toBe(all);
    expect(sample(m, 'telemetry_fleet_speed_kmh_count')).toBe(all);
    const max = sample(m, 'telemetry_fleet_speed_max_kmh');
    const mean = sample(m, 'telemetry_fleet_speed_mean_kmh');
    expect(max).toBeGreaterThanOrEqual(mean);
    // Simulated vehicles start standing (an idle of 1-5 s before the first trip): the mean may be 0.
    expect(mean).toBeGreaterThanOrEqual(0);
    // Our own acks come back on vehicles/# and count as pending until the next flush: they can
    // reach the collector after the vehicles have counted them (the broker writes one socket at a
    // time), so the gauge may be above 0 just after every reading is confirmed.
    await waitFor(
      () => value('telemetry_collector_pending_pubacks'),
      (n) => n === 0,
      { what: 'no message waiting for its batch' },
    );
    const text = await (await fetch(url)).text();
    // Process metrics once, whatever the number of parts; a valid exposition.
    expect(text.match(/^# TYPE process_cpu_seconds_total counter$/gm)).toHaveLength(1);
    expect(checkMetrics(text)).toEqual({ ok: true, output: '' });
  });

  it('counts rejects by reason, in the collector and in the live feed', async () => {
    const attacker = await mqtt.connectAsync({
      host: '127.0.0.1',
      port: broker.port,
      clientId: 'x',
    });
    for (let i = 0; i < 3; i++)
      await attacker.publishAsync('vehicles/x/speed', '{oops', { qos: 1 });
    await attacker.publishAsync(
      'vehicles/x/speed',
      JSON.stringify({ device_id: 'x', seq: 1, timestamp: new Date().toISOString(), speed: -4 }),
      { qos: 1 },
    );
    await attacker.endAsync();
    // The collector and the dashboard's live feed are two subscribers: each count is awaited (the
    // fourth message may reach either after the other has counted the first three).
    const counts = async () => {
      const m = await metrics();
      return [
        sample(m, 'telemetry_collector_messages_rejected_total{reason="invalid_json"}'),
        sample(m, 'telemetry_collector_messages_rejected_total{reason="out_of_range"}'),
        sample(m, 'telemetry_dashboard_live_rejected_total{reason="invalid_json"}'),
        sample(m, 'telemetry_dashboard_live_rejected_total{reason="out_of_range"}'),
      ].join(',');
    };
    await waitFor(counts, (c) => c === '3,1,3,1', { what: 'rejects 3,1 in both' });
    const m = await metrics();
    expect(sample(m, 'telemetry_collector_messages_rejected_total{reason="invalid_json"}')).toBe(3);
    expect(sample(m, 'telemetry_collector_messages_rejected_total{reason="out_of_range"}')).toBe(1);
    expect(sample(m, 'telemetry_collector_messages_rejected_total{reason="too_large"}')).toBe(0);
    expect(sample(m, 'telemetry_dashboard_live_rejected_total{reason="invalid_json"}')).toBe(3);
    expect(sample(m, 'telemetry_dashboard_live_rejected_total{reason="out_of_range"}')).toBe(1);
  });

  it('counts Socket.IO clients as pages open and close', async () => {
    const client = io(dashboard.url, { transports: ['websocket'] });
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    await waitFor(
      () => value('telemetry_dashboard_socket_clients'),
      (n) => n === 1,
      {
        what: 'one client',
      },
    );
    client.close();
    await waitFor(
      () => value('telemetry_dashboard_socket_clients'),
      (n) => n === 0,
      {
        what: 'no client',
      },
    );
  });

  it('shows a broker outage: disconnected, a backlog in the queues, reconnects, the queues emptied', async () => {
    // A fleet still taking readings, with a registry of its own (two registries, no clash).
    const more = createFleet(
      { ...config, devices: { ...config.devices, prefix: 'outage_' } },
      silentLogger(),
    );
    const own = new Registry();
    fleetMetrics(own, () => more.stats());
    const ownValue = async (key: string) => sample(parseExposition(await own.metrics()), key);
    await more.start();
    try {
      await waitFor(
        () => ownValue('telemetry_devices_connected'),
        (n) => n === DEVICES,
        {
          what: 'the second fleet connected',
        },
      );
      await broker.stop();
      await waitFor(
        () => value('telemetry_collector_broker_connected'),
        (n) => n === 0,
        {
          what: 'collector disconnected',
        },
      );
      expect(await value('telemetry_dashboard_broker_connected')).toBe(0);
      expect(await value('telemetry_devices_connected')).toBe(0);
      await waitFor(
        () => ownValue('telemetry_devices_queue_depth'),
        (n) => n >= 3 * DEVICES,
        {
          what: 'a backlog in the queues',
        },
      );
      expect(await ownValue('telemetry_devices_queue_depth_max')).toBeGreaterThanOrEqual(3);
      await broker.start();
      await waitFor(
        async () => {
          const m = await metrics();
          return [
            sample(m, 'telemetry_collector_reconnects_total'),
            sample(m, 'telemetry_devices_reconnects_total'),
            sample(m, 'telemetry_devices_connected'),
            sample(m, 'telemetry_dashboard_broker_connected'),
          ];
        },
        (v) => JSON.stringify(v) === JSON.stringify([1, DEVICES, DEVICES, 1]),
        { what: 'everyone reconnected once' },
      );
      more.stopReadings();
      await waitFor(
        () => ownValue('telemetry_devices_queue_depth'),
        (n) => n === 0,
        {
          what: 'the backlog confirmed',
        },
      );
      expect(await ownValue('telemetry_devices_reconnects_total')).toBe(DEVICES);
      expect(await ownValue('telemetry_devices_readings_dropped_total')).toBe(0);
    } finally {
      await more.stop();
    }
  });
});
