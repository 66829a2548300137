// Measures the collector on influxd 1.6.7 (not a test; prints figures):
//   node --import tsx test/influx/measure.ts throughput [--publishers 10] [--per 30000] [--inflight 1000]
//   node --import tsx test/influx/measure.ts outage [--devices 10] [--interval 10] [--outage-s 180] [--inflight 1000]
// Throughput runs the same load into the SQLite store as the same-run baseline.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { InfluxStore } from '../../core/store/influx-store.js';
import { fleetIds } from '../../devices/create-device.js';
import { InfluxdProcess } from '../../harness/influxd.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { freePort } from '../../harness/ports.js';
import { sleep } from '../../harness/wait.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { influxdCount, knownReadings, mosquittoPub } from './helpers.js';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    publishers: { type: 'string', default: '10' },
    per: { type: 'string', default: '30000' },
    inflight: { type: 'string', default: '1000' },
    devices: { type: 'string', default: '10' },
    interval: { type: 'string', default: '10' },
    'outage-s': { type: 'string', default: '180' },
  },
});

/** docker/'s mosquitto.conf, rewritten for a temp dir and a free port (max_inflight overridable). */
async function dockerBroker(dir: string, inflight: number): Promise<MosquittoProcess> {
  const port = await freePort();
  mkdirSync(join(dir, 'data'), { recursive: true });
  const conf = readFileSync(
    new URL('../../docker/mosquitto/mosquitto.conf', import.meta.url),
    'utf8',
  )
    .replace(/^listener 1883$/m, `listener ${port} 127.0.0.1`)
    .replace(/^persistence_location .*$/m, `persistence_location ${dir}/data/`)
    .replace(/^max_inflight_messages .*$/m, `max_inflight_messages ${inflight}`)
    .replace(/^log_type (notice|information)$/gm, '')
    .replace(/^connection_messages true$/m, 'connection_messages false');
  writeFileSync(join(dir, 'mosquitto.conf'), `${conf}\nuser ${userInfo().username}\n`);
  const broker = new MosquittoProcess({ dir });
  broker.port = port;
  await broker.spawnWith(join(dir, 'mosquitto.conf'));
  return broker;
}

interface Collector {
  child: ChildProcess;
  stderr: () => string;
  peakRssMb: () => number;
  stop: () => Promise<void>;
}

