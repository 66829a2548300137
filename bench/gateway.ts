// The gateway: 1,000 Teltonika connections at one record a second (ack latency, CPU, RSS), OsmAnd requests/s on one core (autocannon), and OsmAnd end to end against the MQTT path.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { REGISTRY_TOPIC } from '../core/contract.js';
import { MosquittoProcess } from '../harness/mosquitto.js';
import { freePort, waitForPort } from '../harness/ports.js';
import { ProgramProcess } from '../harness/program.js';
import { encodeAvlPacket, TeltonikaClient } from '../harness/teltonika-client.js';
import { sleep, waitFor } from '../harness/wait.js';
import { cpuSeconds, RssPeak } from './process-metrics.js';
import { percentile } from './stats.js';

export interface TeltonikaRun {
  connections: number;
  records: number;
  ackP50Ms: number;
  ackP99Ms: number;
  /**
   * p99 of the load generator's own event-loop delay during the run (ms): its 1,000 sockets and
   * timers share the machine; a delay here lengthens every answer it times.
   */
  loadGenLoopP99Ms: number;
  /** p99 of each second of the run (diagnostics: a slow start or a periodic stall). */
  ackP99MsBySecond: number[];
  /** Gateway CPU while the trackers report, in cores (1 = one core busy). */
  cpuCores: number;
  rssMb: number;
  /** Records stored by the collector / records acknowledged by the gateway. */
  deliveredRatio: number;
}

export interface OsmandRun {
  /** 2xx answers per second, gateway pinned to one core, autocannon on the other. */
  requestsPerS: number;
  latencyP99Ms: number;
  /** Fixes stored per second from the first request to the last stored. */
  storedPerS: number;
  requests: number;
}

interface Pipeline {
  broker: MosquittoProcess;
  collector: ProgramProcess;
  gateway: ProgramProcess;
  sqlitePath: string;
  osmandPort: number;
  teltonikaPort: number;
  stop(): Promise<void>;
}

/** Mosquitto, `npm run collector` into SQLite and `npm run gateway`, as users start them. */
async function pipeline(dir: string): Promise<Pipeline> {
  const broker = new MosquittoProcess({ dir: join(dir, 'mosquitto'), maxInflight: 1000 });
  await broker.start();
  // An empty registry, as a dashboard would have published it (the gateway waits for one).
  spawnSync('mosquitto_pub', [
    '-p',
    String(broker.port),
    '-r',
    '-q',
    '1',
    '-t',
    REGISTRY_TOPIC,
    '-m',
    JSON.stringify({ devices: [], timestamp: new Date().toISOString() }),
  ]);
  const sqlitePath = join(dir, 'telemetry.db');
  const common = {
    MQTT_BROKER_HOST: '127.0.0.1',
    MQTT_BROKER_PORT: String(broker.port),
    LOG_LEVEL: 'info',
  };
  const collector = ProgramProcess.fromNpmScript('collector', [], {
    ...common,
    SQLITE_PATH: sqlitePath,
    COLLECTOR_STATE_PATH: join(dir, 'collector-state.db'),
  });
  collector.start();
  await waitFor(() => collector.stderr.includes('"msg":"subscribed"'), Boolean, {
    what: 'collector subscribed',
    timeoutMs: 60_000,
  });
  const osmandPort = await freePort();
  const teltonikaPort = await freePort();
  const gateway = ProgramProcess.fromNpmScript('gateway', [], {
    ...common,
    OSMAND_PORT: String(osmandPort),
    TELTONIKA_PORT: String(teltonikaPort),
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_QUEUE_DIR: join(dir, 'gateway'),
    QUEUE_MAX: '1000000',
  });
  gateway.start();
  await waitForPort(osmandPort, 60_000);
  await waitForPort(teltonikaPort, 60_000);
  return {
    broker,
    collector,
    gateway,
    sqlitePath,
    osmandPort,
    teltonikaPort,
    async stop() {
      await gateway.kill('SIGTERM');
      await collector.kill('SIGTERM');
      await broker.stop();
    },
  };
}

