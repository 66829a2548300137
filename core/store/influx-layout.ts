// Where the InfluxDB store keeps raw points, rollups and checkpoints: retention policies found, created or explained.
import type { Logger } from '../log.js';
import { type InfluxHttp, InfluxHttpError, type InfluxSeries } from './influx-http.js';
import {
  alterRetentionPolicyStatement,
  createRetentionPolicyStatement,
  MEASUREMENT_1H,
  MEASUREMENT_1M,
  MEASUREMENT_COVERAGE,
  parseGoDuration,
  RP_1H,
  RP_1M,
  RP_COVERAGE,
  showRetentionPoliciesQuery,
} from './influx-tier-ql.js';
import { MEASUREMENT, type SeriesSource } from './influxql.js';
import { KEEP_FOREVER, type Retention } from './types.js';

/**
 * - tiered: InfluxDB 1.x with the three policies: checkpoints and both rollup tiers are kept.
 * - flat: InfluxQL reads work but the policies are missing (a user without admin rights, or 2.x /
 *   3.x, which have no retention policies): checkpoints live beside the raw points, no rollups.
 * - blind: nothing can be read back (a WRITE-only user, VictoriaMetrics): raw writes only.
 */
export type LayoutMode = 'tiered' | 'flat' | 'blind';

export interface InfluxLayout {
  mode: LayoutMode;
  raw: SeriesSource;
  coverage: SeriesSource;
  oneMinute: SeriesSource;
  oneHour: SeriesSource;
  /** Durations the server applies (0 = forever): what history plans with. */
  retention: Retention;
  /** The raw policy's ALTER, run once the store's coverage and rollups are loaded. */
  deferredRawAlter: string | undefined;
  /** Why the mode is not tiered, for the log. */
  reason: string | undefined;
}

/** InfluxDB refuses retention policies shorter than an hour. */
const MIN_RP_MS = 3_600_000;

interface Policy {
  durationMs: number;
  isDefault: boolean;
}

/** SHOW RETENTION POLICIES, or why it cannot be read (undefined policies). */
async function showPolicies(
  http: InfluxHttp,
  database: string,
): Promise<{ policies?: Map<string, Policy>; failure?: 'denied' | 'foreign' | 'unsupported' }> {
  let series: InfluxSeries[];
  try {
    series = await http.query(showRetentionPoliciesQuery(database), database);
  } catch (err) {
    const denied =
      err instanceof InfluxHttpError &&
      (err.status === 401 || err.status === 403 || /not authorized/i.test(err.message));
    return { failure: denied ? 'denied' : 'unsupported' };
  }
  const s = series[0];
  const col = (name: string) => s?.columns.indexOf(name) ?? -1;
  // VictoriaMetrics answers every query with a canned SHOW DATABASES result.
  if (s && (col('duration') < 0 || col('name') < 0)) return { failure: 'foreign' };
  const policies = new Map<string, Policy>();
  for (const row of s?.values ?? []) {
    const name = row[col('name')];
    const duration = parseGoDuration(String(row[col('duration')]));
    if (typeof name === 'string' && duration !== undefined) {
      policies.set(name, { durationMs: duration, isDefault: row[col('default')] === true });
    }
  }
  return { policies };
}

function clampRp(ms: number): number {
  return ms === 0 ? 0 : Math.max(MIN_RP_MS, ms);
}

export interface LayoutInput {
  http: InfluxHttp;
  database: string;
  /** From INFLUXDB_BUCKET=db/rp: the raw policy is the user's (never created nor altered). */
  namedRawPolicy: string | undefined;
  retention: Retention;
  /** Readers only look; the writer creates and alters what it may. */
  readonly: boolean;
  /** 1.x runs SELECT INTO and has retention policies; 2.x/3.x do not. */
  influxV1: boolean;
  log: Logger | undefined;
}

/**
 * Finds (and, for the writer, creates) the policies. What the collector's user may not do is
 * logged once as a warning listing the statements an admin must run; the store then works flat.
 */
