// A drill's world: a real Mosquitto with persistence, the store, the collector and the devices as child processes.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type Config, loadConfig } from '../core/config.js';
import { silentLogger } from '../core/log.js';
import { createStore } from '../core/store/create-store.js';
import { fleetIds } from '../devices/create-device.js';
import { InfluxdProcess } from '../harness/influxd.js';
import { MosquittoProcess } from '../harness/mosquitto.js';
import { freePort, waitForPort } from '../harness/ports.js';
import { ProgramProcess } from '../harness/program.js';
import { waitFor } from '../harness/wait.js';
import type { DeviceLedger } from './accounting.js';

export interface DrillSettings {
  dir: string;
  devices: number;
  intervalMs: number;
  store: 'sqlite' | 'influxdb';
  ackMode: 'e2e' | 'broker';
  queueMax: number;
  prefix: string;
}

/** A drill's environment settings from its options: every scenario's vehicles are `drill_NN`. */
export function drillSettings(
  dir: string,
  o: Pick<DrillSettings, 'devices' | 'intervalMs' | 'store' | 'ackMode' | 'queueMax'>,
): DrillSettings {
  const { devices, intervalMs, store, ackMode, queueMax } = o;
  return { dir, devices, intervalMs, store, ackMode, queueMax, prefix: 'drill_' };
}

/** Last JSON line of a stream that satisfies `pick`. */
function lastJson(
  text: string,
  pick: (v: Record<string, unknown>) => boolean,
): Record<string, unknown> | undefined {
  const lines = text.trim().split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const value = JSON.parse(lines[i] ?? '') as Record<string, unknown>;
      if (pick(value)) return value;
    } catch {
      // not a JSON line
    }
  }
  return undefined;
}

export class DrillEnvironment {
  readonly broker: MosquittoProcess;
  readonly influx: InfluxdProcess | undefined;
  collector: ProgramProcess | undefined;
  devices: ProgramProcess | undefined;
  dashboard: ProgramProcess | undefined;
  private dashboardPort = 0;
  /** PUBACKs counted by device processes that were killed or replaced. */
  private acknowledgedBefore = 0;
  private config: Config | undefined;

  constructor(readonly settings: DrillSettings) {
    // Autosave every 60 s: a SIGKILL loses what the broker acknowledged since its last save.
    this.broker = new MosquittoProcess({
      dir: join(settings.dir, 'mosquitto'),
      autosaveInterval: 60,
    });
    this.influx =
      settings.store === 'influxdb'
        ? new InfluxdProcess({ dir: join(settings.dir, 'influxd') })
        : undefined;
  }

  get deviceIds(): string[] {
    return fleetIds(this.settings.prefix, this.settings.devices);
  }

  get queueDir(): string {
    return join(this.settings.dir, 'queues');
  }

  get sqlitePath(): string {
    return join(this.settings.dir, 'telemetry.db');
  }

  /** Env shared by every child: delivery timings shortened so a drill takes seconds. */
  env(): Record<string, string> {
    return {
      MQTT_BROKER_HOST: '127.0.0.1',
      MQTT_BROKER_PORT: String(this.broker.port),
      MQTT_RECONNECT_MAX_MS: '1000',
      STORE: this.settings.store,
      SQLITE_PATH: this.sqlitePath,
      // Each program's own state in the drill's folder, never the working directory's ./data.
      DASHBOARD_STATE_PATH: join(this.settings.dir, 'dashboard-state.db'),
      COLLECTOR_STATE_PATH: join(this.settings.dir, 'collector-state.db'),
      INFLUXDB_URL: this.influx?.url ?? 'http://127.0.0.1:8086',
      INFLUXDB_BUCKET: 'drill',
      QUEUE_DIR: this.queueDir,
      QUEUE_MAX: String(this.settings.queueMax),
      // The ledger reads one file per device.
      QUEUE_LAYOUT: 'per-device',
      ACK_MODE: this.settings.ackMode,
      ACK_INTERVAL_MS: '200',
      RESEND_AFTER_MS: '2000',
      LOG_LEVEL: 'info',
    };
  }

  async start(): Promise<void> {
    await this.broker.start();
    await this.influx?.start();
    this.config = loadConfig({}, this.env());
    await this.startCollector();
    this.startDevices();
    await this.devicesConnected();
  }

  /** Every vehicle connected (from the devices process's once-a-second stats line). */
  async devicesConnected(timeoutMs = 30_000): Promise<void> {
    await waitFor(
      () => Number(lastJson(this.devices?.stdout ?? '', (v) => 'connected' in v)?.connected ?? 0),
      (n) => n === this.settings.devices,
      { timeoutMs, intervalMs: 100, what: 'devices connected' },
    );
  }

  async startCollector(): Promise<void> {
    this.collector = ProgramProcess.fromNpmScript('collector', [], this.env());
    this.collector.start();
    await this.collectorReady();
  }

  /** The collector logs "subscribed" at each SUBACK. */
  async collectorReady(timeoutMs = 30_000): Promise<void> {
    await waitFor(() => this.collector?.stderr.includes('"msg":"subscribed"') ?? false, Boolean, {
      timeoutMs,
      what: 'collector subscribed',
    });
  }

  startDevices(): void {
    const { devices, intervalMs, prefix } = this.settings;
    const args = [
      '--count',
      String(devices),
      '--interval',
      String(intervalMs),
      '--prefix',
      prefix,
      '--json-stats',
    ];
    this.devices = ProgramProcess.fromNpmScript('devices', args, {
      ...this.env(),
      LOG_LEVEL: 'warn',
    });
    this.devices.start();
  }

