// One vehicle: `npm run device -- vehicle_03`.
import { parseArgs } from 'node:util';
import { isDeviceId } from '../core/contract.js';
import { runProgram } from '../core/program.js';
import { createDevice } from './create-device.js';

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
  await device.start();
  log.info({ deviceId, intervalMs: config.devices.intervalMs }, 'device started');
  return () => device.stop();
});
