// The per-role env examples: only real variable names, no secrets, refused as shipped, valid once mqtt-users' files and tokens are in.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import dotenv from 'dotenv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Config, ConfigError, loadConfig } from '../../core/config.js';
import { loginFor } from '../../core/mqtt-credentials.js';
import { securitySettings } from '../../dashboard/security/settings.js';
import { fleetIds } from '../../devices/create-device.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ROLES = ['broker-db', 'dashboard', 'device'] as const;
type Role = (typeof ROLES)[number];
const text = (role: Role) => readFileSync(join(ROOT, `env.example.${role}`), 'utf8');
const parsed = (role: Role) => dotenv.parse(text(role));
const SECRETS = ['MQTT_PASSWORD', 'INFLUXDB_TOKEN', 'DASHBOARD_API_TOKEN'];

/** Every variable loadConfig reads: the env object is watched while it loads. */
function knownVariables(): Set<string> {
  const seen = new Set<string>();
  const env = new Proxy({} as Record<string, string | undefined>, {
    get: (_target, key) => {
      if (typeof key === 'string') seen.add(key);
      return undefined;
    },
  });
  loadConfig(env);
  return seen;
}

let secrets: string;
const INFLUX_TOKEN = 'i'.repeat(20) + Math.random().toString(36).slice(2).padEnd(20, 'x');
/** The dashboard's Access application's AUD tag (DEPLOYMENT.md, step 6). */
const ACCESS_AUD = 'a'.repeat(64);

beforeAll(() => {
  // The documented command, as DEPLOYMENT.md runs it (3 vehicles here; --hasher node: no
  // mosquitto_passwd needed).
  secrets = join(tempDir('deploy-'), 'secrets');
  execFileSync(
    'npm',
    ['run', '--silent', 'mqtt-users', '--', '--dir', secrets, '--count', '10', '--hasher', 'node'],
    {
      cwd: ROOT,
      stdio: 'pipe',
    },
  );
});

afterAll(removeTempDirs);

/** DEPLOYMENT.md's steps on one host: the example, its role's mqtt-users env appended, the token filled in. */
function deployed(role: Role): Record<string, string> {
  const appended: Record<Role, string> = {
    'broker-db': readFileSync(join(secrets, 'collector.env'), 'utf8'),
    dashboard: readFileSync(join(secrets, 'dashboard.env'), 'utf8'),
    device: '',
  };
  const env = dotenv.parse(`${text(role)}\n${appended[role]}`);
  if (role !== 'device') env.INFLUXDB_TOKEN = INFLUX_TOKEN;
  if (role === 'dashboard') env.CF_ACCESS_AUD = ACCESS_AUD;
  else env.MQTT_CREDENTIALS_FILE = join(secrets, 'devices.json');
  return env;
}

describe.each(ROLES)('env.example.%s', (role) => {
  it('names only variables the programs read, NODE_ENV=production first', () => {
    const known = knownVariables();
    const keys = Object.keys(parsed(role));
    expect(keys.filter((k) => !known.has(k))).toEqual([]);
    expect(keys[0]).toBe('NODE_ENV');
    expect(parsed(role).NODE_ENV).toBe('production');
  });

  it('commits no secret: secret variables are empty, nothing looks like a key', () => {
    const env = parsed(role);
    for (const name of SECRETS) expect(env[name] ?? '', name).toBe('');
    for (const [name, value] of Object.entries(env)) {
      expect(value, name).not.toMatch(/^[A-Za-z0-9+/_=-]{24,}$/);
    }
  });

  it('as shipped, refuses to start in production (a secret is missing)', () => {
    expect(() => loadConfig(parsed(role))).toThrow(ConfigError);
    expect(() => loadConfig(parsed(role))).toThrow(
      role === 'device' ? /MQTT_CREDENTIALS_FILE=/ : /MQTT_PASSWORD=""/,
    );
  });

  it('with mqtt-users’ file and a token, loads in production', () => {
    expect(loadConfig(deployed(role)).nodeEnv).toBe('production');
  });
});

describe('each role, deployed, is configured as DEPLOYMENT.md describes', () => {
  const config = (role: Role): Config => loadConfig(deployed(role));

  it('broker + database host: the collector on local Mosquitto and InfluxDB, as MQTT user collector', () => {
    const c = config('broker-db');
    expect(c.nodeEnv).toBe('production');
    expect(c.mqtt.url).toBe('mqtt://localhost:1883');
    expect(loginFor(c.mqtt, 'collector').username).toBe('collector');
    expect(c.mqtt.password).toMatch(/^.{32}$/);
    expect(c.collectorClientId).toBe('collector');
    expect(c.store).toMatchObject({
      kind: 'influxdb',
      influx: { url: 'http://localhost:8086', token: INFLUX_TOKEN, bucket: 'vehicle-data' },
    });
    // /metrics for a Prometheus on the same host, on loopback only.
    expect(c.metrics).toEqual({ port: 9464, host: '127.0.0.1' });
  });

  it('dashboard host: loopback only, behind one trusted proxy hop, reads through the tunnels', () => {
    const c = config('dashboard');
    expect(c.dashboard).toMatchObject({ host: '127.0.0.1', port: 5000, apiToken: undefined });
    expect(securitySettings(c.dashboard)).toMatchObject({
      trustProxy: ['loopback'],
      corsOrigins: '*',
      rateLimitPerMin: 600,
      maxSocketsPerIp: 20,
    });
    expect(c.mqtt.url).toBe('wss://mqtt.example.com/mqtt');
    expect(c.mqtt.username).toBe('dashboard');
    expect(c.mqtt.password).toMatch(/^.{32}$/);
    expect(c.store).toMatchObject({
      kind: 'influxdb',
      influx: { url: 'https://influxdb.example.com', token: INFLUX_TOKEN },
    });
    // People sign in through Cloudflare Access; the accounts file on persistent storage.
    expect(c.auth).toMatchObject({
      mode: 'proxy',
      dbPath: './data/auth.db',
      cfAccess: { issuer: 'https://myteam.cloudflareaccess.com', audience: ACCESS_AUD },
    });
    expect(() => loadConfig({ ...deployed('dashboard'), CF_ACCESS_AUD: '' })).toThrow(
      /CF_ACCESS_AUD="": needed with AUTH_MODE=proxy/,
    );
  });

  it('device host: wss through the tunnel, every vehicle of DEVICE_COUNT logs in as itself', () => {
    const c = config('device');
    expect(c.mqtt.url).toBe('wss://mqtt.example.com/mqtt');
    expect(c.mqtt.caFile).toBeUndefined();
    const ids = fleetIds(c.devices.prefix, c.devices.count);
    expect(ids).toHaveLength(10);
    for (const id of ids) expect(loginFor(c.mqtt, id).username).toBe(id);
    // The devices' file holds no other role's password.
    expect(() => loginFor(c.mqtt, 'collector')).toThrow(/no password for MQTT user "collector"/);
    // Nothing listens on a device host: no metrics port.
    expect(c.metrics.port).toBeUndefined();
  });
});