export async function resolveLayout(input: LayoutInput): Promise<InfluxLayout> {
  const { http, database, namedRawPolicy, readonly, log } = input;
  const src = (rp: string | undefined, measurement: string): SeriesSource => ({
    database,
    retentionPolicy: rp,
    measurement,
  });
  const shown = await showPolicies(http, database);
  const policies = shown.policies;
  if (!policies) {
    const raw = src(namedRawPolicy, MEASUREMENT);
    const mode = shown.failure === 'unsupported' ? 'flat' : 'blind';
    return {
      mode,
      raw,
      coverage: src(namedRawPolicy, MEASUREMENT_COVERAGE),
      oneMinute: raw,
      oneHour: raw,
      retention: KEEP_FOREVER,
      deferredRawAlter: undefined,
      reason:
        shown.failure === 'denied'
          ? 'this user cannot read the database (SHOW RETENTION POLICIES refused)'
          : shown.failure === 'foreign'
            ? 'the server answers no InfluxQL'
            : 'the server has no retention policies (InfluxDB 2.x/3.x)',
    };
  }
  const defaultName = [...policies].find(([, p]) => p.isDefault)?.[0];
  const rawName = namedRawPolicy ?? defaultName;
  const want = {
    raw: clampRp(input.retention.rawMs),
    [RP_1M]: clampRp(input.retention.oneMinuteMs),
    [RP_1H]: clampRp(input.retention.oneHourMs),
    [RP_COVERAGE]: 0,
  };
  const statements: string[] = [];
  for (const name of [RP_1M, RP_1H, RP_COVERAGE] as const) {
    const have = policies.get(name);
    if (!have) statements.push(createRetentionPolicyStatement(database, name, want[name]));
    else if (have.durationMs !== want[name])
      statements.push(alterRetentionPolicyStatement(database, name, want[name]));
  }
  // The database's default policy is the store's own; one named in INFLUXDB_BUCKET is the user's.
  const rawPolicy = rawName === undefined ? undefined : policies.get(rawName);
  const rawAlter =
    namedRawPolicy === undefined && rawName !== undefined && rawPolicy?.durationMs !== want.raw
      ? alterRetentionPolicyStatement(database, rawName, want.raw)
      : undefined;
  const refused: string[] = [];
  if (!readonly && input.influxV1) {
    for (const statement of statements) {
      try {
        await http.query(statement, database, { method: 'POST' });
        log?.info({ statement }, 'InfluxDB retention policy set');
      } catch (err) {
        refused.push(statement);
        log?.debug({ statement, err: (err as Error).message }, 'retention policy refused');
      }
    }
  }
  const after =
    refused.length === statements.length
      ? policies
      : ((await showPolicies(http, database)).policies ?? policies);
  const tiered = input.influxV1 && [RP_1M, RP_1H, RP_COVERAGE].every((n) => after.has(n));
  const duration = (name: string | undefined) =>
    name === undefined ? 0 : (after.get(name)?.durationMs ?? 0);
  if (!readonly && input.influxV1 && (refused.length > 0 || !tiered)) {
    const pending = [...refused, ...(rawAlter ? [rawAlter] : [])];
    log?.warn(
      { database, statements: pending },
      'InfluxDB: this user may not create retention policies; rollups and retention are off until an admin runs these statements (then restart the collector)',
    );
  }
  const raw = src(rawName, MEASUREMENT);
  if (!tiered) {
    return {
      mode: 'flat',
      raw,
      coverage: src(rawName, MEASUREMENT_COVERAGE),
      oneMinute: raw,
      oneHour: raw,
      retention: { rawMs: duration(rawName), oneMinuteMs: 0, oneHourMs: 0 },
      deferredRawAlter: undefined,
      reason: input.influxV1
        ? `retention policies ${RP_1M}, ${RP_1H}, ${RP_COVERAGE} missing`
        : 'the server has no retention policies (InfluxDB 2.x/3.x)',
    };
  }
  return {
    mode: 'tiered',
    raw,
    coverage: src(RP_COVERAGE, MEASUREMENT_COVERAGE),
    oneMinute: src(RP_1M, MEASUREMENT_1M),
    oneHour: src(RP_1H, MEASUREMENT_1H),
    retention: {
      rawMs: duration(rawName),
      oneMinuteMs: duration(RP_1M),
      oneHourMs: duration(RP_1H),
    },
    deferredRawAlter: readonly ? undefined : rawAlter,
    reason: undefined,
  };
}
