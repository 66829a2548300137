// InfluxDB telemetry store: writes via /api/v2/write or 1.x /write, reads via InfluxQL /query (1.x, 2.x, 3.x).
import type { DroppedNotice, SpeedReading } from '../contract.js';
import type { Logger } from '../log.js';
import { type HistoryPiece, mergeWindows, planHistory, type WindowRow } from './history-plan.js';
import { decodeCheckpoints } from './influx-checkpoint.js';
import { loadDevices, recomputeReadBack } from './influx-coverage-load.js';
import { authorizationFor, databaseOf, detectServer, type InfluxServer } from './influx-detect.js';
import { listDevices } from './influx-devices.js';
import { flushRollups } from './influx-flush.js';
import { cutPieces } from './influx-history.js';
import { InfluxHttp, InfluxHttpError, type InfluxSeries } from './influx-http.js';
import { type InfluxLayout, resolveLayout } from './influx-layout.js';
import { toPoints } from './influx-points.js';
import { InfluxProgress } from './influx-progress.js';
import { INFLUX_PAGE_ROWS, influxReadingColumns, influxReadings } from './influx-readings.js';
import { RollupBook } from './influx-rollups.js';
import { rows } from './influx-rows.js';
import {
  checkpointQuery,
  MEASUREMENT_1H,
  MEASUREMENT_1M,
  MEASUREMENT_COVERAGE,
  windowStatement,
} from './influx-tier-ql.js';
import { V1Writer } from './influx-write-v1.js';
import { V2Writer } from './influx-write-v2.js';
import { type PointWriter, SerialWrites } from './influx-writer.js';
import {
  createDatabaseQuery,
  deviceTagValuesQuery,
  isQueryableDeviceId,
  latestQuery,
  MEASUREMENT,
  seqsQuery,
  showDatabasesQuery,
} from './influxql.js';
import { readingChunks } from './reading-chunks.js';
import { ROLLUP_TIERS } from './rollup.js';
import type { DeviceProgress } from './seq-coverage.js';
import {
  type DeviceSummary,
  type HistoryQuery,
  type HistoryResult,
  historyWindow,
  KEEP_FOREVER,
  type LatestReading,
  type PruneStep,
  type RawReading,
  type ReadingColumns,
  type ReadingsQuery,
  type ReadingsRange,
  type Retention,
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
  /** Readers (the dashboard) never write nor create the database or policies. */
  readonly?: boolean;
  /** Per HTTP request. */
  timeoutMs?: number;
  /** Per tier, for the retention policies the writer sets (default: keep everything). */
  retention?: Retention;
  /** How often rollups and coverage checkpoints follow the stored readings (default 1 s). */
  flushIntervalMs?: number;
  log?: Logger;
}

interface Connection {
  http: InfluxHttp;
  server: InfluxServer;
  database: string;
  retentionPolicy: string | undefined;
  writer: PointWriter | undefined;
  layout: InfluxLayout;
  layoutAt: number;
}

/** Readers look at the policies again after this long (the collector may have created them). */
const LAYOUT_REFRESH_MS = 60_000;
const OUR_MEASUREMENTS = new Set([
  MEASUREMENT,
  MEASUREMENT_1M,
  MEASUREMENT_1H,
  MEASUREMENT_COVERAGE,
]);

export class InfluxStore implements TelemetryStore {
  readonly kind = 'influxdb' as const;
  private conn: Connection | undefined;
  private progress = new InfluxProgress();
  private book: RollupBook | undefined;
  private loading: Promise<void> | undefined;
  private readonly serial = new SerialWrites();
  private flushTimer: NodeJS.Timeout | undefined;
  /** A declared drop is in coverage but not yet in a checkpoint: flush before acknowledging. */
  private mustFlush = false;
  private flushFailing = false;

  constructor(private readonly options: InfluxStoreOptions) {}

  /** The server found at start (for logs and tests). */
  get server(): InfluxServer | undefined {
    return this.conn?.server;
  }

