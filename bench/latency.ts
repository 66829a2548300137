// Latency: a device's reading (its timestamp, taken just before it is queued and published) to the
// `reading` event at a Socket.IO client of the dashboard. Every part is its own process.
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../core/dashboard-contract.js';
import { MosquittoProcess } from '../harness/mosquitto.js';
import { freePort, waitForPort } from '../harness/ports.js';
import { ProgramProcess } from '../harness/program.js';
import { sleep, waitFor } from '../harness/wait.js';
import { percentile } from './stats.js';

export interface LatencyOptions {
  devices: number;
  intervalMs: number;
  seconds: number;
}

export interface LatencyRun {
  p50: number;
  p99: number;
  readingsPerS: number;
  samples: number;
}

export async function latencyRun(dir: string, o: LatencyOptions): Promise<LatencyRun> {
  const broker = new MosquittoProcess({ dir: join(dir, 'mosquitto') });
  await broker.start();
  const port = await freePort();
  const env = {
    MQTT_BROKER_HOST: '127.0.0.1',
    MQTT_BROKER_PORT: String(broker.port),
    SQLITE_PATH: join(dir, 'telemetry.db'),
    COLLECTOR_STATE_PATH: join(dir, 'collector-state.db'),
    // Benchmarks of the data path: no accounts (AUTH_MODE=none, as before accounts existed).
    AUTH_MODE: 'none',
    DASHBOARD_STATE_PATH: join(dir, 'dashboard-state.db'),
    QUEUE_DIR: join(dir, 'queues'),
    DASHBOARD_HOST: '127.0.0.1',
    DASHBOARD_PORT: String(port),
    LOG_LEVEL: 'warn',
  };
  const collector = ProgramProcess.fromNpmScript('collector', [], { ...env, LOG_LEVEL: 'info' });
  const dashboard = new ProgramProcess('dashboard/main.ts', [], env);
  const args = [
    '--count',
    String(o.devices),
    '--interval',
    String(o.intervalMs),
    '--prefix',
    'lat_',
    '--quiet',
  ];
  const devices = ProgramProcess.fromNpmScript('devices', args, env);
  let socket: Socket<ServerToClientEvents, ClientToServerEvents> | undefined;
  try {
    collector.start();
    dashboard.start();
    await waitFor(() => collector.stderr.includes('"msg":"subscribed"'), Boolean, {
      what: 'collector',
    });
    await waitForPort(port, 30_000);
    const samples: number[] = [];
    let measuring = false;
    const client: Socket<ServerToClientEvents, ClientToServerEvents> = io(
      `http://127.0.0.1:${port}`,
      {
        transports: ['websocket'],
      },
    );
    socket = client;
    client.on('reading', (r) => {
      if (measuring) samples.push(Date.now() - Date.parse(r.timestamp));
    });
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    devices.start();
    await sleep(3000); // connections settle, queues start empty
    measuring = true;
    await sleep(o.seconds * 1000);
    measuring = false;
    if (samples.length === 0) throw new Error('no reading reached the socket client');
    return {
      p50: percentile(samples, 50),
      p99: percentile(samples, 99),
      readingsPerS: samples.length / o.seconds,
      samples: samples.length,
    };
  } finally {
    socket?.close();
    await devices.kill('SIGTERM');
    await dashboard.kill('SIGTERM');
    await collector.kill('SIGTERM');
    await broker.stop();
  }
}