function storedCount(path: string): number {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM readings').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}

export async function teltonikaRun(
  dir: string,
  options: { connections: number; seconds: number },
): Promise<TeltonikaRun> {
  const p = await pipeline(dir);
  const clients: TeltonikaClient[] = [];
  try {
    // Connect in batches (the listen backlog is finite), each handshaken before the load starts.
    for (let i = 0; i < options.connections; i += 100) {
      const batch = Array.from(
        { length: Math.min(100, options.connections - i) },
        () => new TeltonikaClient(p.teltonikaPort),
      );
      await Promise.all(batch.map((c) => c.connect()));
      const answers = await Promise.all(
        batch.map((c, k) => c.handshake(`35${String(i + k).padStart(13, '0')}`)),
      );
      if (answers.some((a) => a !== true)) throw new Error('a handshake was refused');
      clients.push(...batch);
    }
    const pid = p.gateway.pid ?? 0;
    const rss = new RssPeak(pid).start();
    const cpu0 = cpuSeconds(pid);
    const t0 = performance.now();
    const base = Date.now() - options.seconds * 1000 - 60_000;
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    /** Answer times per second of the run: where in the run the slow answers are. */
    const bySecond: number[][] = Array.from({ length: options.seconds }, () => []);
    let acked = 0;
    // Each tracker sends one record a second, phases spread over the second.
    await Promise.all(
      clients.map(async (c, i) => {
        await sleep((i / clients.length) * 1000);
        for (let s = 0; s < options.seconds; s++) {
          const due = t0 + (i / clients.length) * 1000 + s * 1000;
          const wait = due - performance.now();
          if (wait > 0) await sleep(wait);
          const packet = encodeAvlPacket([
            {
              timestampMs: base + s * 1000,
              lat: 54.6 + (i % 100) / 1000,
              lon: 25.2 + s / 10_000,
              altitude: 120,
              angle: (s * 7) % 360,
              satellites: 9,
              speed: 30 + (s % 60),
              io: { 239: [1, 1], 66: [2, 13_900], 16: [4, 100_000 + s * 15] },
            },
          ]);
          const sent = performance.now();
          const n = await c.send(packet);
          if (n !== 1) throw new Error(`tracker ${i}: answered ${n}`);
          bySecond[s]?.push(performance.now() - sent);
          acked += 1;
        }
      }),
    );
    loop.disable();
    const elapsed = (performance.now() - t0) / 1000;
    const cpuCores = (cpuSeconds(pid) - cpu0) / elapsed;
    const rssMb = rss.stop();
    for (const c of clients) c.close();
    const stored = await waitFor(
      () => storedCount(p.sqlitePath),
      (n) => n >= acked,
      { timeoutMs: 120_000, intervalMs: 200, what: 'every acknowledged record stored' },
    ).catch(() => storedCount(p.sqlitePath));
    return {
      connections: clients.length,
      records: acked,
      ackP50Ms: percentile(bySecond.flat(), 50),
      ackP99Ms: percentile(bySecond.flat(), 99),
      loadGenLoopP99Ms: loop.percentile(99) / 1e6,
      ackP99MsBySecond: bySecond.map((l) => Math.round(percentile(l, 99))),
      cpuCores,
      rssMb,
      deliveredRatio: stored / acked,
    };
  } finally {
    for (const c of clients) c.close();
    await p.stop();
  }
}

export async function osmandRun(
  dir: string,
  options: { seconds: number; connections: number; devices: number },
): Promise<OsmandRun> {
  const p = await pipeline(dir);
  try {
    const pid = p.gateway.pid ?? 0;
    // One core for the gateway (all its threads), the other for autocannon and the rest.
    execFileSync('taskset', ['-a', '-cp', '1', String(pid)], { stdio: 'ignore' });
    execFileSync('taskset', ['-a', '-cp', '0', String(process.pid)], { stdio: 'ignore' });
    const base = Math.floor(Date.now() / 1000) - 86_400;
    let n = 0;
    const t0 = performance.now();
    const result = await autocannon({
      url: `http://127.0.0.1:${p.osmandPort}`,
      connections: options.connections,
      duration: options.seconds,
      requests: [
        {
          method: 'GET',
          setupRequest: (req) => {
            const i = n++;
            const device = i % options.devices;
            // A new fix every request: one device's fixes are 1 ms apart.
            const t = base + Math.floor(i / options.devices) / 1000;
            req.path = `/?id=osm_${device}&timestamp=${t.toFixed(3)}&lat=52.5&lon=13.4&speed=${i % 60}&batt=80`;
            return req;
          },
        },
      ],
    });
    const ok = result['2xx'];
    await waitFor(
      () => storedCount(p.sqlitePath),
      (s) => s >= ok,
      { timeoutMs: 300_000, intervalMs: 100, what: 'every answered OsmAnd fix stored' },
    );
    const storedS = (performance.now() - t0) / 1000;
    return {
      requestsPerS: ok / result.duration,
      latencyP99Ms: result.latency.p99,
      storedPerS: ok / storedS,
      requests: ok,
    };
  } finally {
    execFileSync('taskset', ['-a', '-cp', '0-1', String(process.pid)], { stdio: 'ignore' });
    await p.stop();
  }
}
