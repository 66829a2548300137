// Fleet scale: one run-devices process with N vehicles at 1 Hz (as `npm run devices` starts it): memory and cores.
import { join } from 'node:path';
import { MosquittoProcess } from '../harness/mosquitto.js';
import { ProgramProcess } from '../harness/program.js';
import { sleep, waitFor } from '../harness/wait.js';
import { cpuSeconds, RssPeak } from './process-metrics.js';

export interface FleetOptions {
  count: number;
  warmupS: number;
  measureS: number;
}

export interface FleetRun {
  rssMb: number;
  cores: number;
  readingsPerS: number;
}

function generated(devices: ProgramProcess): number {
  const last = devices.stdout.trim().split('\n').at(-1) ?? '{}';
  try {
    return Number((JSON.parse(last) as { generated?: number }).generated ?? 0);
  } catch {
    return 0;
  }
}

export async function fleetRun(dir: string, o: FleetOptions): Promise<FleetRun> {
  const broker = new MosquittoProcess({ dir: join(dir, 'mosquitto') });
  await broker.start();
  const env = {
    MQTT_BROKER_HOST: '127.0.0.1',
    MQTT_BROKER_PORT: String(broker.port),
    SQLITE_PATH: join(dir, 'telemetry.db'),
    COLLECTOR_STATE_PATH: join(dir, 'collector-state.db'),
    DASHBOARD_STATE_PATH: join(dir, 'dashboard-state.db'),
    QUEUE_DIR: join(dir, 'queues'),
    LOG_LEVEL: 'warn',
  };
  const collector = ProgramProcess.fromNpmScript('collector', [], { ...env, LOG_LEVEL: 'info' });
  const devices = ProgramProcess.fromNpmScript(
    'devices',
    ['--count', String(o.count), '--interval', '1000', '--json-stats'],
    env,
  );
  try {
    collector.start();
    await waitFor(() => collector.stderr.includes('"msg":"subscribed"'), Boolean, {
      what: 'collector',
    });
    devices.start();
    const pid = devices.pid ?? 0;
    await sleep(o.warmupS * 1000);
    const rss = new RssPeak(pid, 250).start();
    const cpu0 = cpuSeconds(pid);
    const gen0 = generated(devices);
    const t0 = performance.now();
    await sleep(o.measureS * 1000);
    const seconds = (performance.now() - t0) / 1000;
    return {
      cores: (cpuSeconds(pid) - cpu0) / seconds,
      rssMb: rss.stop(),
      readingsPerS: (generated(devices) - gen0) / seconds,
    };
  } finally {
    await devices.kill('SIGTERM');
    await collector.kill('SIGTERM');
    await broker.stop();
  }
}
