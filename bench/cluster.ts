// Ingest with several collectors (REDIS_URL): 1 vs 3 collector processes on one host, same broker and load, into SQLite or influxd.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createClient } from 'redis';
import { silentLogger } from '../core/log.js';
import { InfluxStore } from '../core/store/influx-store.js';
import { InfluxdProcess } from '../harness/influxd.js';
import { MosquittoProcess } from '../harness/mosquitto.js';
import { ProgramProcess } from '../harness/program.js';
import { RedisProcess } from '../harness/redis.js';
import { waitFor } from '../harness/wait.js';
import type { IngestRun } from './ingest.js';
import type { Load } from './publishers.js';
import { publish } from './publishers.js';

const PARTITIONS = 16;
const MAX_WAIT_MS = 180_000;

export interface ClusterLoad {
  collectors: number;
  store: 'sqlite' | 'influxdb';
}

/** Each vehicle's retained `online`: how cluster members learn which vehicles exist (no device runs here). */
async function announce(load: Load, port: number): Promise<void> {
  for (const id of load.deviceIds) {
    const payload = JSON.stringify({
      device_id: id,
      status: 'online',
      timestamp: new Date().toISOString(),
    });
    await new Promise<void>((resolve, reject) => {
      const args = ['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-r'];
      const child = spawn('mosquitto_pub', [...args, '-t', `vehicles/${id}/status`, '-m', payload]);
      child.once('error', reject);
      child.once('exit', () => resolve());
    });
  }
}

/** Every partition held by a live member, fairly, and that member's session for it subscribed. */
async function settled(redisUrl: string, members: Map<string, ProgramProcess>): Promise<boolean> {
  const client = createClient({ url: redisUrl });
  client.on('error', () => {});
  await client.connect();
  try {
    const keys = Array.from({ length: PARTITIONS }, (_, n) => `telemetry:collector:lease:p${n}`);
    const owners = (await client.mGet(keys)) as Array<string | null>;
    const share = Math.ceil(PARTITIONS / members.size);
    const held = new Map<string, number>();
    for (const o of owners) if (o) held.set(o, (held.get(o) ?? 0) + 1);
    if ([...members.keys()].some((id) => (held.get(id) ?? 0) === 0)) return false;
    if ([...held.values()].some((n) => n > share)) return false;
    return owners.every((o, n) => {
      const log = o ? members.get(o)?.stderr : undefined;
      return log?.includes(`"partition":${n},`) && log.includes('"msg":"subscribed"');
    });
  } finally {
    client.destroy();
  }
}

interface StoredCounter {
  env: Record<string, string>;
  count: () => Promise<number>;
  close: () => Promise<void>;
}

function storedCounter(
  dir: string,
  load: ClusterLoad,
  influxUrl: string | undefined,
): StoredCounter {
  if (load.store === 'sqlite') {
    const path = join(dir, 'telemetry.db');
    return {
      env: { STORE: 'sqlite', SQLITE_PATH: path },
      count: async () => {
        try {
          const db = new Database(path, { readonly: true, fileMustExist: true });
          try {
            const q = 'SELECT coalesce(sum(last_seq + 1), 0) AS n FROM devices';
            return (db.prepare(q).get() as { n: number }).n;
          } finally {
            db.close();
          }
        } catch {
          return 0;
        }
      },
      close: async () => {},
    };
  }
  const store = new InfluxStore({
    url: influxUrl ?? '',
    token: undefined,
    org: 'bench',
    bucket: 'bench',
    api: 'auto',
    readonly: true,
    log: silentLogger(),
  });
  return {
    env: { STORE: 'influxdb', INFLUXDB_URL: influxUrl ?? '', INFLUXDB_BUCKET: 'bench' },
    count: async () => {
      try {
        await store.start();
        return (await store.devices()).reduce((n, d) => n + d.lastSeq + 1, 0);
      } catch {
        return 0;
      }
    },
    close: () => store.stop(),
  };
}

/** Readings per second from the first publish until the store holds every reading. */
export async function clusterRun(dir: string, load: Load, c: ClusterLoad): Promise<IngestRun> {
  const redis = new RedisProcess();
  const broker = new MosquittoProcess({ dir: join(dir, 'mosquitto') });
  const influx = c.store === 'influxdb' ? new InfluxdProcess({ dir: join(dir, 'influxd') }) : null;
  await redis.start();
  await broker.start();
  await influx?.start();
  const counter = storedCounter(dir, c, influx?.url);
  const members = new Map<string, ProgramProcess>();
  try {
    await announce(load, broker.port);
    for (let i = 1; i <= c.collectors; i++) {
      const proc = ProgramProcess.fromNpmScript('collector', [], {
        MQTT_BROKER_HOST: '127.0.0.1',
        MQTT_BROKER_PORT: String(broker.port),
        REDIS_URL: redis.url,
        COLLECTOR_ID: `c${i}`,
        COLLECTOR_PARTITIONS: String(PARTITIONS),
        COLLECTOR_STATE_PATH: join(dir, `collector-state-${i}.db`),
        LOG_LEVEL: 'info',
        ...counter.env,
      });
      proc.start();
      members.set(`c${i}`, proc);
    }
    await waitFor(() => settled(redis.url, members), Boolean, {
      timeoutMs: 60_000,
      intervalMs: 200,
      what: 'partitions spread and subscribed',
    });
    const total = load.publishers * load.perPublisher;
    const started = performance.now();
    const publishing = publish(load, broker.port);
    await waitFor(counter.count, (n) => n >= total, {
      timeoutMs: MAX_WAIT_MS,
      intervalMs: 20,
      what: `${total} stored`,
    });
    const elapsed = (performance.now() - started) / 1000;
    await publishing;
    return { msgsPerS: total / elapsed };
  } finally {
    for (const m of members.values()) await m.kill('SIGTERM');
    await counter.close();
    await influx?.stop();
    await broker.stop();
    await redis.stop();
  }
}
