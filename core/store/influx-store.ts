// InfluxDB telemetry store: writes via /api/v2/write or 1.x /write, reads via InfluxQL /query (1.x, 2.x, 3.x).
import type { DroppedNotice, Reading } from '../contract.js';
import { BUILTIN_CATALOG, type SignalCatalog } from '../signals/catalog.js';
import { InfluxConnection, type InfluxStoreOptions } from './influx-connect.js';
import type { InfluxServer } from './influx-detect.js';
import { listDevices } from './influx-devices.js';
import { readHistory } from './influx-history.js';
import { InfluxIngest } from './influx-ingest.js';
import { decodeLatest, latestStatements } from './influx-latest.js';
import type { InfluxLayout } from './influx-layout.js';
import {
  columnBuffers,
  INFLUX_PAGE_ROWS,
  influxReadingColumns,
  influxReadings,
  requestedSignals,
} from './influx-readings.js';
import { rows } from './influx-rows.js';
import { InfluxSignals } from './influx-signals.js';
import { deviceTagValuesQuery, isQueryableDeviceId, seqsQuery } from './influxql.js';
import { readingChunks } from './reading-chunks.js';
import type { DeviceProgress } from './seq-coverage.js';
import {
  type DeviceSummary,
  type HistoryQuery,
  type HistoryResult,
  KEEP_FOREVER,
  type LatestReading,
  type PruneStep,
  type RawReading,
  type ReadingColumns,
  type ReadingsQuery,
  type ReadingsRange,
  type TelemetryStore,
  type WriteResult,
} from './types.js';

export type { InfluxStoreOptions } from './influx-connect.js';

/**
 * Raw points in the database's default retention policy (or the one INFLUXDB_BUCKET names),
 * 1-minute and 1-hour rollups and per-device coverage checkpoints in policies of their own (see
 * docs/influxdb.md). The pieces: InfluxConnection (server, auth, layout), InfluxIngest (writes,
 * coverage, rollups), readHistory and listDevices (reads that never scan every point).
 */
export class InfluxStore implements TelemetryStore {
  readonly kind = 'influxdb' as const;
  private conn: InfluxConnection | undefined;
  private ingest: InfluxIngest | undefined;

  constructor(private readonly options: InfluxStoreOptions) {}

  private get catalog(): SignalCatalog {
    return this.options.catalog ?? BUILTIN_CATALOG;
  }

  /** The server found at start (for logs and tests). */
  get server(): InfluxServer | undefined {
    return this.conn?.server;
  }

  /** Where raw points, rollups and checkpoints live (for logs and tests). */
  get layout(): InfluxLayout | undefined {
    return this.conn?.layout;
  }

  /** A start after stop() is a restart: everything is read from InfluxDB again. */
  async start(): Promise<void> {
    if (this.conn) return;
    const conn = await InfluxConnection.open(this.options);
    this.ingest = new InfluxIngest(conn, {
      retention: this.options.retention ?? KEEP_FOREVER,
      flushIntervalMs: this.options.flushIntervalMs ?? 1000,
      signals: new InfluxSignals(this.catalog),
      ...(this.options.log ? { log: this.options.log } : {}),
    });
    this.conn = conn;
  }

  private connection(): InfluxConnection {
    if (!this.conn) throw new Error('InfluxStore not started');
    return this.conn;
  }

  private writing(): InfluxIngest {
    if (!this.conn?.writer || !this.ingest) throw new Error('InfluxStore not started for writing');
    return this.ingest;
  }

  write(
    readings: readonly Reading[],
    dropped: readonly DroppedNotice[] = [],
    times?: readonly number[],
  ): Promise<WriteResult> {
    return this.writing().write(readings, dropped, times);
  }

  /** Writes the pending rollups and checkpoints now (the collector's timer does it every second). */
  flush(): Promise<void> {
    return this.writing().flush();
  }

  async coverage(): Promise<DeviceProgress[]> {
    const conn = this.connection();
    const ingest = this.ingest as InfluxIngest;
    // Nothing to read back (a WRITE-only user, VictoriaMetrics): say so, as a read fails.
    if (conn.layout.mode === 'blind') await conn.query(deviceTagValuesQuery(conn.layout.raw));
    else await ingest.loaded();
    return ingest.progressOfAll();
  }

  claim(
    key: string,
    owns: (deviceId: string) => boolean,
    valid: () => boolean,
  ): Promise<DeviceProgress[]> {
    this.connection();
    return (this.ingest as InfluxIngest).claim(key, owns, valid);
  }

  async disown(key: string, how: 'flush' | 'drop'): Promise<void> {
    await this.ingest?.disown(key, how);
  }

  /** InfluxDB applies retention itself (retention policies / bucket retention). */
  async prune(): Promise<PruneStep> {
    return { deleted: 0, more: false };
  }

  async latest(deviceId: string): Promise<LatestReading | undefined> {
    if (!isQueryableDeviceId(deviceId)) return undefined;
    const conn = this.connection();
    const layout = await conn.currentLayout();
    const answers = await conn.queryEach(latestStatements(deviceId, layout.raw, this.catalog));
    return decodeLatest(deviceId, this.catalog, answers);
  }

  async devices(): Promise<DeviceSummary[]> {
    const conn = this.connection();
    const layout = await conn.currentLayout();
    if (layout.mode === 'blind') await conn.query(deviceTagValuesQuery(layout.raw));
    return listDevices(conn.http, layout);
  }

  history(q: HistoryQuery): Promise<HistoryResult> {
    const key = q.signal ?? 'speed';
    const def = this.catalog.find(key);
    if (!def) return Promise.reject(new RangeError(`unknown signal ${key}`));
    return readHistory(this.connection(), q, def);
  }

  async readings(q: ReadingsQuery): Promise<RawReading[]> {
    const conn = this.connection();
    const signals = requestedSignals(this.catalog, q.signals);
    return influxReadings(q, (await conn.currentLayout()).raw, signals, (s) => conn.query(s, true));
  }

  readingChunks(range: ReadingsRange, chunkRows: number): AsyncIterable<ReadingColumns> {
    const signals = requestedSignals(this.catalog, range.signals);
    // One set of columns per export: readingChunks reads a page only once every chunk of the
    // previous one was taken (encoded and written).
    const buffers = columnBuffers(
      Math.max(chunkRows, INFLUX_PAGE_ROWS),
      signals.map((s) => s.key),
    );
    const read = async (q: ReadingsQuery) => {
      const conn = this.connection();
      const layout = await conn.currentLayout();
      return influxReadingColumns(q, conn.http, conn.database, layout.raw, signals, buffers);
    };
    return readingChunks(read, range, chunkRows, INFLUX_PAGE_ROWS);
  }

  async seqs(deviceId: string): Promise<number[]> {
    if (!isQueryableDeviceId(deviceId)) return [];
    const conn = this.connection();
    const layout = await conn.currentLayout();
    const [series] = await conn.query(seqsQuery(deviceId, layout.raw), true);
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
    await this.ingest?.stop();
    this.conn = undefined;
    this.ingest = undefined;
    await conn.writer?.close();
  }
}
