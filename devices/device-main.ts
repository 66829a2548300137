// One vehicle: `npm run device -- vehicle_03`, with /metrics on METRICS_PORT.
import { parseArgs } from 'node:util';
import { isDeviceId } from '../core/contract.js';
import { metricsEndpoint } from '../core/metrics/endpoint.js';
import { runProgram } from '../core/program.js';
import { createDevice } from './create-device.js';
import { statsOf } from './fleet.js';
import { fleetMetrics } from './metrics.js';

const { positionals } = parseArgs({ allowPositionals: true, options: {} });
const deviceId = positionals[0];
if (deviceId === undefined || !isDeviceId(deviceId)) {
  process.stderr.write(
    'usage: npm run device -- <device_id>   (device_id matches ^[A-Za-z0-9_-]{1,64}$)\n',
  );
  process.exit(2);
}

await runProgram('device', {}, async (config, log) => {
  const device = createDevice(config, deviceId, log);
  const metrics = metricsEndpoint(config.metrics, log);
  if (metrics) fleetMetrics(metrics.registry, () => statsOf([device]));
  await device.start();
  try {
    await metrics?.server.start();
  } catch (err) {
    await device.stop();
    throw err;
  }
  log.info({ deviceId, intervalMs: config.devices.intervalMs }, 'device started');
  return async () => {
    await metrics?.server.stop();
    await device.stop();
  };
});
