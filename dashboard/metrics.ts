// The dashboard's Prometheus metrics: Socket.IO clients, the live feed, broker and store state, and the fleet's speeds without per-vehicle series.
import type { Registry } from 'prom-client';
import { CountingHistogram } from '../core/metrics/counting-histogram.js';
import {
  counterFrom,
  gaugeFrom,
  labelledCounterFrom,
  labelledGaugeFrom,
  oncePerScrape,
} from '../core/metrics/read-at-scrape.js';
import type { DeviceBoard } from './device-board.js';
import type { LiveFeed } from './live.js';

export interface DashboardMetricsSource {
  board: DeviceBoard;
  live: LiveFeed;
  socketClients(): number;
  /** Clients that sent `view`, and `view` events ignored as invalid (views/live-views.ts). */
  viewClients(): number;
  viewsRejected(): number;
  storeAvailable(): boolean;
  /** REDIS_URL set: whether the Socket.IO adapter's Redis is ready; unset: no such metric. */
  redisConnected?: (() => boolean) | undefined;
  now(): number;
}

/** km/h: the model stays within 0-120, validation allows up to 300. */
export const SPEED_BUCKETS = [
  10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 150, 200, 300,
];

/**
 * "Fleet: speeds" for Grafana with no label per vehicle: the distribution of every live reading's
 * speed (a histogram, so heatmaps and quantiles work), and the mean and highest latest speed of the
 * online vehicles. Per-vehicle curves are the dashboard page's job (or the store's, in Grafana).
 */
export function dashboardMetrics(registry: Registry, source: DashboardMetricsSource): void {
  const { board, live } = source;
  const summary = oncePerScrape(() => board.summary(source.now()));
  gaugeFrom(
    registry,
    {
      name: 'telemetry_dashboard_socket_clients',
      help: 'Socket.IO clients connected (open pages)',
    },
    source.socketClients,
  );
  gaugeFrom(
    registry,
    {
      name: 'telemetry_dashboard_view_clients',
      help: 'Socket.IO clients that said what they show (view): they get only that, not the whole fleet',
    },
    source.viewClients,
  );
  counterFrom(
    registry,
    {
      name: 'telemetry_dashboard_views_rejected_total',
      help: 'view and map_view events ignored because they were not a valid view or viewport',
    },
    source.viewsRejected,
  );
  counterFrom(
    registry,
    {
      name: 'telemetry_dashboard_live_readings_total',
      help: 'Valid readings received on the live feed',
    },
    () => live.readings,
  );
  labelledCounterFrom(
    registry,
    {
      name: 'telemetry_dashboard_live_rejected_total',
      help: 'Live-feed messages rejected (never shown), by reason',
      label: 'reason',
    },
    () => Object.fromEntries(live.rejected),
  );
  gaugeFrom(
    registry,
    {
      name: 'telemetry_dashboard_broker_connected',
      help: '1 while the live MQTT connection is up',
    },
    () => (live.connected ? 1 : 0),
  );
  gaugeFrom(
    registry,
    { name: 'telemetry_dashboard_store_available', help: '1 while the store is open for reads' },
    () => (source.storeAvailable() ? 1 : 0),
  );
  const redis = source.redisConnected;
  if (redis) {
    gaugeFrom(
      registry,
      {
        name: 'telemetry_dashboard_redis_connected',
        help: "1 while Redis carries this dashboard's Socket.IO events to the other instances",
      },
      () => (redis() ? 1 : 0),
    );
  }
  labelledGaugeFrom(
    registry,
    {
      name: 'telemetry_fleet_vehicles',
      help: 'Vehicles the dashboard knows, by status',
      label: 'status',
    },
    () => ({ online: summary().online, offline: summary().offline }),
  );
  gaugeFrom(
    registry,
    {
      name: 'telemetry_fleet_speed_mean_kmh',
      help: 'Mean latest speed of the online vehicles, km/h',
    },
    () => {
      const s = summary();
      return s.speeds === 0 ? 0 : s.speedSum / s.speeds;
    },
  );
  gaugeFrom(
    registry,
    {
      name: 'telemetry_fleet_speed_max_kmh',
      help: 'Highest latest speed of the online vehicles, km/h',
    },
    () => summary().speedMax,
  );
  const speeds = new CountingHistogram(
    'telemetry_fleet_speed_kmh',
    'Speed of every live reading, km/h',
    SPEED_BUCKETS,
  ).register(registry);
  live.onReading((r) => {
    if (typeof r.values.speed === 'number') speeds.observe(r.values.speed);
  });
}
