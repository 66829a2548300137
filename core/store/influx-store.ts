// InfluxDB telemetry store: writes via /api/v2/write or 1.x /write, reads via InfluxQL /query (1.x, 2.x, 3.x).
import type { DroppedNotice, SpeedReading } from '../contract.js';
import type { Logger } from '../log.js';
import { authorizationFor, databaseOf, detectServer, type InfluxServer } from './influx-detect.js';
import { InfluxHttp, InfluxHttpError, type InfluxSeries } from './influx-http.js';
import { toPoints } from './influx-points.js';
import { V1Writer } from './influx-write-v1.js';
import { V2Writer } from './influx-write-v2.js';
import type { PointWriter } from './influx-writer.js';
import {
  createDatabaseQuery,
  DEVICE_TAG,
  highestSeqQuery,
  historyQuery,
  isQueryableDeviceId,
  lastSeenQuery,
  latestQuery,
  MEASUREMENT,
  seqsQuery,
  showDatabasesQuery,
} from './influxql.js';
import {
  type Coverage,
  cloneCoverage,
  cover,
  type DeviceProgress,
  emptyCoverage,
  progressOf,
} from './seq-coverage.js';
import {
  type DeviceSummary,
  type HistoryQuery,
  type HistoryResult,
  historyWindow,
  type LatestReading,
  type PruneStep,
  type TelemetryStore,
  type WriteResult,
} from './types.js';
import { planWrite, writeResult } from './write-plan.js';

export interface InfluxStoreOptions {
  url: string;
  /** 2.x/3.x/Cloud: an API token; 1.x: `username:password`; unset: no auth. */
  token: string | undefined;
  org: string;
  /** Bucket (2.x/3.x) or database (1.x); `db/rp` names a retention policy too. */
  bucket: string;
  api: 'auto' | 'v1' | 'v2';
  /** Readers (the dashboard) never write nor create the database. */
  readonly?: boolean;
  /** Per HTTP request. */
  timeoutMs?: number;
  log?: Logger;
}

interface Connection {
  http: InfluxHttp;
  server: InfluxServer;
  database: string;
  retentionPolicy: string | undefined;
  writer: PointWriter | undefined;
}

export class InfluxStore implements TelemetryStore {
  readonly kind = 'influxdb' as const;
  private conn: Connection | undefined;
  /** Coverage per device, loaded by coverage() (the collector's start) and kept by write(). */
  private readonly coverages = new Map<string, Coverage>();

  constructor(private readonly options: InfluxStoreOptions) {}

  /** The server found at start (for logs and tests). */
  get server(): InfluxServer | undefined {
    return this.conn?.server;
  }

  async start(): Promise<void> {
    if (this.conn) return;
    const {
      url,
      token,
      org,
      bucket,
      api,
      readonly = false,
      timeoutMs = 10_000,
      log,
    } = this.options;
    let version: string | undefined;
    try {
      version = (await new InfluxHttp({ url, timeoutMs }).ping()).version;
    } catch (err) {
      throw new Error(`InfluxDB at ${url} did not answer /ping: ${(err as Error).message}`);
    }
    const server = detectServer(version, api);
    const http = new InfluxHttp({ url, timeoutMs, authorization: authorizationFor(server, token) });
    const { database, retentionPolicy } = databaseOf(bucket);
    // 1.x (1.8's /api/v2/write included) writes only into an existing database.
    if (server.major === 1 && !readonly) await this.ensureDatabase(http, database);
    let writer: PointWriter | undefined;
    if (!readonly) {
      writer =
        server.writeApi === 'v1'
          ? new V1Writer(http, database, retentionPolicy)
          : new V2Writer({ url, token, org, bucket, timeoutMs });
    }
    this.conn = { http, server, database, retentionPolicy, writer };
    log?.info(
      { url, version: version ?? 'unknown', writeApi: server.writeApi, database },
      'InfluxDB store ready',
    );
  }

  private async ensureDatabase(http: InfluxHttp, database: string): Promise<void> {
    const names = (await http.query(showDatabasesQuery(), undefined)).flatMap((s) =>
      s.values.map((row) => row[0]),
    );
    if (names.includes(database)) return;
    await http.query(createDatabaseQuery(database), undefined, { method: 'POST' });
    this.options.log?.info({ database }, 'created InfluxDB database');
  }

  private connection(): Connection {
    if (!this.conn) throw new Error('InfluxStore not started');
    return this.conn;
  }

