// The collector-failover drill's world: the usual broker, store and devices, plus redis-server and several collectors sharing leases.
import { createClient } from 'redis';
import { loadConfig } from '../core/config.js';
import { silentLogger } from '../core/log.js';
import { createStore } from '../core/store/create-store.js';
import { ProgramProcess } from '../harness/program.js';
import { RedisProcess } from '../harness/redis.js';
import { DrillEnvironment, type DrillSettings } from './environment.js';

export interface ClusterSettings {
  collectors: number;
  partitions: number;
  leaseTtlMs: number;
}

export interface Mark {
  offsets: Map<string, number>;
  owners: Array<string | null>;
}

export interface Member {
  id: string;
  proc: ProgramProcess;
}

export class ClusterEnvironment extends DrillEnvironment {
  readonly redis = new RedisProcess();
  readonly members: Member[] = [];
  private nextId = 1;

  constructor(
    settings: DrillSettings,
    readonly cluster: ClusterSettings,
  ) {
    super(settings);
  }

  override env(): Record<string, string> {
    return {
      ...super.env(),
      REDIS_URL: this.redis.url,
      COLLECTOR_PARTITIONS: String(this.cluster.partitions),
      COLLECTOR_LEASE_TTL_MS: String(this.cluster.leaseTtlMs),
    };
  }

  override async start(): Promise<void> {
    await this.redis.start();
    await super.start();
  }

  /** Starts the configured number of collectors and waits until every partition has an owner. */
  override async startCollector(): Promise<void> {
    for (let i = 0; i < this.cluster.collectors; i++) this.addCollector();
    await this.waitBalanced();
  }