  /** Where raw points, rollups and checkpoints live (for logs and tests). */
  get layout(): InfluxLayout | undefined {
    return this.conn?.layout;
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
    // A start after stop() is a restart: everything is read from InfluxDB again.
    this.progress = new InfluxProgress();
    this.book = undefined;
    this.loading = undefined;
    this.mustFlush = false;
    const server = detectServer(version, api);
    const http = new InfluxHttp({ url, timeoutMs, authorization: authorizationFor(server, token) });
    const { database, retentionPolicy } = databaseOf(bucket);
    // 1.x (1.8's /api/v2/write included) writes only into an existing database.
    if (server.major === 1 && !readonly) await this.ensureDatabase(http, database);
    const layout = await this.resolve(http, server, database, retentionPolicy);
    let writer: PointWriter | undefined;
    if (!readonly) {
      writer =
        server.writeApi === 'v1'
          ? new V1Writer(http, database, retentionPolicy)
          : new V2Writer({ url, token, org, bucket, timeoutMs });
      if (layout.mode === 'tiered') this.book = new RollupBook(ROLLUP_TIERS);
    }
    this.conn = { http, server, database, retentionPolicy, writer, layout, layoutAt: Date.now() };
    log?.info(
      {
        url,
        version: version ?? 'unknown',
        writeApi: server.writeApi,
        database,
        mode: layout.mode,
      },
      'InfluxDB store ready',
    );
    if (layout.reason && !readonly) {
      log?.warn({ mode: layout.mode, reason: layout.reason }, 'InfluxDB store without rollups');
    }
  }

