// The geo store's InfluxDB plumbing: connect (1.x or 2.x), where geo points live, line protocol with long strings split, writes, queries and deletes by device and time.
import { escape as lp } from '@influxdata/influxdb-client';
import { authorizationFor, databaseOf, detectServer, type InfluxServer } from './influx-detect.js';
import { InfluxHttp, type InfluxSeries } from './influx-http.js';
import { RP_COVERAGE, showRetentionPoliciesQuery } from './influx-tier-ql.js';
import { deviceFilter, quoteIdent } from './influxql.js';

export interface InfluxGeoOptions {
  url: string;
  token: string | undefined;
  org: string;
  /** Bucket (2.x) or database (1.x), as the telemetry store's (`db/rp` names a policy too). */
  bucket: string;
  api: 'auto' | 'v1' | 'v2';
  timeoutMs?: number;
}

/** A string field longer than this is split (InfluxDB 1.x refuses string values over 64 KB). */
const CHUNK = 16_000;

export type FieldValue = number | boolean | string | { int: number };

/** `ms` (and a sub-millisecond part, 0..999,999) as nanoseconds: more than a double holds exactly. */
export function ns(ms: number, sub = 0): string {
  return (BigInt(Math.trunc(ms)) * 1_000_000n + BigInt(sub)).toString();
}

function fieldText(v: FieldValue): string {
  if (typeof v === 'object') return `${Math.trunc(v.int)}i`;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`field value must be finite, got ${v}`);
    return String(v);
  }
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A long text as fields `<name>0..n` and `<name>_parts` (read back by joinText). */
export function splitText(name: string, text: string): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  let parts = 0;
  for (let i = 0; i === 0 || i < text.length; i += CHUNK)
    out[`${name}${parts++}`] = text.slice(i, i + CHUNK);
  out[`${name}_parts`] = { int: parts };
  return out;
}

/** The text splitText split, from a row's columns. */
export function joinText(name: string, get: (column: string) => unknown): string {
  const parts = Number(get(`${name}_parts`) ?? 0);
  let text = '';
  for (let i = 0; i < parts; i++) text += String(get(`${name}${i}`) ?? '');
  return text;
}

export function line(
  measurement: string,
  tags: Record<string, string>,
  fields: Record<string, FieldValue>,
  timeNs: string,
): string {
  let out = lp.measurement(measurement);
  for (const [k, v] of Object.entries(tags)) out += `,${lp.tag(k)}=${lp.tag(v)}`;
  const f = Object.entries(fields).map(([k, v]) => `${lp.tag(k)}=${fieldText(v)}`);
  return `${out} ${f.join(',')} ${timeNs}`;
}

/** Row access by column name. */
export function rowsOf(series: InfluxSeries): Array<(column: string) => unknown> {
  const index = new Map(series.columns.map((c, i) => [c, i]));
  return series.values.map((values) => (column: string) => values[index.get(column) ?? -1]);
}

export class InfluxGeoIo {
  private constructor(
    private readonly options: InfluxGeoOptions,
    readonly http: InfluxHttp,
    readonly server: InfluxServer,
    readonly database: string,
    /** The policy geo points go to: `coverage` (kept forever) when the telemetry store made it. */
    readonly retentionPolicy: string | undefined,
  ) {}

  static async open(options: InfluxGeoOptions): Promise<InfluxGeoIo> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const version = (await new InfluxHttp({ url: options.url, timeoutMs }).ping()).version;
    const server = detectServer(version, options.api);
    const http = new InfluxHttp({
      url: options.url,
      timeoutMs,
      authorization: authorizationFor(server, options.token),
    });
    const { database, retentionPolicy } = databaseOf(options.bucket);
    let rp = retentionPolicy;
    if (server.major === 1 && rp === undefined) {
      // Trips outlive raw readings: beside the coverage checkpoints, in the policy kept forever.
      const policies = await http
        .query(showRetentionPoliciesQuery(database), database)
        .catch(() => []);
      const names = (policies[0]?.values ?? []).map((v) => v[0]);
      if (names.includes(RP_COVERAGE)) rp = RP_COVERAGE;
    }
    return new InfluxGeoIo(options, http, server, database, rp);
  }

  /** `"db"."rp"."m"`, or `"m"` (the default policy). */
  from(measurement: string): string {
    const m = quoteIdent(measurement);
    return this.retentionPolicy === undefined
      ? m
      : `${quoteIdent(this.database)}.${quoteIdent(this.retentionPolicy)}.${m}`;
  }

  async write(lines: readonly string[]): Promise<void> {
    if (lines.length === 0) return;
    if (this.server.major === 1 || this.server.writeApi === 'v1') {
      await this.http.write(lines, this.database, this.retentionPolicy);
      return;
    }
    const url = new URL('api/v2/write', this.base());
    url.searchParams.set('org', this.options.org);
    url.searchParams.set('bucket', this.options.bucket);
    url.searchParams.set('precision', 'ns');
    await this.fetchOk(url, { method: 'POST', body: lines.join('\n') });
  }

  /** One SELECT, its series (chunked: a server's row limit cannot truncate it). */
  async select(statement: string): Promise<InfluxSeries[]> {
    return this.http.query(statement, this.database, {
      chunked: true,
      retentionPolicy: this.retentionPolicy,
    });
  }

  /**
   * Deletes a vehicle's points of `measurement` at or after `fromNs` (exactly at it when `exact`).
   * 1.x: InfluxQL DELETE by tag and time; 2.x: the delete API with a predicate.
   */
  async delete(
    measurement: string,
    deviceId: string,
    fromNs: string,
    exact = false,
  ): Promise<void> {
    if (this.server.major === 1) {
      const time = exact ? `time = ${fromNs}` : `time >= ${fromNs}`;
      await this.http.query(
        `DELETE FROM ${quoteIdent(measurement)} WHERE ${deviceFilter(deviceId)} AND ${time}`,
        this.database,
        { method: 'POST' },
      );
      return;
    }
    const url = new URL('api/v2/delete', this.base());
    url.searchParams.set('org', this.options.org);
    url.searchParams.set('bucket', this.options.bucket);
    const start = rfc3339Ns(fromNs);
    const stop = exact ? rfc3339Ns((BigInt(fromNs) + 1n).toString()) : '2262-04-11T00:00:00Z';
    const predicate = `_measurement=${JSON.stringify(measurement)} AND device_id=${JSON.stringify(deviceId)}`;
    await this.fetchOk(url, {
      method: 'POST',
      body: JSON.stringify({ start, stop, predicate }),
      headers: { 'content-type': 'application/json' },
    });
  }

  private base(): string {
    const u = this.options.url;
    return u.endsWith('/') ? u : `${u}/`;
  }

  private async fetchOk(url: URL, init: RequestInit): Promise<void> {
    const headers = new Headers(init.headers);
    if (this.options.token) headers.set('authorization', `Token ${this.options.token}`);
    const res = await fetch(url, {
      ...init,
      headers,
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
    });
    const body = await res.text();
    if (!res.ok)
      throw new Error(`InfluxDB ${url.pathname} answered ${res.status}: ${body.slice(0, 300)}`);
  }
}

function rfc3339Ns(timeNs: string): string {
  const n = BigInt(timeNs);
  const ms = Number(n / 1_000_000n);
  const frac = (n % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}Z`;
}