  /** SIGKILL the devices process, keeping the count of PUBACKs it had reported. */
  async killDevices(): Promise<void> {
    this.acknowledgedBefore += this.reportedAcknowledged();
    await this.devices?.kill('SIGKILL');
  }

  private reportedAcknowledged(): number {
    const stats = lastJson(this.devices?.stdout ?? '', (v) => typeof v.acknowledged === 'number');
    return Number(stats?.acknowledged ?? 0);
  }

  /** PUBACKs the devices received, over every devices process of the drill. */
  acknowledged(): number {
    return this.acknowledgedBefore + this.reportedAcknowledged();
  }

  /** Per device: issued seqs, evictions and rows still queued, read from the queue files. */
  ledgers(): Array<DeviceLedger & { queued: number }> {
    return this.deviceIds.map((deviceId) => {
      const file = join(this.queueDir, `${deviceId}.db`);
      if (!existsSync(file)) return { deviceId, nextSeq: 0, evicted: [], queued: 0 };
      const db = new Database(file, { readonly: true });
      try {
        db.pragma('busy_timeout = 2000');
        return { deviceId, ...readLedger(db, deviceId) };
      } finally {
        db.close();
      }
    });
  }

  /**
   * Drain: the devices take no more readings but keep delivering. Done when every queue is empty
   * (e2e: everything confirmed stored) and the stored count has settled.
   */
  async drain(timeoutMs: number): Promise<number> {
    const started = Date.now();
    this.devices?.signal('SIGUSR2');
    await waitFor(
      () => this.ledgers().reduce((n, l) => n + l.queued, 0),
      (q) => q === 0,
      {
        timeoutMs,
        intervalMs: 100,
        what: 'device queues drained',
      },
    );
    let last = -1;
    await waitFor(
      async () => {
        const count = await this.storedCount();
        const settled = count === last;
        last = count;
        return settled;
      },
      Boolean,
      { timeoutMs, intervalMs: 300, what: 'store settled' },
    );
    return Date.now() - started;
  }

  private async storedCount(): Promise<number> {
    let n = 0;
    for (const seqs of (await this.storedSeqs()).values()) n += seqs.length;
    return n;
  }

  /** Every stored seq per device, through the store interface (SQLite or InfluxDB alike). */
  async storedSeqs(): Promise<Map<string, number[]>> {
    if (!this.config) throw new Error('drill not started');
    if (this.settings.store === 'sqlite' && !existsSync(this.sqlitePath)) return new Map();
    const store = createStore(this.config.store, silentLogger(), { readonly: true });
    await store.start();
    try {
      const out = new Map<string, number[]>();
      for (const d of await store.devices()) out.set(d.deviceId, await store.seqs(d.deviceId));
      return out;
    } finally {
      await store.stop();
    }
  }

  /** The dashboard as its own process (the fuzz drill checks it keeps serving). */
  async startDashboard(): Promise<void> {
    this.dashboardPort = await freePort();
    this.dashboard = ProgramProcess.fromNpmScript('dashboard', [], {
      ...this.env(),
      DASHBOARD_HOST: '127.0.0.1',
      DASHBOARD_PORT: String(this.dashboardPort),
      LOG_LEVEL: 'warn',
    });
    this.dashboard.start();
    await waitForPort(this.dashboardPort, 30_000);
  }

  /**
   * GET /api/health answers 200 within 5 s (2 s was once missed on a machine running the whole
   * suite: a slow answer under load, not a dashboard that stopped serving).
   */
  async dashboardHealthy(): Promise<boolean> {
    if (!this.dashboard) return true;
    try {
      const res = await fetch(`http://127.0.0.1:${this.dashboardPort}/api/health`, {
        signal: AbortSignal.timeout(5000),
      });
      await res.arrayBuffer();
      return res.status === 200;
    } catch {
      return false;
    }
  }

  /** The collector's last "stats" log line (it logs one at shutdown). */
  collectorStats(): Record<string, unknown> | undefined {
    return lastJson(this.collector?.stderr ?? '', (v) => v.msg === 'stats');
  }

  async stop(): Promise<void> {
    await this.dashboard?.kill('SIGTERM');
    await this.devices?.kill('SIGTERM');
    await this.collector?.kill('SIGTERM');
    await this.broker.stop();
    await this.influx?.stop();
  }
}

/** A queue file's view of one device: next seq (rows carry it until deleted), evictions, rows. */
function readLedger(db: Database.Database, deviceId: string) {
  const next = db
    .prepare(
      `SELECT max(next_seq, coalesce((SELECT max(seq) + 1 FROM queue WHERE device_id = @id), 0)) AS n
       FROM devices WHERE device_id = @id`,
    )
    .get({ id: deviceId }) as { n: number } | undefined;
  const queued = db
    .prepare('SELECT count(*) AS n FROM queue WHERE device_id = ?')
    .get(deviceId) as {
    n: number;
  };
  const evicted = (
    db
      .prepare('SELECT from_seq, to_seq FROM evictions WHERE device_id = ? ORDER BY from_seq')
      .all(deviceId) as Array<{ from_seq: number; to_seq: number }>
  ).map((r): [number, number] => [r.from_seq, r.to_seq]);
  return { nextSeq: next?.n ?? 0, evicted, queued: queued.n };
}