  private resolve(
    http: InfluxHttp,
    server: InfluxServer,
    database: string,
    rp: string | undefined,
  ) {
    return resolveLayout({
      http,
      database,
      namedRawPolicy: rp,
      retention: this.options.retention ?? KEEP_FOREVER,
      readonly: this.options.readonly ?? false,
      influxV1: server.major === 1,
      log: this.options.log,
    });
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

  /** The layout, looked at again now and then by readers (the writer sets it itself). */
  private async currentLayout(): Promise<InfluxLayout> {
    const conn = this.connection();
    if (this.options.readonly && Date.now() - conn.layoutAt > LAYOUT_REFRESH_MS) {
      conn.layoutAt = Date.now();
      conn.layout = await this.resolve(conn.http, conn.server, conn.database, conn.retentionPolicy);
    }
    return conn.layout;
  }

  /** Statements in one request; refuses answers that are not ours (VictoriaMetrics' canned one). */
  private async queryEach(statements: string[]): Promise<InfluxSeries[][]> {
    const { http, database, retentionPolicy } = this.connection();
    const answers = await http.queryEach(statements, database, retentionPolicy);
    for (const series of answers) for (const s of series) this.refuseForeign(s);
    return answers;
  }

  private async query(statement: string, chunked = false): Promise<InfluxSeries[]> {
    const { http, database, retentionPolicy } = this.connection();
    const series = await http.query(statement, database, { chunked, retentionPolicy });
    for (const s of series) this.refuseForeign(s);
    return series;
  }

  private refuseForeign(s: InfluxSeries): void {
    // VictoriaMetrics takes writes but answers every InfluxQL query with a canned SHOW DATABASES:
    // refuse to read that as "no data".
    if (s.name === undefined || OUR_MEASUREMENTS.has(s.name)) return;
    throw new InfluxHttpError(
      200,
      `${this.options.url} does not answer InfluxQL (got series "${s.name}"); reads need InfluxDB 1.x, 2.x or 3.x`,
    );
  }

  private writeLines = async (lines: string[], rp: string | undefined): Promise<void> => {
    if (lines.length === 0) return;
    const conn = this.connection();
    // 1.x (1.8 too) takes line protocol per retention policy on /write; 2.x/3.x into the bucket.
    if (conn.server.major === 1)
      await conn.http.write(lines, conn.database, rp ?? conn.retentionPolicy);
    else await conn.writer?.writeLines(lines, rp);
  };

  /** Coverage from the checkpoints and what lies above them, once; the writer settles it too. */
  private ensureLoaded(): Promise<void> {
    this.loading ??= this.load().catch((err) => {
      this.loading = undefined;
      throw err;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    const conn = this.connection();
    const { layout, http } = conn;
    const started = Date.now();
    const devices = await loadDevices(http, layout, this.options.log);
    this.progress.load(devices);
    if (!conn.writer) return;
    let recomputed = 0;
    if (layout.mode === 'tiered')
      recomputed = await recomputeReadBack(http, layout, devices, Date.now());
    const cps = this.progress.checkpoints(Date.now());
    await this.writeLines(cps.lines, layout.coverage.retentionPolicy);
    cps.commit();
    this.options.log?.info(
      { devices: devices.length, recomputeStatements: recomputed, ms: Date.now() - started },
      'InfluxDB coverage loaded',
    );
    if (layout.deferredRawAlter) {
      const statement = layout.deferredRawAlter;
      layout.deferredRawAlter = undefined;
      try {
        await http.query(statement, conn.database, { method: 'POST' });
        const wanted = (this.options.retention ?? KEEP_FOREVER).rawMs;
        layout.retention.rawMs = wanted === 0 ? 0 : Math.max(3_600_000, wanted);
        this.options.log?.info({ statement }, 'InfluxDB raw retention policy set');
      } catch (err) {
        this.options.log?.warn(
          { statement, err: (err as Error).message },
          'InfluxDB: this user may not alter the raw retention policy; an admin must run the statement',
        );
      }
    }
  }

  async write(
    readings: readonly SpeedReading[],
    dropped: readonly DroppedNotice[] = [],
  ): Promise<WriteResult> {
    const conn = this.connection();
    if (!conn.writer) throw new Error('InfluxStore not started for writing');
    const blind = conn.layout.mode === 'blind';
    if (!blind) await this.ensureLoaded();
    return this.serial.run(() => this.writeNow(conn, readings, dropped, blind));
  }

  private async writeNow(
    conn: Connection,
    readings: readonly SpeedReading[],
    dropped: readonly DroppedNotice[],
    blind: boolean,
  ): Promise<WriteResult> {
    const plan = planWrite(readings, dropped, (id) => this.progress.coverageCopy(id));
    if (plan.fresh.length > 0) {
      if (!blind) {
        const lowered = this.progress.lowerBounds(plan, Date.now());
        await this.writeLines(lowered.lines, conn.layout.coverage.retentionPolicy);
        lowered.commit();
      }
      try {
        await conn.writer?.write(toPoints(plan.fresh).points);
      } catch (err) {
        this.progress.failed(plan);
        throw err;
      }
      this.book?.add(
        plan.fresh.map((r) => r.device_id),
        plan.freshTimes,
        plan.fresh.map((r) => r.speed),
      );
    }
    this.progress.written(plan);
    if (blind) return writeResult(plan);
    if (plan.declaredDropped > 0) this.mustFlush = true;
    if (this.mustFlush) await this.flushNow();
    else if (plan.fresh.length > 0) this.scheduleFlush();
    return writeResult(plan);
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush().catch(() => {}); // logged in flushNow; the next write schedules a retry
    }, this.options.flushIntervalMs ?? 1000);
    this.flushTimer.unref();
  }

  /** Writes the pending rollups, then the checkpoints that vouch for them (tests call it too). */
  flush(): Promise<void> {
    const conn = this.conn;
    if (!conn?.writer || conn.layout.mode === 'blind' || !this.loading) return Promise.resolve();
    return this.serial.run(() => this.flushNow());
  }

  private async flushNow(): Promise<void> {
    const conn = this.connection();
    try {
      if (this.book) {
        await flushRollups(this.book, {
          http: conn.http,
          layout: conn.layout,
          writeLines: this.writeLines,
        });
      }
      const cps = this.progress.checkpoints(Date.now());
      await this.writeLines(cps.lines, conn.layout.coverage.retentionPolicy);
      cps.commit();
      this.mustFlush = false;
      if (this.flushFailing)
        this.options.log?.info('InfluxDB rollups and checkpoints written again');
      this.flushFailing = false;
    } catch (err) {
      if (!this.flushFailing) {
        this.options.log?.warn(
          { err: (err as Error).message },
          'InfluxDB rollup/checkpoint write failed; readings are stored, retrying with the next flush',
        );
      }
      this.flushFailing = true;
      if (!this.book?.empty || this.mustFlush) this.scheduleFlush();
      throw err;
    }
  }

  async coverage(): Promise<DeviceProgress[]> {
    const layout = this.connection().layout;
    // Nothing to read back from (a WRITE-only user, VictoriaMetrics): say so, as a read fails.
    if (layout.mode === 'blind') await this.query(deviceTagValuesQuery(layout.raw));
    else await this.ensureLoaded();
    return this.progress.progress();
  }

  /** InfluxDB applies retention itself (retention policies / bucket retention). */
  async prune(): Promise<PruneStep> {
    return { deleted: 0, more: false };
  }

  async latest(deviceId: string): Promise<LatestReading | undefined> {
    if (!isQueryableDeviceId(deviceId)) return undefined;
    const layout = await this.currentLayout();
    const [series] = await this.query(latestQuery(deviceId, layout.raw));
    const row = series && rows(series)[0];
    if (!row) return undefined;
    return { deviceId, seq: row.num('seq'), timestamp: row.num('time'), speed: row.num('speed') };
  }

  async devices(): Promise<DeviceSummary[]> {
    const layout = await this.currentLayout();
    if (layout.mode === 'blind') await this.query(deviceTagValuesQuery(layout.raw));
    const conn = this.connection();
    return listDevices(conn.http, layout);
  }

  async history(q: HistoryQuery): Promise<HistoryResult> {
    const layout = await this.currentLayout();
    if (!isQueryableDeviceId(q.deviceId)) {
      return { windowMs: historyWindow(q.from, q.to, q.maxPoints), points: [] };
    }
    let windowMs = historyWindow(q.from, q.to, q.maxPoints);
    let pieces: HistoryPiece[] = [{ tier: 'raw', from: q.from, to: q.to }];
    if (layout.mode === 'tiered') {
      const plan = planHistory(q.from, q.to, q.maxPoints, layout.retention, q.now);
      windowMs = plan.windowMs;
      const [answer] = await this.queryEach([checkpointQuery(q.deviceId, layout.coverage)]);
      const cp = decodeCheckpoints(answer ?? [], () => q.deviceId).get(q.deviceId);
      const rawHorizon =
        layout.retention.rawMs > 0 ? q.now - layout.retention.rawMs : Number.NEGATIVE_INFINITY;
      // No checkpoint: a device of an older store the collector has not opened yet, raw only.
      if (cp && cp.scan.ms < rawHorizon) pieces = plan.pieces;
      else if (cp) pieces = cutPieces(plan.pieces, cp.scan.ms);
    }
    const source = { raw: layout.raw, '1m': layout.oneMinute, '1h': layout.oneHour };
    const answers = await this.queryEach(
      pieces.map((p) => windowStatement(p, q.deviceId, windowMs, source[p.tier])),
    );
    const windows: WindowRow[] = [];
    for (const series of answers) {
      for (const s of series) {
        for (const r of rows(s)) {
          const count = r.num('count');
          if (count === 0) continue;
          windows.push({
            idx: Math.floor(r.num('time') / windowMs),
            count,
            sum: r.num('sum'),
            min: r.num('min'),
            max: r.num('max'),
          });
        }
      }
    }
    return { windowMs, points: mergeWindows(windows, windowMs) };
  }

  async readings(q: ReadingsQuery): Promise<RawReading[]> {
    return influxReadings(q, (await this.currentLayout()).raw, (s) => this.query(s, true));
  }

  readingChunks(range: ReadingsRange, chunkRows: number): AsyncIterable<ReadingColumns> {
    const read = async (q: ReadingsQuery) => {
      const { http, database } = this.connection();
      return influxReadingColumns(q, http, database, (await this.currentLayout()).raw);
    };
    return readingChunks(read, range, chunkRows, INFLUX_PAGE_ROWS);
  }

  async seqs(deviceId: string): Promise<number[]> {
    if (!isQueryableDeviceId(deviceId)) return [];
    const layout = await this.currentLayout();
    const [series] = await this.query(seqsQuery(deviceId, layout.raw), true);
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
    if (!conn) return;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    // What is not flushed is found again at the next start (it lies above the checkpoint).
    await this.flush().catch(() => {});
    this.conn = undefined;
    await conn.writer?.close();
  }
}
