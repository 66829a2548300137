// Ingest: counting-only consumers (MQTT.js, mosquitto_sub) as the ceiling vs the collector into SQLite and into influxd, same broker, same load.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { silentLogger } from '../core/log.js';
import { InfluxStore } from '../core/store/influx-store.js';
import { track } from '../harness/children.js';
import { InfluxdProcess } from '../harness/influxd.js';
import { MosquittoProcess } from '../harness/mosquitto.js';
import { npmScript, ProgramProcess } from '../harness/program.js';
import { sleep, waitFor } from '../harness/wait.js';
import { cpuSeconds, RssPeak } from './process-metrics.js';
import { type Load, loadFilter, publish } from './publishers.js';

const SINK = fileURLToPath(new URL('./mqtt-sink.ts', import.meta.url));

export interface IngestRun {
  msgsPerS: number;
  /** Peak resident memory of the consumer. */
  rssMb?: number;
  /** CPU cores the consumer used on average while it ingested (user + system). */
  cores?: number;
  /** Its CPU time per reading in µs: what a loaded machine changes least. */
  cpuUsPerReading?: number;
}

/** Broker settings every consumer of one comparison gets alike. */
export interface BrokerSetup {
  /**
   * Mosquitto's max_inflight_messages: unacknowledged QoS 1 messages out to one subscriber. The
   * collector holds its PUBACKs until a batch is durable, so this bounds its batch size: at
   * Mosquitto's default 20 every commit covers at most 20 readings. docker/'s broker uses 1000.
   */
  maxInflight: number;
}

export const BENCH_BROKER: BrokerSetup = { maxInflight: 1000 };

const MAX_WAIT_MS = 180_000;

export type CeilingConsumer = 'mqttjs' | 'mosquitto_sub';

/**
 * What a consumer's `done` may resolve to when it ended short: the rows it stored and when the last
 * came (performance.now()), so its rate is of what it kept and the quiet wait is not timed.
 */
export interface ShortFinish {
  rows: number;
  endedAt: number;
}

const isShort = (v: unknown): v is ShortFinish =>
  typeof v === 'object' && v !== null && 'rows' in v && 'endedAt' in v;

/** Times `consume` from the first publish until it is done; CPU and peak RSS of `pid`. */
export async function timed(
  load: Load,
  port: number,
  pid: number,
  done: Promise<unknown>,
  maxWaitMs = MAX_WAIT_MS,
): Promise<IngestRun> {
  const rss = new RssPeak(pid).start();
  const cpu0 = cpuSeconds(pid);
  const started = performance.now();
  const publishing = publish(load, port);
  let cpu1 = cpu0;
  const sampler = setInterval(() => {
    try {
      cpu1 = cpuSeconds(pid);
    } catch {
      // exited
    }
  }, 50);
  const finish = await Promise.race([
    done,
    sleep(maxWaitMs).then(() => Promise.reject(new Error('timeout'))),
  ]);
  const elapsed = ((isShort(finish) ? finish.endedAt : performance.now()) - started) / 1000;
  clearInterval(sampler);
  try {
    cpu1 = cpuSeconds(pid);
  } catch {
    // exited: the last sample stands
  }
  await publishing;
  const total = isShort(finish) ? finish.rows : load.publishers * load.perPublisher;
  return {
    msgsPerS: total / elapsed,
    rssMb: rss.stop(),
    cores: (cpu1 - cpu0) / elapsed,
    cpuUsPerReading: ((cpu1 - cpu0) * 1e6) / total,
  };
}

/**
 * A consumer that only counts, QoS 1 with a persistent session: `mosquitto_sub` (the C client)
 * or a bare MQTT.js client in its own node process (bench/mqtt-sink.ts).
 */
