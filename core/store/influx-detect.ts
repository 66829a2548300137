// Which InfluxDB answers, and so which write API and auth to use: from /ping's X-Influxdb-Version.

export type InfluxWriteApi = 'v1' | 'v2';

export interface InfluxServer {
  /** The raw X-Influxdb-Version header, if any. */
  version: string | undefined;
  /** Major version when the header names one (1, 2, 3); undefined e.g. for VictoriaMetrics. */
  major: number | undefined;
  /** v1: line protocol to /write?db= (InfluxDB < 1.8); v2: the official client's /api/v2/write. */
  writeApi: InfluxWriteApi;
}

/**
 * /api/v2/write exists from InfluxDB 1.8 on (and in 2.x, 3.x, Cloud, VictoriaMetrics, which sends
 * no version header); older 1.x servers (Debian ships 1.6.7) only have /write. INFLUXDB_API=v1|v2
 * overrides the guess.
 */
export function detectServer(
  versionHeader: string | undefined,
  configured: 'auto' | InfluxWriteApi,
): InfluxServer {
  const match = /^v?(\d+)\.(\d+)/.exec(versionHeader?.trim() ?? '');
  const major = match ? Number(match[1]) : undefined;
  const minor = match ? Number(match[2]) : undefined;
  const legacy = major === 1 && minor !== undefined && minor < 8;
  const writeApi = configured === 'auto' ? (legacy ? 'v1' : 'v2') : configured;
  return { version: versionHeader, major, writeApi };
}

/**
 * The Authorization header for /query and 1.x /write. InfluxDB 1.x knows users, not tokens: there
 * INFLUXDB_TOKEN must be `username:password` (the form 1.8's v2 endpoints take too) and is sent as
 * HTTP Basic auth. Every other server takes `Token <token>`.
 */
export function authorizationFor(
  server: InfluxServer,
  token: string | undefined,
): string | undefined {
  if (token === undefined) return undefined;
  if (server.major !== 1) return `Token ${token}`;
  const colon = token.indexOf(':');
  if (colon < 1) {
    throw new Error(
      `INFLUXDB_TOKEN: InfluxDB ${server.version} has no tokens; use username:password (or leave it unset without auth)`,
    );
  }
  return `Basic ${Buffer.from(token).toString('base64')}`;
}

/** A bucket may be `database/retention-policy`, as InfluxDB 1.8 and 2.x's DBRP mapping read it. */
export function databaseOf(bucket: string): {
  database: string;
  retentionPolicy: string | undefined;
} {
  const slash = bucket.indexOf('/');
  if (slash < 0) return { database: bucket, retentionPolicy: undefined };
  return {
    database: bucket.slice(0, slash),
    retentionPolicy: bucket.slice(slash + 1) || undefined,
  };
}