  /** Every partition served by a live collector, spread fairly (each at most ceil(P / live), none idle). */
  async waitBalanced(timeoutMs = 60_000): Promise<number> {
    const started = Date.now();
    for (;;) {
      // Settled: no collector above its fair share, none empty, every partition served.
      const spread = Object.values(await this.spread());
      const share = Math.ceil(this.cluster.partitions / spread.length);
      if (spread.every((n) => n > 0 && n <= share) && (await this.served()))
        return Date.now() - started;
      if (Date.now() - started > timeoutMs) throw new Error('partitions not balanced in time');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** One more collector process (c1, c2, …): it takes its share from the others. */
  addCollector(): Member {
    const id = `c${this.nextId++}`;
    const proc = ProgramProcess.fromNpmScript('collector', [], {
      ...this.env(),
      COLLECTOR_ID: id,
    });
    proc.start();
    const member = { id, proc };
    this.members.push(member);
    // run.ts checks `collector.running` at the end: the newest member stands for the cluster.
    this.collector = proc;
    return member;
  }

  live(): Member[] {
    return this.members.filter((m) => m.proc.running);
  }

  /** Owner (collector id) of each partition's lease, from Redis. */
  async owners(): Promise<Array<string | null>> {
    const client = createClient({ url: this.redis.url });
    client.on('error', () => {});
    await client.connect();
    try {
      const keys = Array.from(
        { length: this.cluster.partitions },
        (_, n) => `telemetry:collector:lease:p${n}`,
      );
      return (await client.mGet(keys)) as Array<string | null>;
    } finally {
      client.destroy();
    }
  }

  /** Partitions held per live collector. */
  async spread(): Promise<Record<string, number>> {
    const out: Record<string, number> = Object.fromEntries(this.live().map((m) => [m.id, 0]));
    for (const o of await this.owners()) if (o !== null && o in out) out[o] = (out[o] ?? 0) + 1;
    return out;
  }

  /**
   * Every partition owned by a live collector whose session for it has subscribed: since `mark`
   * (stderr offsets and owners at a fault) for a partition that changed hands, ever otherwise.
   */
  async served(mark?: Mark): Promise<boolean> {
    const live = new Map(this.live().map((m) => [m.id, m]));
    const owners = await this.owners();
    return owners.every((owner, n) => {
      const m = owner === null ? undefined : live.get(owner);
      if (!m) return false;
      const moved = mark !== undefined && mark.owners[n] !== owner;
      return subscribedLine(m.proc.stderr.slice(moved ? (mark.offsets.get(m.id) ?? 0) : 0), n);
    });
  }

  /** Where each collector's log stands and who owns what, before a fault. */
  async mark(): Promise<Mark> {
    return {
      offsets: new Map(this.members.map((m) => [m.id, m.proc.stderr.length])),
      owners: await this.owners(),
    };
  }

  async waitOwned(timeoutMs = 30_000, since?: Mark): Promise<number> {
    const started = Date.now();
    while (!(await this.served(since))) {
      if (Date.now() - started > timeoutMs) {
        const owners = await this.owners();
        if (process.env.DRILL_DEBUG_DIR) {
          const { writeFileSync } = await import('node:fs');
          for (const m of this.members)
            writeFileSync(`${process.env.DRILL_DEBUG_DIR}/${m.id}.log`, m.proc.stderr);
        }
        throw new Error(`partitions not all served in time: owners ${JSON.stringify(owners)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return Date.now() - started;
  }

  /** Per device, the acknowledged watermark the shared store holds. */
  async watermarks(): Promise<Map<string, number>> {
    const store = createStore(loadConfig({}, this.env()).store, silentLogger(), {
      readonly: true,
    });
    await store.start();
    try {
      return new Map((await store.coverage()).map((p) => [p.deviceId, p.watermark]));
    } finally {
      await store.stop();
    }
  }

  /** Stops every collector cleanly (their last rollup flush goes out); the engines stay up. */
  async stopCollectors(): Promise<void> {
    for (const m of this.members) await m.proc.kill('SIGTERM');
  }

  /**
   * InfluxDB: per device, the readings stored (raw points) and what each rollup tier counts. A
   * reading stored twice by two owners lands on the same point (same series and time), so only
   * the rollups, which add every write, show it; a reading the new owner never counted shows too.
   */
  async rollupCounts(): Promise<Map<string, { raw: number; oneMinute: number; oneHour: number }>> {
    const influx = this.influx;
    const out = new Map<string, { raw: number; oneMinute: number; oneHour: number }>();
    if (!influx) return out;
    const db = this.env().INFLUXDB_BUCKET ?? 'drill';
    const perDevice = async (q: string, field: 'raw' | 'oneMinute' | 'oneHour') => {
      const answer = (await influx.query(q, db)) as {
        results?: Array<{
          series?: Array<{ tags?: Record<string, string>; values?: Array<[string, number]> }>;
        }>;
      };
      for (const s of answer.results?.[0]?.series ?? []) {
        const id = s.tags?.device_id;
        if (!id) continue;
        const row = out.get(id) ?? { raw: 0, oneMinute: 0, oneHour: 0 };
        row[field] = Number(s.values?.[0]?.[1] ?? 0);
        out.set(id, row);
      }
    };
    await perDevice(
      `SELECT count("seq") FROM "${db}"."autogen"."vehicle_speed" GROUP BY "device_id"`,
      'raw',
    );
    await perDevice(
      `SELECT sum("count") FROM "${db}"."rollup_1m"."vehicle_speed_1m" GROUP BY "device_id"`,
      'oneMinute',
    );
    await perDevice(
      `SELECT sum("count") FROM "${db}"."rollup_1h"."vehicle_speed_1h" GROUP BY "device_id"`,
      'oneHour',
    );
    return out;
  }

  override async stop(): Promise<void> {
    await this.stopCollectors();
    await super.stop();
    await this.redis.stop();
  }
}

function subscribedLine(text: string, n: number): boolean {
  for (const line of text.split('\n')) {
    if (line.includes('"msg":"subscribed"') && line.includes(`"partition":${n},`)) return true;
  }
  return false;
}
