// Ingest: counting-only consumers (MQTT.js, mosquitto_sub) as the ceiling vs the collector into SQLite and into influxd, same broker, same load.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { pointTimeNs } from '../core/store/influx-points.js';
import { DEVICE_TAG, MEASUREMENT } from '../core/store/influxql.js';
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

/**
 * When a consumer is done, given the publishers' promise (resolved once every mosquitto_pub has
 * had its last PUBACK from the broker).
 */
export type DoneWhen = (published: Promise<void>) => Promise<unknown>;

/**
 * Asks `stored` every 20 ms once the publishers are done (no consumer can have every reading
 * before the broker has it): the 2 cores this run shares are not shared with the check while the
 * load is under way. Why: the InfluxDB run's check (the store's device list, every 20 ms from the
 * start) took 0.25 of a core in influxd and 0.16 in the bench process (3 s measured against a
 * loaded influxd), charged to the consumer it was timing; the SQLite check opened a connection
 * each time.
 */
export const storedAll =
  (stored: () => Promise<number>, total: number): DoneWhen =>
  (published) =>
    published.then(() =>
      waitFor(stored, (n) => n >= total, {
        timeoutMs: MAX_WAIT_MS,
        intervalMs: 20,
        what: `${total} stored`,
      }),
    );

/** Times `consume` from the first publish until it is done; CPU and peak RSS of `pid`. */
export async function timed(
  load: Load,
  port: number,
  pid: number,
  done: DoneWhen,
  maxWaitMs = MAX_WAIT_MS,
): Promise<IngestRun> {
  const rss = new RssPeak(pid).start();
  const cpu0 = cpuSeconds(pid);
  const started = performance.now();
  const publishing = publish(load, port);
  // Settled here too, so a publisher failing before `done` asks is not an unhandled rejection.
  publishing.catch(() => {});
  let cpu1 = cpu0;
  const sampler = setInterval(() => {
    try {
      cpu1 = cpuSeconds(pid);
    } catch {
      // exited
    }
  }, 50);
  const finish = await Promise.race([
    done(publishing),
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
    return await timed(load, broker.port, child.pid ?? 0, () => done);
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

/**
 * Readings a collector's SQLite store holds (every device's last seq + 1), from one read-only
 * connection kept open: a connection opened per check cost 4 % of a core at 50 checks a second.
 */
export class SqliteProgress {
  private db: Database.Database | undefined;
  private count: Database.Statement<[], { n: number }> | undefined;

  constructor(private readonly path: string) {}

  readonly stored = async (): Promise<number> => {
    try {
      if (!this.db || !this.count) {
        this.db = new Database(this.path, { readonly: true, fileMustExist: true });
        this.count = this.db.prepare('SELECT coalesce(sum(last_seq + 1), 0) AS n FROM devices');
      }
      return this.count.get()?.n ?? 0;
    } catch {
      // Not created yet, or its schema not yet written: nothing stored.
      this.close();
      return 0;
    }
  };

  close(): void {
    this.db?.close();
    this.db = undefined;
    this.count = undefined;
  }
}

/** The collector process into SQLite; done when the store holds every reading (committed). */
export async function sqliteRun(
  dir: string,
  load: Load,
  setup: BrokerSetup = BENCH_BROKER,
  extra: CollectorExtra = {},
): Promise<IngestRun> {
  const path = join(dir, 'telemetry.db');
  const progress = new SqliteProgress(path);
  try {
    return await collectorRun(
      dir,
      load,
      setup,
      { STORE: 'sqlite', SQLITE_PATH: path, ...extra.env },
      extra.nodeArgs ?? [],
      progress.stored,
    );
  } finally {
    progress.close();
  }
}

/**
 * The collector process into influxd 1.6.7 (line protocol over /write); done when every device's
 * last reading is stored. Each publisher sends its device's readings in order over one QoS 1
 * session and the collector writes batches in arrival order, so a device's last reading stored
 * means all of it is. Checked by that one point per device (its series and exact time), which
 * costs influxd a lookup, not a scan.
 */
export async function influxRun(
  dir: string,
  load: Load,
  setup: BrokerSetup = BENCH_BROKER,
): Promise<IngestRun> {
  const influx = new InfluxdProcess({ dir: join(dir, 'influxd') });
  await influx.start();
  const statements = load.files
    .map((files) => lastReading(files.at(-1) as string))
    .map(
      (r) =>
        `SELECT count(seq) FROM ${MEASUREMENT} WHERE ${DEVICE_TAG} = '${r.device_id}' AND time = ${pointTimeNs(Date.parse(r.timestamp), r.seq)}`,
    )
    .join('; ');
  const total = load.publishers * load.perPublisher;
  try {
    return await collectorRun(
      dir,
      load,
      setup,
      { STORE: 'influxdb', INFLUXDB_URL: influx.url, INFLUXDB_BUCKET: 'bench' },
      [],
      async () => {
        try {
          const answer = (await influx.query(statements, 'bench')) as {
            results?: Array<{ series?: Array<{ values?: unknown[][] }> }>;
          };
          const found = (answer.results ?? []).filter(
            (r) => Number(r.series?.[0]?.values?.[0]?.[1] ?? 0) > 0,
          ).length;
          return found === load.publishers ? total : 0;
        } catch {
          return 0; // the database not created yet
        }
      },
    );
  } finally {
    await influx.stop();
  }
}

/** The last reading in a publisher's file (device, seq, timestamp). */
function lastReading(file: string): { device_id: string; seq: number; timestamp: string } {
  const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
  return JSON.parse(lines.at(-1) as string);
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
    return await timed(load, broker.port, collector.pid ?? 0, storedAll(stored, total));
  } finally {
    await collector.kill('SIGTERM');
    await broker.stop();
  }
}
