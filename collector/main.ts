// `npm run collector`: the collector alone (or one of several with REDIS_URL), a stats line in the log every 10 s, /metrics on METRICS_PORT.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { metricsEndpoint } from '../core/metrics/endpoint.js';
import { describeBroker } from '../core/mqtt-transport.js';
import { runProgram } from '../core/program.js';
import { createClusterCollector } from './cluster/create-cluster.js';
import { createCollector } from './create-collector.js';

await runProgram('collector', {}, async (config, log) => {
  const metrics = metricsEndpoint(config.metrics, log);
  // REDIS_URL: one of several collectors sharing the vehicles (docs/scaling.md); its metrics are
  // the stats line only for now. Unset: exactly the single collector.
  const collector = config.redisUrl
    ? createClusterCollector(config, log)
    : createCollector(config, log, metrics?.registry);
  // The longest the event loop was held (a store commit, a retention step, a GC): the longest
  // any message waited before being read.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  await collector.start();
  try {
    await metrics?.server.start();
  } catch (err) {
    await collector.stop(); // e.g. METRICS_PORT taken: no half-started collector left behind
    throw err;
  }
  log.info(
    {
      store: config.store.kind,
      broker: describeBroker(config.mqtt),
      ...(config.redisUrl ? { cluster: config.cluster } : {}),
    },
    'collector started',
  );
  const logStats = () => {
    log.info({ ...collector.totals(), eventLoopMaxMs: Math.round(loop.max / 1e4) / 100 }, 'stats');
  };
  const timer = setInterval(logStats, 10_000);
  return async () => {
    clearInterval(timer);
    await metrics?.server.stop();
    await collector.stop();
    logStats();
    loop.disable();
  };
});
