// Ingest: the C client's ceiling vs the collector into SQLite and into influxd, same broker, same load.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { silentLogger } from '../core/log.js';
import { InfluxStore } from '../core/store/influx-store.js';
import { InfluxdProcess } from '../harness/influxd.js';
import { MosquittoProcess } from '../harness/mosquitto.js';
import { ProgramProcess } from '../harness/program.js';
import { sleep, waitFor } from '../harness/wait.js';
import { RssPeak } from './process-metrics.js';
import { type Load, publish } from './publishers.js';

export interface IngestRun {
  msgsPerS: number;
  /** Peak resident memory of the consumer (collector runs only). */
  rssMb?: number;
}

const MAX_WAIT_MS = 180_000;

/** mosquitto_sub at QoS 1 with a persistent session: the fastest consumer the broker feeds. */
export async function ceilingRun(dir: string, load: Load): Promise<IngestRun> {
  const broker = new MosquittoProcess({ dir: join(dir, 'mosquitto') });
  await broker.start();
  try {
    const total = load.publishers * load.perPublisher;
    const sub = spawn(
      'mosquitto_sub',
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(broker.port),
        '-q',
        '1',
        '-c',
        '-i',
        'ceiling',
        '-t',
        'vehicles/+/speed',
        '-C',
        String(total),
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const done = new Promise<void>((resolve) => sub.once('exit', () => resolve()));
    await sleep(500); // subscribed (a C client connects in well under this)
    const started = performance.now();
    await publish(load, broker.port);
    await Promise.race([done, sleep(MAX_WAIT_MS).then(() => sub.kill())]);
    return { msgsPerS: total / ((performance.now() - started) / 1000) };
  } finally {
    await broker.stop();
  }
}

/** The collector process into SQLite; done when the store holds every reading (committed). */
export async function sqliteRun(dir: string, load: Load): Promise<IngestRun> {
  const path = join(dir, 'telemetry.db');
  return collectorRun(dir, load, { STORE: 'sqlite', SQLITE_PATH: path }, async () => {
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
  });
}

/** The collector process into influxd 1.6.7 (line protocol over /write). */
export async function influxRun(dir: string, load: Load): Promise<IngestRun> {
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
      { STORE: 'influxdb', INFLUXDB_URL: influx.url, INFLUXDB_BUCKET: 'bench' },
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
  env: Record<string, string>,
  stored: () => Promise<number>,
): Promise<IngestRun> {
  const broker = new MosquittoProcess({ dir: join(dir, 'mosquitto') });
  await broker.start();
  // The collector exactly as `npm run collector` starts it (bundled, same node flags).
  const collector = ProgramProcess.fromNpmScript('collector', [], {
    MQTT_BROKER_HOST: '127.0.0.1',
    MQTT_BROKER_PORT: String(broker.port),
    COLLECTOR_STATE_PATH: join(dir, 'collector-state.db'),
    LOG_LEVEL: 'info',
    ...env,
  });
  try {
    collector.start();
    await waitFor(() => collector.stderr.includes('"msg":"subscribed"'), Boolean, {
      what: 'collector subscribed',
    });
    const rss = new RssPeak(collector.pid ?? 0).start();
    const total = load.publishers * load.perPublisher;
    const started = performance.now();
    const publishing = publish(load, broker.port);
    await waitFor(stored, (n) => n >= total, {
      timeoutMs: MAX_WAIT_MS,
      intervalMs: 20,
      what: `${total} stored`,
    });
    const elapsed = (performance.now() - started) / 1000;
    await publishing;
    return { msgsPerS: total / elapsed, rssMb: rss.stop() };
  } finally {
    await collector.kill('SIGTERM');
    await broker.stop();
  }
}
