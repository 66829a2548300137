// `npm start`: the whole demo in one process: embedded broker (unless MQTT_BROKER_HOST is set),
// collector, DEVICE_COUNT devices, the gateway (every input on) and the dashboard; one metrics registry, served by the dashboard.
import { EmbeddedBroker } from '../broker/embedded-broker.js';
import { createCollector } from '../collector/create-collector.js';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/log.js';
import { metricsEndpoint } from '../core/metrics/endpoint.js';
import { createMetricsRegistry } from '../core/metrics/registry.js';
import { describeBroker } from '../core/mqtt-transport.js';
import { runProgram } from '../core/program.js';
import { createDashboard } from '../dashboard/create-dashboard.js';
import { createFleet } from '../devices/create-fleet.js';
import { fleetMetrics } from '../devices/metrics.js';
import { createGateway } from '../gateway/create-gateway.js';

interface Component {
  name: string;
  stop: () => Promise<void>;
}

/** A part taking longer than this to stop is named in the log (what holds a stop up). */
const SLOW_STOP_MS = 1000;
const STILL_STOPPING_MS = 5000;

/** Reverse start order: readers before the devices, devices before the collector, broker last. */
async function stopAll(started: Component[], log?: Logger): Promise<void> {
  for (const c of started.reverse()) {
    const t0 = performance.now();
    // A part still stopping after STILL_STOPPING_MS is named at once: one that never ends (the
    // program's 15 s deadline exits first) is otherwise never named.
    const still = setTimeout(
      () => log?.warn({ component: c.name, ms: STILL_STOPPING_MS }, 'still stopping'),
      STILL_STOPPING_MS,
    );
    await c.stop().finally(() => clearTimeout(still));
    const ms = Math.round(performance.now() - t0);
    if (ms > SLOW_STOP_MS) log?.info({ component: c.name, ms }, 'slow stop');
  }
}

await runProgram('telemetry', {}, async (config, log) => {
  const started: Component[] = [];
  try {
    await startAll(config, log, started);
  } catch (err) {
    // E.g. DASHBOARD_PORT already taken: close what runs instead of leaving a half demo behind.
    await stopAll(started);
    throw err;
  }
  return () => stopAll(started, log);
});

async function startAll(config: Config, log: Logger, started: Component[]): Promise<void> {
  // One process, one registry: the collector's, the devices' and the dashboard's metrics (their
  // names differ by program) and the process metrics once, on the dashboard's GET /metrics, and
  // also on METRICS_PORT when that is set.
  const endpoint = metricsEndpoint(config.metrics, log);
  const metrics = endpoint?.registry ?? createMetricsRegistry();
  if (config.mqtt.host === undefined && config.mqtt.url === undefined) {
    const broker = new EmbeddedBroker({
      port: config.mqtt.port,
      passwordFile: config.mqtt.passwordFile,
      aclFile: config.mqtt.aclFile,
      log: log.child({ component: 'broker' }),
    });
    await broker.start();
    started.push({ name: 'broker', stop: () => broker.stop() });
  }
  const collector = createCollector(config, log.child({ component: 'collector' }), metrics);
  await collector.start();
  started.push({ name: 'collector', stop: () => collector.stop() });
  // Devices start once the collector's session exists, so the broker queues every reading for it
  // (bounded wait: with an external broker that is down, both sides just keep retrying).
  await Promise.race([collector.subscribed, new Promise((r) => setTimeout(r, 10_000))]);

  const { count } = config.devices;
  const fleet = createFleet(config, log.child({ component: 'devices' }));
  fleetMetrics(metrics, () => fleet.stats());
  await fleet.start();
  started.push({ name: 'devices', stop: () => fleet.stop() });

  // The gateway with every input on unless the environment says otherwise (INTERFACE.md).
  const gatewayConfig = { ...config, gateway: demoGatewayInputs(config) };
  const gateway = createGateway(gatewayConfig, log.child({ component: 'gateway' }));
  started.push({ name: 'gateway', stop: () => gateway.stop() });
  await gateway.start();

  // Last to start, first to stop: it only reads (store, broker), so closing it first ends browser
  // sessions cleanly before the devices go offline and before the broker it subscribes to is gone.
  const dashboard = createDashboard(config, log.child({ component: 'dashboard' }), metrics);
  await dashboard.start();
  started.push({ name: 'dashboard', stop: () => dashboard.stop() });
  if (endpoint) {
    await endpoint.server.start();
    started.push({ name: 'metrics', stop: () => endpoint.server.stop() });
  }

  log.info(
    {
      broker:
        config.mqtt.host || config.mqtt.url
          ? describeBroker(config.mqtt)
          : `embedded :${config.mqtt.port}`,
      store: config.store.kind,
      devices: count,
      osmand: gateway.parts.osmand?.port,
      teltonika: gateway.parts.teltonika?.port,
      ownTracks: gatewayConfig.gateway.ownTracks,
      dashboard: dashboard.url,
      metrics: `${dashboard.url}metrics`,
    },
    'demo running',
  );
}

/** OSMAND_PORT 5055, TELTONIKA_PORT 5027 and OWNTRACKS=true, each unless set in the environment. */
function demoGatewayInputs(config: Config): Config['gateway'] {
  const unset = (name: string) => (process.env[name] ?? '').trim() === '';
  return {
    ...config.gateway,
    osmandPort: unset('OSMAND_PORT') ? 5055 : config.gateway.osmandPort,
    teltonikaPort: unset('TELTONIKA_PORT') ? 5027 : config.gateway.teltonikaPort,
    ownTracks: unset('OWNTRACKS') ? true : config.gateway.ownTracks,
  };
}
