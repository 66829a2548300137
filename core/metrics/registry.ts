// One Prometheus registry per program instance, with Node's process metrics; never prom-client's global one.
import { collectDefaultMetrics, Registry } from 'prom-client';

/** Every metric of ours starts with this (Prometheus naming: `_total`, `_seconds`, `_bytes`). */
export const METRIC_PREFIX = 'telemetry_';

/**
 * A fresh registry with prom-client's process and Node metrics (`process_*`, `nodejs_*`: CPU,
 * memory, file descriptors, event-loop lag, GC), under their usual names so ready-made Node
 * dashboards work. Tests build several programs in one process: each gets its own registry.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Gauges named like counters, which `promtool check metrics` rejects; the same figures stay
  // available by type as nodejs_active_handles, nodejs_active_requests, nodejs_active_resources.
  for (const name of MISNAMED_DEFAULTS) registry.removeSingleMetric(name);
  return registry;
}

const MISNAMED_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];
