// Configuration: env vars (and .env via dotenv) parsed and validated once, one clear line per bad value.
import { hostname } from 'node:os';
import { z } from 'zod';
import { type AuthConfig, authConfigOf, authEnvShape } from './config-auth.js';
import { type GatewayConfig, gatewayConfigOf, gatewayEnvShape } from './config-gateway.js';
import { type GeoSettings, geoEnvShape, geoOf } from './config-geo.js';
import { type SimConfig, simEnvShape, simOf } from './config-sim.js';
import { DEVICE_ID_PATTERN } from './contract.js';
import { durationMs } from './duration.js';
import type { MqttConfig } from './mqtt-config.js';
import { secretProblems, shownValue } from './secrets.js';
import { SignalCatalog } from './signals/catalog.js';
import { readSignalsFile, SignalsFileError } from './signals/signals-file.js';
import type { Retention } from './store/types.js';

/** MAP_TILE_URL's default: OpenStreetMap's standard tiles (shown with their attribution). */
export const OSM_TILE_URL = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';

/** An http(s) tile template with {z}, {x} and {y} (and optionally {s}). */
function isTileUrl(v: string): boolean {
  if (!/^https?:\/\/[^/\s]+\/\S*$/.test(v)) return false;
  return v.includes('{z}') && v.includes('{x}') && v.includes('{y}');
}

/**
 * Test-only fault injection in the simulated vehicle (refused with NODE_ENV=production):
 * command-crash-before-commit / -after-commit: the vehicle SIGKILLs itself after receiving a
 * command, before / after recording its execution and result, and before answering;
 * command-store-error: storing a command's setting fails, as on a full disk (the vehicle answers
 * `failed`); store-migration-crash: the collector SIGKILLs itself in the middle of a store
 * schema upgrade (the upgrade must leave the store intact and resume at the next start);
 * gateway-crash-before-answer: the gateway SIGKILLs itself once a device's fixes are durable,
 * before the device is answered (the device's resend must be stored once).
 */
export const FAULTS = [
  'command-crash-before-commit',
  'command-crash-after-commit',
  'command-store-error',
  'store-migration-crash',
  'gateway-crash-before-answer',
] as const;
export type Fault = (typeof FAULTS)[number];

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const port = int(1, 65535);
const optionalString = z.string().min(1).optional();
/** A plain address (no display name): what SMTP servers take in MAIL FROM / RCPT TO. */
const EMAIL = /^[^\s@<>,;"]+@[^\s@<>,;"]+$/;
/** `0` keeps forever; otherwise a duration like `30d`, `12h`. */
const retention = (fallback: string) =>
  z
    .string()
    .regex(/^(0|[1-9]\d*[smhd])$/, 'must be 0 (keep forever) or a duration like 30d, 400d, 12h')
    .default(fallback);