  private async query(statement: string, chunked = false): Promise<InfluxSeries[]> {
    const { http, database, retentionPolicy } = this.connection();
    const series = await http.query(statement, database, { chunked, retentionPolicy });
    // VictoriaMetrics takes writes but answers every InfluxQL query with a canned SHOW DATABASES:
    // refuse to read that as "no data".
    const foreign = series.find((s) => s.name !== MEASUREMENT);
    if (foreign) {
      throw new InfluxHttpError(
        200,
        `${this.options.url} does not answer InfluxQL (got series "${foreign.name}"); reads need InfluxDB 1.x, 2.x or 3.x`,
      );
    }
    return series;
  }

  async write(
    readings: readonly SpeedReading[],
    dropped: readonly DroppedNotice[] = [],
  ): Promise<WriteResult> {
    const writer = this.connection().writer;
    if (!writer) throw new Error('InfluxStore not started for writing');
    // Planned on copies: the coverage moves only once InfluxDB took the points.
    const plan = planWrite(readings, dropped, (id) =>
      cloneCoverage(this.coverages.get(id) ?? emptyCoverage()),
    );
    if (plan.fresh.length > 0) await writer.write(toPoints(plan.fresh).points);
    for (const [id, c] of plan.coverages) this.coverages.set(id, c);
    return writeResult(plan);
  }

  async coverage(): Promise<DeviceProgress[]> {
    const out: DeviceProgress[] = [];
    for (const d of await this.devices()) {
      const c = emptyCoverage();
      for (const seq of await this.seqs(d.deviceId)) cover(c, seq, seq);
      this.coverages.set(d.deviceId, c);
      out.push(progressOf(d.deviceId, c));
    }
    return out;
  }

  /** InfluxDB applies retention itself (retention policies / bucket retention). */
  async prune(): Promise<PruneStep> {
    return { deleted: 0, more: false };
  }

  async latest(deviceId: string): Promise<LatestReading | undefined> {
    if (!isQueryableDeviceId(deviceId)) return undefined;
    const [series] = await this.query(latestQuery(deviceId));
    const row = series && rows(series)[0];
    if (!row) return undefined;
    return { deviceId, seq: row.num('seq'), timestamp: row.num('time'), speed: row.num('speed') };
  }

  async devices(): Promise<DeviceSummary[]> {
    const [lastSeen, highest] = await Promise.all([
      this.query(lastSeenQuery()),
      this.query(highestSeqQuery()),
    ]);
    const seqByDevice = new Map<string, number>();
    for (const s of highest) {
      const row = rows(s)[0];
      if (row && s.tags?.[DEVICE_TAG]) seqByDevice.set(s.tags[DEVICE_TAG], row.num('max'));
    }
    const out: DeviceSummary[] = [];
    for (const s of lastSeen) {
      const deviceId = s.tags?.[DEVICE_TAG];
      const row = rows(s)[0];
      const lastSeq = deviceId === undefined ? undefined : seqByDevice.get(deviceId);
      if (deviceId && row && lastSeq !== undefined) {
        out.push({ deviceId, lastSeen: row.num('time'), lastSeq });
      }
    }
    return out.sort((a, b) => (a.deviceId < b.deviceId ? -1 : a.deviceId > b.deviceId ? 1 : 0));
  }

  async history(q: HistoryQuery): Promise<HistoryResult> {
    const windowMs = historyWindow(q.from, q.to, q.maxPoints);
    if (!isQueryableDeviceId(q.deviceId)) return { windowMs, points: [] };
    const [series] = await this.query(historyQuery(q.deviceId, q.from, q.to, windowMs));
    const points = (series ? rows(series) : []).map((r) => ({
      timestamp: r.num('time'),
      mean: r.num('mean'),
      min: r.num('min'),
      max: r.num('max'),
      count: r.num('count'),
    }));
    return { windowMs, points };
  }

  async seqs(deviceId: string): Promise<number[]> {
    if (!isQueryableDeviceId(deviceId)) return [];
    const [series] = await this.query(seqsQuery(deviceId), true);
    const seqs = series ? rows(series).map((r) => r.num('seq')) : [];
    return seqs.sort((a, b) => a - b);
  }

  async ping(): Promise<boolean> {
    const conn = this.conn;
    if (!conn) return false;
    return conn.http.ping().then(
      () => true,
      () => false,
    );
  }

  async stop(): Promise<void> {
    const conn = this.conn;
    this.conn = undefined;
    await conn?.writer?.close();
  }
}

/** Rows of a series with typed access by column name (servers may order columns differently). */
function rows(series: InfluxSeries): Array<{ num: (column: string) => number }> {
  const index = new Map(series.columns.map((c, i) => [c, i]));
  return series.values.map((values) => ({
    num(column: string): number {
      const value = values[index.get(column) ?? -1];
      if (typeof value !== 'number') {
        throw new Error(`InfluxDB answered ${JSON.stringify(value)} for column ${column}`);
      }
      return value;
    },
  }));
}
