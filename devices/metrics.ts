// The devices' Prometheus metrics (run-devices, `npm run device`): the fleet's summed counters, read at each scrape.
import type { Registry } from 'prom-client';
import { counterFrom, gaugeFrom, oncePerScrape } from '../core/metrics/read-at-scrape.js';
import type { FleetStats } from './fleet.js';

/**
 * Sums over the vehicles of this process, never one series per vehicle (a fleet of 10,000 would
 * make 10,000 series per metric); the fullest queue stands in for "which one is in trouble".
 */
export function fleetMetrics(registry: Registry, read: () => FleetStats): void {
  // One pass over the fleet per scrape, not one per metric.
  const s = oncePerScrape(read);
  const c = (name: string, help: string, pick: (x: FleetStats) => number) =>
    counterFrom(registry, { name: `telemetry_devices_${name}`, help }, () => pick(s()));
  const g = (name: string, help: string, pick: (x: FleetStats) => number) =>
    gaugeFrom(registry, { name: `telemetry_devices_${name}`, help }, () => pick(s()));

  g('vehicles', 'Vehicles run by this process', (x) => x.devices);
  g('connected', 'Vehicles connected to the broker', (x) => x.connected);
  c(
    'readings_taken_total',
    'Readings taken (each queued on disk before it is published)',
    (x) => x.generated,
  );
  c('publishes_total', 'Readings published (resends included)', (x) => x.published);
  c('pubacks_total', 'PUBACKs received from the broker', (x) => x.acknowledged);
  c(
    'readings_confirmed_total',
    'Readings the collector confirmed stored (end-to-end acks), removed from the queues',
    (x) => x.confirmed,
  );
  g('queue_depth', "Readings waiting in the vehicles' offline queues, summed", (x) => x.queued);
  g('queue_depth_max', 'Readings waiting in the fullest queue', (x) => x.queuedMax);
  c(
    'readings_dropped_total',
    'Readings evicted from full queues (never delivered)',
    (x) => x.dropped,
  );
  c(
    'reconnects_total',
    "Times a vehicle's MQTT connection came back after its first connect",
    (x) => x.reconnects,
  );
  c(
    'resends_total',
    'Times unconfirmed readings were resent because confirmations stalled',
    (x) => x.resends,
  );
  c(
    'stalls_total',
    'Times publishes got no PUBACK for too long and the queue was republished',
    (x) => x.stalls,
  );
}