/** Every variable documented in env.example, with its default. Names are the env var names. */
const envSchema = z.object({
  MQTT_BROKER_HOST: optionalString,
  MQTT_BROKER_PORT: port.default(1883),
  MQTT_USERNAME: optionalString,
  MQTT_PASSWORD: optionalString,
  MQTT_RECONNECT_MAX_MS: int(100, 3_600_000).default(30_000),
  MQTT_URL: z.url({ protocol: /^(mqtt|mqtts|ws|wss)$/ }).optional(),
  MQTT_CA_FILE: optionalString,
  MQTT_CREDENTIALS_FILE: optionalString,
  MQTT_PASSWORD_FILE: optionalString,
  MQTT_ACL_FILE: optionalString,
  ACK_MODE: z.enum(['e2e', 'broker']).default('e2e'),
  ACK_INTERVAL_MS: int(10, 60_000).default(1000),
  RESEND_AFTER_MS: int(100, 3_600_000).default(10_000),
  COLLECTOR_CLIENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .default('collector'),
  STORE: z.enum(['sqlite', 'influxdb']).default('sqlite'),
  SQLITE_PATH: z.string().min(1).default('./data/telemetry.db'),
  INFLUXDB_URL: z.url({ protocol: /^https?$/ }).default('http://localhost:8086'),
  INFLUXDB_TOKEN: optionalString,
  INFLUXDB_ORG: z.string().min(1).default('my-org'),
  INFLUXDB_BUCKET: z.string().min(1).default('vehicle-data'),
  INFLUXDB_API: z.enum(['auto', 'v1', 'v2']).default('auto'),
  RETENTION_RAW: retention('30d'),
  RETENTION_1M: retention('400d'),
  RETENTION_1H: retention('0'),
  DASHBOARD_HOST: z.string().min(1).default('0.0.0.0'),
  DASHBOARD_CLIENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .default('dashboard'),
  DASHBOARD_STATE_PATH: z.string().min(1).default('./data/dashboard-state.db'),
  DASHBOARD_REGISTRY: z
    .enum(['owner', 'follower'], { error: 'must be owner or follower' })
    .default('owner'),
  COLLECTOR_STATE_PATH: z.string().min(1).default('./data/collector-state.db'),
  COLLECTOR_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, _ . -')
    .optional(),
  COLLECTOR_PARTITIONS: int(1, 1024).default(16),
  COLLECTOR_LEASE_TTL_MS: int(1000, 600_000).default(5000),
  DASHBOARD_PORT: int(0, 65535).default(5000),
  COMMAND_TIMEOUT_S: int(1, 86_400).default(30),
  DEVICE_ALLOWLIST: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default('false')
    .transform((v) => v === 'true'),
  DEVICE_COUNT: int(1, 100_000).default(10),
  DEVICE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,58}$/)
    .default('vehicle_'),
  PUBLISH_INTERVAL_MS: int(10, 3_600_000).default(1000),
  QUEUE_DIR: z.string().min(1).default('./devices/queues'),
  QUEUE_MAX: int(1, 10_000_000).default(86_400),
  QUEUE_LAYOUT: z.enum(['auto', 'per-device', 'shared']).default('auto'),
  SEED: z.coerce.number().int().optional(),
  FAULT_INJECTION: z.enum(FAULTS).optional(),
  OFFLINE_AFTER_S: z.coerce.number().positive().max(86_400).default(10),
  HEALTH_INTERVAL_S: z.coerce.number().min(0.1).max(86_400).default(30),
  ALERT_RULES_FILE: optionalString,
  ALERT_WEBHOOK_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .optional(),
  REDIS_URL: z
    .url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })
    .optional(),
  SMTP_URL: z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' }).optional(),
  ALERT_EMAIL_FROM: z
    .string()
    .regex(EMAIL, 'must be an e-mail address')
    .default('telemetry@localhost'),
  ALERT_EMAIL_TO: z
    .string()
    .refine(
      (v) => v.split(',').every((a) => EMAIL.test(a.trim())),
      'must be e-mail addresses separated by commas',
    )
    .optional(),
  DASHBOARD_API_TOKEN: optionalString,
  DASHBOARD_CORS_ORIGINS: z.string().min(1).default('*'),
  DASHBOARD_RATE_LIMIT_PER_MIN: int(1, 1_000_000).default(600),
  DASHBOARD_MAX_SOCKETS_PER_IP: int(1, 100_000).default(20),
  DASHBOARD_TRUST_PROXY: z.string().min(1).default('false'),
  MAP_TILE_URL: z
    .string()
    .refine((v) => v === 'none' || isTileUrl(v), {
      message: 'must be none or an http(s) URL with {z}, {x} and {y}',
    })
    .default(OSM_TILE_URL),
  NODE_ENV: z.string().min(1).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  METRICS_PORT: port.optional(),
  METRICS_HOST: z.string().min(1).default('0.0.0.0'),
  SIGNALS_FILE: optionalString,
  ...geoEnvShape,
  ...authEnvShape,
  ...simEnvShape,
  ...gatewayEnvShape,
});

type Env = z.infer<typeof envSchema>;

export type { MqttConfig } from './mqtt-config.js';

export interface StoreConfig {
  kind: 'sqlite' | 'influxdb';
  sqlitePath: string;
  influx: {
    url: string;
    token: string | undefined;
    org: string;
    bucket: string;
    api: 'auto' | 'v1' | 'v2';
  };
  /** How long raw readings and the 1-minute and 1-hour rollups are kept (ms, 0 = forever). */
  retention: Retention;
  /** The signals stored: built-in ones and SIGNALS_FILE's (the same object as Config.signals). */
  catalog: SignalCatalog;
  /** Test-only (FAULT_INJECTION=store-migration-crash). */
  crashMidMigration?: boolean;
}

