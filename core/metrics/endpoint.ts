// METRICS_PORT for a program: a registry and the server that will expose it, or nothing when the port is unset.
import type { Registry } from 'prom-client';
import type { MetricsConfig } from '../config.js';
import type { Logger } from '../log.js';
import { MetricsServer } from './metrics-server.js';
import { createMetricsRegistry } from './registry.js';

export interface MetricsEndpoint {
  registry: Registry;
  /** Not started: the program starts it once its parts are up. */
  server: MetricsServer;
}

/** Without a port there is no registry: nobody would read it, and hot paths skip their histograms. */
export function metricsEndpoint(config: MetricsConfig, log: Logger): MetricsEndpoint | undefined {
  if (config.port === undefined) return undefined;
  const registry = createMetricsRegistry();
  return {
    registry,
    server: new MetricsServer({ host: config.host, port: config.port }, { registry, log }),
  };
}