export async function ceilingRun(
  dir: string,
  load: Load,
  consumer: CeilingConsumer,
  setup: BrokerSetup = BENCH_BROKER,
): Promise<IngestRun> {
  const broker = new MosquittoProcess({
    dir: join(dir, 'mosquitto'),
    maxInflight: setup.maxInflight,
  });
  await broker.start();
  const total = load.publishers * load.perPublisher;
  const filter = loadFilter(load.kind);
  const port = String(broker.port);
  const child =
    consumer === 'mosquitto_sub'
      ? spawn(
          'mosquitto_sub',
          ['-h', '127.0.0.1', '-p', port, '-q', '1', '-c', '-i', 'ceiling', '-t', filter].concat([
            '-C',
            String(total),
          ]),
          { stdio: ['ignore', 'ignore', 'inherit'] },
        )
      : spawn(process.execPath, ['--import', 'tsx', SINK, port, filter, String(total)], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
  track(child);
  try {
    let out = '';
    const done = new Promise<void>((resolve, reject) =>
      child.once('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`${consumer} exited ${code}`)),
      ),
    );
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    if (consumer === 'mqttjs') {
      await waitFor(() => out.includes('subscribed'), Boolean, { what: 'mqtt-sink subscribed' });
    } else {
      await sleep(500); // subscribed (a C client connects in well under this)
    }
    return await timed(load, broker.port, child.pid ?? 0, done);
  } finally {
    child.kill('SIGTERM');
    await broker.stop();
  }
}

/** More for the collector process: environment, node flags (e.g. --cpu-prof). */
export interface CollectorExtra {
  env?: Record<string, string>;
  nodeArgs?: string[];
}

/** The collector process into SQLite; done when the store holds every reading (committed). */
export async function sqliteRun(
  dir: string,
  load: Load,
  setup: BrokerSetup = BENCH_BROKER,
  extra: CollectorExtra = {},
): Promise<IngestRun> {
  const path = join(dir, 'telemetry.db');
  return collectorRun(
    dir,
    load,
    setup,
    { STORE: 'sqlite', SQLITE_PATH: path, ...extra.env },
    extra.nodeArgs ?? [],
    async () => {
      try {
        const db = new Database(path, { readonly: true, fileMustExist: true });
        try {
          return (
            db.prepare('SELECT coalesce(sum(last_seq + 1), 0) AS n FROM devices').get() as {
              n: number;
            }
          ).n;
        } finally {
          db.close();
        }
      } catch {
        return 0;
      }
    },
  );
}

/** The collector process into influxd 1.6.7 (line protocol over /write). */
export async function influxRun(
  dir: string,
  load: Load,
  setup: BrokerSetup = BENCH_BROKER,
): Promise<IngestRun> {
  const influx = new InfluxdProcess({ dir: join(dir, 'influxd') });
  await influx.start();
  const store = new InfluxStore({
    url: influx.url,
    token: undefined,
    org: 'bench',
    bucket: 'bench',
    api: 'auto',
    readonly: true,
    log: silentLogger(),
  });
  try {
    return await collectorRun(
      dir,
      load,
      setup,
      { STORE: 'influxdb', INFLUXDB_URL: influx.url, INFLUXDB_BUCKET: 'bench' },
      [],
      async () => {
        try {
          await store.start(); // the collector created the database before it subscribed
          return (await store.devices()).reduce((n, d) => n + d.lastSeq + 1, 0);
        } catch {
          return 0;
        }
      },
    );
  } finally {
    await store.stop();
    await influx.stop();
  }
}

/** The collector as `npm run collector` starts it, fed `load`; done when `stored` reaches the total. */
export async function collectorRun(
  dir: string,
  load: Load,
  setup: BrokerSetup,
  env: Record<string, string>,
  nodeArgs: string[],
  stored: () => Promise<number>,
): Promise<IngestRun> {
  const broker = new MosquittoProcess({
    dir: join(dir, 'mosquitto'),
    maxInflight: setup.maxInflight,
  });
  await broker.start();
  // The collector exactly as `npm run collector` starts it (bundled, same node flags).
  const script = npmScript('collector');
  const collector = new ProgramProcess(
    script.script,
    [],
    {
      MQTT_BROKER_HOST: '127.0.0.1',
      MQTT_BROKER_PORT: String(broker.port),
      COLLECTOR_STATE_PATH: join(dir, 'collector-state.db'),
      LOG_LEVEL: 'info',
      ...env,
    },
    [...script.nodeArgs, ...nodeArgs],
  );
  try {
    collector.start();
    await waitFor(() => collector.stderr.includes('"msg":"subscribed"'), Boolean, {
      what: 'collector subscribed',
    });
    const total = load.publishers * load.perPublisher;
    const done = waitFor(stored, (n) => n >= total, {
      timeoutMs: MAX_WAIT_MS,
      intervalMs: 20,
      what: `${total} stored`,
    });
    return await timed(load, broker.port, collector.pid ?? 0, done);
  } finally {
    await collector.kill('SIGTERM');
    await broker.stop();
  }
}