export interface DeliveryConfig {
  /**
   * e2e: devices keep a reading until the collector's end-to-end ack covers it (survives a broker
   * losing messages it had acknowledged); broker: devices delete on the broker's PUBACK (for
   * collectors that send no acks, e.g. Telegraf).
   */
  ackMode: 'e2e' | 'broker';
  /** Collector: at most one ack per device per interval. */
  ackIntervalMs: number;
  /** Device: republish unconfirmed readings when no ack progress for this long (doubling, max 5 min). */
  resendAfterMs: number;
}

export interface DevicesConfig {
  count: number;
  /** Seconds between health messages (and one at every connect). */
  healthIntervalS: number;
  prefix: string;
  intervalMs: number;
  queueDir: string;
  queueMax: number;
  /**
   * per-device: `{QUEUE_DIR}/{id}.db`, as a real vehicle has; shared: one `{QUEUE_DIR}/fleet.db`
   * for a whole run-devices process (3 file descriptors in all instead of 3 per vehicle); auto:
   * per-device up to 1000 vehicles.
   */
  queueLayout: 'auto' | 'per-device' | 'shared';
  seed: number | undefined;
  /** Test-only (FAULT_INJECTION): where a vehicle fails on purpose. */
  fault: Fault | undefined;
}

/** Alarm rules and where the collector sends notifications. */
export interface AlertsConfig {
  /** YAML or JSON rules file; undefined: the built-in rules (alarms/rules.ts). */
  rulesFile: string | undefined;
  webhookUrl: string | undefined;
  smtpUrl: string | undefined;
  emailFrom: string;
  emailTo: string[];
}

export interface Config {
  mqtt: MqttConfig;
  /** The signal catalog in force: built-in signals, then SIGNALS_FILE's custom ones. */
  signals: SignalCatalog;
  collectorClientId: string;
  /** The collector's own state (alarms, notification outbox): SQLite, whatever STORE is. */
  collectorStatePath: string;
  alerts: AlertsConfig;
  delivery: DeliveryConfig;
  store: StoreConfig;
  /**
   * DEVICE_ALLOWLIST: readings of devices missing from the registry are rejected (`unknown_device`)
   * by the collector and by HTTP ingest.
   */
  deviceAllowlist: boolean;
  /**
   * REDIS_URL: several collectors share the vehicles through leases, several dashboards share
   * Socket.IO events (docs/scaling.md). Unset: one collector, one dashboard, no Redis (the default).
   */
  redisUrl: string | undefined;
  /** Used only with REDIS_URL: how several collectors share the vehicles (collector/cluster/). */
  cluster: ClusterConfig;
  dashboard: DashboardConfig;
  /** Accounts, sessions, tokens and audit (core/config-auth.ts). */
  auth: AuthConfig;
  nodeEnv: string;
  devices: DevicesConfig;
  logLevel: Env['LOG_LEVEL'];
  /** auto: human lines when stderr is a terminal, JSON lines otherwise. */
  logFormat: Env['LOG_FORMAT'];
  metrics: MetricsConfig;
  sim: SimConfig;
  gateway: GatewayConfig;
  /** Trips, stops and harsh driving (core/config-geo.ts). */
  geo: GeoSettings;
}

export interface ClusterConfig {
  /** This collector's name in Redis (leases, heartbeats): unique per running collector. */
  id: string;
  /** Vehicles are hashed into this many partitions, each leased to one collector at a time. */
  partitions: number;
  /** A dead collector's partitions are taken over within about this long (plus a renewal round). */
  leaseTtlMs: number;
}

export interface MetricsConfig {
  /**
   * Collector, run-devices and `npm run device` serve Prometheus `/metrics` here when set (the
   * dashboard serves it on its own port; `npm start` on both).
   */
  port: number | undefined;
  host: string;
}

export interface DashboardConfig {
  host: string;
  port: number;
  /**
   * The dashboard's persistent MQTT session (command results and alarm events queued by the broker
   * while it is down). One per dashboard instance; a secured broker uses the username instead.
   */
  clientId: string;
  /** The dashboard's own state (device registry, commands): SQLite. */
  statePath: string;
  /**
   * DASHBOARD_REGISTRY: `owner` keeps the device registry in statePath and publishes it;
   * `follower` (further instances, docs/scaling.md) reads the owner's snapshot, refuses writes.
   */
  registryMode: 'owner' | 'follower';
  /** A sent command without a result after this long is `timed_out`. */
  commandTimeoutS: number;
  offlineAfterS: number;
  /** Devices' HEALTH_INTERVAL_S: a device whose health is older than twice this shows a warning. */
  healthIntervalS: number;
  /** Devices' PARKED_INTERVAL_S: after a parked reading the next is due this late (still online). */
  parkedIntervalS: number;
  /** Bearer token required by routes that write or send commands; unset: those routes are off. */
  apiToken: string | undefined;
  /** `*` or a comma-separated list of origins allowed to call the read-only API from a browser. */
  corsOrigins: string;
  rateLimitPerMin: number;
  maxSocketsPerIp: number;
  /** Express "trust proxy": false, true, a hop count or addresses (behind cloudflared, nginx). */
  trustProxy: string;
  /** MAP_TILE_URL: the map's raster tiles; null (`none`): the offline basemap shipped with the package. */
  mapTileUrl: string | null;
}

