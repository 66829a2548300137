// run-devices: `npm run devices [-- --count N --interval MS --prefix vehicle_]`, with a live summary line and /metrics on METRICS_PORT.
import { parseArgs } from 'node:util';
import { metricsEndpoint } from '../core/metrics/endpoint.js';
import { flag, runProgram } from '../core/program.js';
import { fleetIds } from './create-device.js';
import { createFleet, queueLayout } from './create-fleet.js';
import { type FleetStats, summaryLine } from './fleet.js';
import { fleetMetrics } from './metrics.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string' },
    interval: { type: 'string' },
    prefix: { type: 'string' },
    seed: { type: 'string' },
    limit: { type: 'string' },
    quiet: { type: 'boolean', default: false },
    'json-stats': { type: 'boolean', default: false },
  },
});

const limit = values.limit === undefined ? undefined : Number(values.limit);
if (limit !== undefined && !(Number.isInteger(limit) && limit >= 0)) {
  process.stderr.write(`devices: --limit must be a non-negative integer (got ${values.limit})\n`);
  process.exit(2);
}

await runProgram(
  'devices',
  {
    DEVICE_COUNT: flag(values.count),
    PUBLISH_INTERVAL_MS: flag(values.interval),
    DEVICE_PREFIX: flag(values.prefix),
    SEED: flag(values.seed),
  },
  async (config, log) => {
    const { count, prefix, intervalMs } = config.devices;
    const ids = fleetIds(prefix, count);
    const fleet = createFleet(config, log, limit === undefined ? {} : { limit });
    const metrics = metricsEndpoint(config.metrics, log);
    if (metrics) fleetMetrics(metrics.registry, () => fleet.stats());
    await fleet.start();
    try {
      await metrics?.server.start();
    } catch (err) {
      await fleet.stop();
      throw err;
    }
    log.info(
      { count, intervalMs, first: ids[0], last: ids.at(-1), queueLayout: queueLayout(config) },
      'fleet started',
    );
    // SIGUSR2: take no more readings, keep delivering the backlog (drills use it to drain).
    process.on('SIGUSR2', () => {
      log.info('SIGUSR2: no more readings; delivering the backlog');
      fleet.stopReadings();
    });
    const report = (now: FleetStats, before: FleetStats | undefined, prefix = '') => {
      if (values['json-stats']) {
        const { rss, heapUsed, external } = process.memoryUsage();
        const mb = (n: number) => Math.round(n / 1048576);
        const memory = { rss_mb: mb(rss), heap_mb: mb(heapUsed), external_mb: mb(external) };
        process.stdout.write(`${JSON.stringify({ at: Date.now(), ...now, memory })}\n`);
      } else if (!values.quiet || prefix) {
        process.stdout.write(`${prefix}${summaryLine(now, before, 1)}\n`);
      }
    };
    let before: FleetStats | undefined;
    const summary = setInterval(() => {
      const now = fleet.stats();
      report(now, before);
      before = now;
    }, 1000);
    return async () => {
      clearInterval(summary);
      await metrics?.server.stop();
      await fleet.stop();
      report(fleet.stats(), undefined, 'stopped: ');
    };
  },
);