async function startCollector(env: Record<string, string>): Promise<Collector> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'collector/main.ts'], {
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  let peak = 0;
  const sampler = setInterval(() => {
    try {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      peak = Math.max(peak, Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
    } catch {}
  }, 100);
  while (!stderr.includes('"msg":"subscribed"')) {
    if (child.exitCode !== null) throw new Error(`collector exited:\n${stderr}`);
    await sleep(50);
  }
  return {
    child,
    stderr: () => stderr,
    peakRssMb: () => peak,
    stop: async () => {
      clearInterval(sampler);
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

function sqliteCount(path: string): number {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    const n = (db.prepare('SELECT count(*) AS n FROM readings').get() as { n: number }).n;
    db.close();
    return n;
  } catch {
    return 0;
  }
}

async function ingestRun(store: 'influxdb' | 'sqlite'): Promise<void> {
  const publishers = Number(values.publishers);
  const per = Number(values.per);
  const inflight = Number(values.inflight);
  const dir = tempDir('measure-');
  const broker = await dockerBroker(dir, inflight);
  const influxd = new InfluxdProcess({ dir: join(dir, 'influxd') });
  if (store === 'influxdb') await influxd.start();
  const sqlitePath = join(dir, 'telemetry.db');
  const collector = await startCollector({
    MQTT_BROKER_HOST: '127.0.0.1',
    MQTT_BROKER_PORT: String(broker.port),
    STORE: store,
    SQLITE_PATH: sqlitePath,
    COLLECTOR_STATE_PATH: join(dir, 'collector-state.db'),
    INFLUXDB_URL: influxd.url,
    INFLUXDB_BUCKET: 'vehicle-data',
  });
  const total = publishers * per;
  const loads = Array.from({ length: publishers }, (_, p) => knownReadings(`bench_${p}`, per));
  const count = () =>
    store === 'influxdb'
      ? influxdCount(influxd, 'vehicle-data')
      : Promise.resolve(sqliteCount(sqlitePath));
  const t0 = Date.now();
  const published = Promise.all(loads.map((l) => mosquittoPub(dir, broker.port, l)));
  let n = await count();
  while (n < total && Date.now() - t0 < 300_000) {
    await sleep(100);
    n = await count();
  }
  const seconds = (Date.now() - t0) / 1000;
  await published;
  console.log(
    `${store.padEnd(8)} ${n.toLocaleString('en')} of ${total.toLocaleString('en')} stored in ${seconds.toFixed(2)} s = ${Math.round(n / seconds).toLocaleString('en')} readings/s; collector peak RSS ${collector.peakRssMb().toFixed(0)} MB (max_inflight_messages ${inflight})`,
  );
  await collector.stop();
  const batches = [...collector.stderr().matchAll(/"batches":(\d+)/g)].at(-1)?.[1];
  console.log(
    `         ${batches} store writes (${Math.round(n / Number(batches))} readings each on average)`,
  );
  await Promise.all([broker.stop(), influxd.stop()]);
}

async function outageRun(): Promise<void> {
  const count = Number(values.devices);
  const interval = Number(values.interval);
  const outageMs = Number(values['outage-s']) * 1000;
  const inflight = Number(values.inflight);
  const dir = tempDir('outage-');
  const broker = await dockerBroker(dir, inflight);
  const influxd = new InfluxdProcess({ dir: join(dir, 'influxd') });
  await influxd.start();
  const env = { MQTT_BROKER_HOST: '127.0.0.1', MQTT_BROKER_PORT: String(broker.port) };
  const collector = await startCollector({
    ...env,
    STORE: 'influxdb',
    INFLUXDB_URL: influxd.url,
    INFLUXDB_BUCKET: 'vehicle-data',
  });
  const args = ['--count', String(count), '--interval', String(interval), '--prefix', 'out_'];
  const devices = spawn(
    process.execPath,
    ['--import', 'tsx', 'devices/main.ts', ...args, '--json-stats'],
    {
      env: { ...process.env, ...env, QUEUE_DIR: join(dir, 'queues'), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  );
  let generated = 0;
  devices.stdout?.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n')) {
      const m = /"generated":(\d+)/.exec(line);
      if (m) generated = Number(m[1]);
    }
  });
  const db = 'vehicle-data';
  while ((await influxdCount(influxd, db)) < 5000) await sleep(200);
  const before = await influxdCount(influxd, db);
  await influxd.stop('SIGKILL');
  const downAt = Date.now();
  console.log(
    `influxd SIGKILLed with ${before} stored; down for ${outageMs / 1000} s; ${count} devices every ${interval} ms (max_inflight_messages ${inflight})`,
  );
  await sleep(outageMs);
  // No more readings from here on: the backlog is what was generated and is not stored yet.
  devices.kill('SIGUSR2');
  await sleep(1500);
  const total = generated;
  await influxd.start();
  const upAt = Date.now();
  const pending = [...collector.stderr().matchAll(/"pending":(\d+)/g)].map((m) => Number(m[1]));
  console.log(
    `restarted after ${((upAt - downAt) / 1000).toFixed(1)} s; backlog ${total - before} readings (${total} generated in all); collector pending at most ${Math.max(0, ...pending)} (stats lines); collector peak RSS so far ${collector.peakRssMb().toFixed(0)} MB`,
  );
  let n = await influxdCount(influxd, db);
  while (n < total && Date.now() - upAt < 900_000) {
    await sleep(100);
    n = await influxdCount(influxd, db);
  }
  const drainS = (Date.now() - upAt) / 1000;
  console.log(
    `backlog stored ${drainS.toFixed(1)} s after the restart: ${Math.round((total - before) / drainS).toLocaleString('en')} readings/s`,
  );
  devices.kill('SIGTERM');
  await new Promise((r) => devices.once('exit', r));
  await collector.stop();
  const reader = new InfluxStore({
    url: influxd.url,
    token: undefined,
    org: 'o',
    bucket: db,
    api: 'auto',
    readonly: true,
  });
  await reader.start();
  let exact = true;
  let stored = 0;
  for (const id of fleetIds('out_', count)) {
    const seqs = await reader.seqs(id);
    stored += seqs.length;
    if (seqs.some((s, i) => s !== i)) exact = false;
  }
  console.log(
    `${stored} of ${total} readings stored; every device's seqs contiguous from 0, each once: ${exact && stored === total}; collector peak RSS ${collector.peakRssMb().toFixed(0)} MB`,
  );
  await reader.stop();
  await Promise.all([broker.stop(), influxd.stop()]);
}

try {
  if (positionals[0] === 'throughput') {
    await ingestRun('sqlite');
    await ingestRun('influxdb');
  } else if (positionals[0] === 'outage') {
    await outageRun();
  } else {
    console.error('usage: measure.ts throughput|outage [options]');
    process.exitCode = 2;
  }
} finally {
  removeTempDirs();
}