export class ConfigError extends Error {
  constructor(readonly lines: string[]) {
    super(`invalid configuration:\n${lines.join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Command-line flags are passed as env names, so one schema names the bad value either way. */
export type ConfigOverrides = Partial<Record<keyof Env, string | undefined>>;

export function loadConfig(
  env: Record<string, string | undefined>,
  overrides: ConfigOverrides = {},
): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = overrides[key as keyof Env] ?? env[key];
    // An empty value in .env means "unset", as most dotenv users expect.
    if (value !== undefined && value.trim() !== '') input[key] = value.trim();
  }
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'config');
        return `${name}=${shownValue(name, input[name])}: ${issue.message}`;
      }),
    );
  }
  const e = parsed.data;
  const secrets = secretProblems(e);
  if (secrets.length > 0) throw new ConfigError(secrets);
  if (e.FAULT_INJECTION !== undefined && e.NODE_ENV === 'production') {
    throw new ConfigError([
      `FAULT_INJECTION=${JSON.stringify(e.FAULT_INJECTION)}: test-only, refused with NODE_ENV=production`,
    ]);
  }
  const auth = authConfigOf(e);
  if (Array.isArray(auth)) throw new ConfigError(auth);
  const retained = retentionOf(e);
  const alerts = alertsOf(e);
  const signals = catalogOf(e);
  const lastId = `${e.DEVICE_PREFIX}${String(e.DEVICE_COUNT).padStart(2, '0')}`;
  if (!DEVICE_ID_PATTERN.test(lastId)) {
    throw new ConfigError([
      `DEVICE_PREFIX=${JSON.stringify(e.DEVICE_PREFIX)}: ids like ${lastId} exceed 64 chars`,
    ]);
  }
  return {
    signals,
    mqtt: {
      host: e.MQTT_BROKER_HOST,
      port: e.MQTT_BROKER_PORT,
      url: e.MQTT_URL,
      caFile: e.MQTT_CA_FILE,
      username: e.MQTT_USERNAME,
      password: e.MQTT_PASSWORD,
      credentialsFile: e.MQTT_CREDENTIALS_FILE,
      passwordFile: e.MQTT_PASSWORD_FILE,
      aclFile: e.MQTT_ACL_FILE,
      reconnectMaxMs: e.MQTT_RECONNECT_MAX_MS,
    },
    collectorClientId: e.COLLECTOR_CLIENT_ID,
    collectorStatePath: e.COLLECTOR_STATE_PATH,
    alerts,
    delivery: {
      ackMode: e.ACK_MODE,
      ackIntervalMs: e.ACK_INTERVAL_MS,
      resendAfterMs: e.RESEND_AFTER_MS,
    },
    store: {
      kind: e.STORE,
      sqlitePath: e.SQLITE_PATH,
      influx: {
        url: e.INFLUXDB_URL,
        token: e.INFLUXDB_TOKEN,
        org: e.INFLUXDB_ORG,
        bucket: e.INFLUXDB_BUCKET,
        api: e.INFLUXDB_API,
      },
      retention: retained,
      catalog: signals,
      crashMidMigration: e.FAULT_INJECTION === 'store-migration-crash',
    },
    deviceAllowlist: e.DEVICE_ALLOWLIST,
    redisUrl: e.REDIS_URL,
    cluster: {
      id: e.COLLECTOR_ID ?? defaultCollectorId(),
      partitions: e.COLLECTOR_PARTITIONS,
      leaseTtlMs: e.COLLECTOR_LEASE_TTL_MS,
    },
    dashboard: {
      host: e.DASHBOARD_HOST,
      port: e.DASHBOARD_PORT,
      clientId: e.DASHBOARD_CLIENT_ID,
      statePath: e.DASHBOARD_STATE_PATH,
      registryMode: e.DASHBOARD_REGISTRY,
      commandTimeoutS: e.COMMAND_TIMEOUT_S,
      offlineAfterS: e.OFFLINE_AFTER_S,
      healthIntervalS: e.HEALTH_INTERVAL_S,
      parkedIntervalS: e.PARKED_INTERVAL_S,
      apiToken: e.DASHBOARD_API_TOKEN,
      corsOrigins: e.DASHBOARD_CORS_ORIGINS,
      rateLimitPerMin: e.DASHBOARD_RATE_LIMIT_PER_MIN,
      maxSocketsPerIp: e.DASHBOARD_MAX_SOCKETS_PER_IP,
      trustProxy: e.DASHBOARD_TRUST_PROXY,
      mapTileUrl: e.MAP_TILE_URL === 'none' ? null : e.MAP_TILE_URL,
    },
    auth,
    nodeEnv: e.NODE_ENV,
    devices: {
      count: e.DEVICE_COUNT,
      healthIntervalS: e.HEALTH_INTERVAL_S,
      prefix: e.DEVICE_PREFIX,
      intervalMs: e.PUBLISH_INTERVAL_MS,
      queueDir: e.QUEUE_DIR,
      queueMax: e.QUEUE_MAX,
      queueLayout: e.QUEUE_LAYOUT,
      seed: e.SEED,
      fault: e.FAULT_INJECTION,
    },
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    metrics: { port: e.METRICS_PORT, host: e.METRICS_HOST },
    sim: simOf(e),
    gateway: gatewayConfigOf(e),
    geo: geoOf(e),
  };
}

function catalogOf(e: Env): SignalCatalog {
  if (e.SIGNALS_FILE === undefined) return new SignalCatalog();
  try {
    return new SignalCatalog(readSignalsFile(e.SIGNALS_FILE));
  } catch (err) {
    if (err instanceof SignalsFileError) throw new ConfigError(err.lines);
    throw err;
  }
}

/** hostname-pid: unique per process on a host, readable in Redis and logs. */
function defaultCollectorId(): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9_.-]/g, '_')
      .slice(0, 40) || 'host';
  return `${host}-${process.pid}`;
}

/**
 * A coarser tier must live at least as long as the finer one: history answers old ranges from the
 * coarser tier once the finer one is gone (0 = forever counts as the longest).
 */
function retentionOf(e: Env): Retention {
  const ms = (text: string) => durationMs(text) ?? 0;
  const r = {
    rawMs: ms(e.RETENTION_RAW),
    oneMinuteMs: ms(e.RETENTION_1M),
    oneHourMs: ms(e.RETENTION_1H),
  };
  const longer = (coarse: number, fine: number) => coarse === 0 || (fine !== 0 && coarse >= fine);
  const problems: string[] = [];
  if (!longer(r.oneMinuteMs, r.rawMs)) {
    problems.push(
      `RETENTION_1M=${e.RETENTION_1M}: must be 0 or at least RETENTION_RAW (${e.RETENTION_RAW})`,
    );
  }
  if (!longer(r.oneHourMs, r.oneMinuteMs)) {
    problems.push(
      `RETENTION_1H=${e.RETENTION_1H}: must be 0 or at least RETENTION_1M (${e.RETENTION_1M})`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return r;
}

/** E-mail needs a server and recipients: one without the other is a mistake worth naming. */
function alertsOf(e: Env): AlertsConfig {
  const emailTo = (e.ALERT_EMAIL_TO ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  if (e.SMTP_URL !== undefined && emailTo.length === 0) {
    throw new ConfigError(['ALERT_EMAIL_TO="": needed when SMTP_URL is set (who gets the e-mail)']);
  }
  if (e.SMTP_URL === undefined && emailTo.length > 0) {
    throw new ConfigError([
      `ALERT_EMAIL_TO=${shownValue('ALERT_EMAIL_TO', e.ALERT_EMAIL_TO)}: needs SMTP_URL (the server that sends it)`,
    ]);
  }
  return {
    rulesFile: e.ALERT_RULES_FILE,
    webhookUrl: e.ALERT_WEBHOOK_URL,
    smtpUrl: e.SMTP_URL,
    emailFrom: e.ALERT_EMAIL_FROM,
    emailTo,
  };
}
