// Connecting the InfluxDB store: /ping detection, auth, the database, the retention-policy layout, the writer.
import type { Logger } from '../log.js';
import type { SignalCatalog } from '../signals/catalog.js';
import { authorizationFor, databaseOf, detectServer, type InfluxServer } from './influx-detect.js';
import { InfluxHttp, InfluxHttpError, type InfluxSeries } from './influx-http.js';
import { type InfluxLayout, resolveLayout } from './influx-layout.js';
import { MEASUREMENT_1H, MEASUREMENT_1M, MEASUREMENT_COVERAGE } from './influx-tier-ql.js';
import { V1Writer } from './influx-write-v1.js';
import { V2Writer } from './influx-write-v2.js';
import type { PointWriter } from './influx-writer.js';
import { createDatabaseQuery, MEASUREMENT, showDatabasesQuery } from './influxql.js';
import { KEEP_FOREVER, type Retention } from './types.js';

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
  /** The signals stored and rolled up (default: the built-in ones). */
  catalog?: SignalCatalog;
  /** How often rollups and coverage checkpoints follow the stored readings (default 1 s). */
  flushIntervalMs?: number;
  log?: Logger;
}

/** Readers look at the policies again after this long (the collector may have created them). */
const LAYOUT_REFRESH_MS = 60_000;
const OURS = new Set([MEASUREMENT, MEASUREMENT_1M, MEASUREMENT_1H, MEASUREMENT_COVERAGE]);

export class InfluxConnection {
  private layoutAt = Date.now();

  private constructor(
    private readonly options: InfluxStoreOptions,
    readonly http: InfluxHttp,
    readonly server: InfluxServer,
    readonly database: string,
    readonly retentionPolicy: string | undefined,
    readonly writer: PointWriter | undefined,
    public layout: InfluxLayout,
  ) {}

  static async open(options: InfluxStoreOptions): Promise<InfluxConnection> {
    const { url, token, org, bucket, api, readonly = false, timeoutMs = 10_000, log } = options;
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
    if (server.major === 1 && !readonly) await ensureDatabase(http, database, log);
    const layout = await resolve(options, http, server, database, retentionPolicy);
    const writer = readonly
      ? undefined
      : server.writeApi === 'v1'
        ? new V1Writer(http, database, retentionPolicy)
        : new V2Writer({ url, token, org, bucket, timeoutMs });
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
    return new InfluxConnection(options, http, server, database, retentionPolicy, writer, layout);
  }

  /** The layout, looked at again now and then by readers (the writer sets it itself). */
  async currentLayout(): Promise<InfluxLayout> {
    if (this.options.readonly && Date.now() - this.layoutAt > LAYOUT_REFRESH_MS) {
      this.layoutAt = Date.now();
      this.layout = await resolve(
        this.options,
        this.http,
        this.server,
        this.database,
        this.retentionPolicy,
      );
    }
    return this.layout;
  }

  async query(statement: string, chunked = false): Promise<InfluxSeries[]> {
    const opts = { chunked, retentionPolicy: this.retentionPolicy };
    const series = await this.http.query(statement, this.database, opts);
    for (const s of series) this.refuseForeign(s);
    return series;
  }

  /** Statements in one request; refuses answers that are not ours (VictoriaMetrics' canned one). */
  async queryEach(statements: string[]): Promise<InfluxSeries[][]> {
    const answers = await this.http.queryEach(statements, this.database, this.retentionPolicy);
    for (const series of answers) for (const s of series) this.refuseForeign(s);
    return answers;
  }

  private refuseForeign(s: InfluxSeries): void {
    // VictoriaMetrics takes writes but answers every InfluxQL query with a canned SHOW DATABASES:
    // refuse to read that as "no data".
    if (s.name === undefined || OURS.has(s.name)) return;
    throw new InfluxHttpError(
      200,
      `${this.options.url} does not answer InfluxQL (got series "${s.name}"); reads need InfluxDB 1.x, 2.x or 3.x`,
    );
  }

  /** Line protocol into a policy: 1.x (1.8 too) on /write; 2.x/3.x into the bucket. */
  writeLines = async (lines: string[], rp: string | undefined): Promise<void> => {
    if (lines.length === 0) return;
    if (this.server.major === 1) {
      await this.http.write(lines, this.database, rp ?? this.retentionPolicy);
    } else await this.writer?.writeLines(lines, rp);
  };
}

function resolve(
  options: InfluxStoreOptions,
  http: InfluxHttp,
  server: InfluxServer,
  database: string,
  rp: string | undefined,
): Promise<InfluxLayout> {
  return resolveLayout({
    http,
    database,
    namedRawPolicy: rp,
    retention: options.retention ?? KEEP_FOREVER,
    readonly: options.readonly ?? false,
    influxV1: server.major === 1,
    log: options.log,
  });
}

async function ensureDatabase(http: InfluxHttp, database: string, log?: Logger): Promise<void> {
  const names = (await http.query(showDatabasesQuery(), undefined)).flatMap((s) =>
    s.values.map((row) => row[0]),
  );
  if (names.includes(database)) return;
  await http.query(createDatabaseQuery(database), undefined, { method: 'POST' });
  log?.info({ database }, 'created InfluxDB database');
}
