// docker/docker-compose.yml without a Docker engine: it parses, every file it names exists, env and
// healthchecks are coherent, and the programs' environments pass our own config validation.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
import { instanceUsers } from '../../scripts/mqtt-users/acl-text.js';
import { FILES, generateUsers, instanceEnvFile } from '../../scripts/mqtt-users/generate.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import {
  type ComposeService,
  composeText,
  DOCKER,
  interpolate,
  loadCompose,
  parseEnvFile,
  ROOT,
  referencedVariables,
} from './compose-files.js';

afterAll(removeTempDirs);

const compose = loadCompose();
const services = compose.services;
const APP_SERVICES = ['collector', 'devices', 'dashboard'];
const exampleEnv = parseEnvFile(join(DOCKER, '.env.example'));
/** .env.example with the two secrets filled in, as a user's docker/.env would be. */
const userEnv = {
  ...exampleEnv,
  INFLUXDB_TOKEN: '5f2b8c0e9a7d4e1f83b6c2a9d0e4f7a1',
  INFLUXDB_ADMIN_PASSWORD: 'pw12345678',
};
/** Paths under ./secrets/ that compose mounts or reads: what mqtt-users writes, plus the certs. */
const SECRETS = './secrets/';
/** The TLS certificate and key docker/README.md tells how to make (openssl) in secrets/certs/. */
const CERTS_DIR = `${SECRETS}certs`;
const CLUSTER_INSTANCES = 3;
/** A secrets folder as `npm run mqtt-users -- --dir docker/secrets` leaves it (in a temp dir). */
let secretsDir = '';

beforeAll(async () => {
  secretsDir = tempDir('compose-secrets-');
  await generateUsers({
    dir: secretsDir,
    deviceIds: ['vehicle_01', 'vehicle_02'],
    hasher: 'node',
    force: false,
    // Profile "cluster": 3 collectors and (up to) 3 dashboards, one MQTT user each.
    instances: CLUSTER_INSTANCES,
  });
});

/** A host path of compose (relative to docker/) under ./secrets/, in the generated folder. */
function generated(source: string): string {
  return join(secretsDir, source.slice(SECRETS.length));
}

/** KEY=value lines of a service's env_file entries, read from the generated secrets. */
function envFiles(s: ComposeService): Record<string, string> {
  const out: Record<string, string> = {};
  for (const file of s.env_file ?? []) Object.assign(out, parseEnvFile(generated(file)));
  return out;
}

/** A container path the service mounts from ./secrets/, as the generated host file. */
function hostPath(s: ComposeService, containerPath: string): string {
  for (const volume of s.volumes ?? []) {
    const [source = '', target] = volume.split(':');
    if (target === containerPath && source.startsWith(SECRETS)) return generated(source);
  }
  return containerPath;
}

function service(name: string): ComposeService {
  const s = services[name];
  if (!s) throw new Error(`no service ${name}`);
  return s;
}

describe('docker-compose.yml', () => {
  it('parses and defines the stack, Telegraf and the monitoring pair behind profiles', () => {
    expect(Object.keys(services).sort()).toEqual(
      [
        'collector',
        'dashboard',
        'devices',
        'grafana',
        'influxdb',
        'mosquitto',
        'prometheus',
        'telegraf',
        'redis',
        'collector-2',
        'collector-3',
        'dashboard-2',
        'lb',
      ].sort(),
    );
    expect(service('mosquitto').image).toMatch(/^eclipse-mosquitto:2(\.|$)/);
    expect(service('influxdb').image).toMatch(/^influxdb:2\.7(\.|$)/);
    expect(service('telegraf').profiles).toEqual(['telegraf']);
    expect(service('prometheus').profiles).toEqual(['monitoring']);
    expect(service('grafana').profiles).toEqual(['monitoring']);
    for (const name of ['redis', 'collector-2', 'collector-3', 'dashboard-2', 'lb']) {
      expect(service(name).profiles, name).toEqual(['cluster']);
    }
    for (const name of Object.keys(services)) {
      if (
        ![
          'telegraf',
          'prometheus',
          'grafana',
          'redis',
          'collector-2',
          'collector-3',
          'dashboard-2',
          'lb',
        ].includes(name)
      ) {
        expect(service(name).profiles, name).toBeUndefined();
      }
    }
  });

  it('builds collector, devices and dashboard from one Dockerfile that exists, with `npm run <script>`', () => {
    const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<
      string,
      string
    >;
    for (const name of APP_SERVICES) {
      const s = service(name);
      const context = resolve(DOCKER, s.build?.context ?? '-');
      expect(context, name).toBe(resolve(ROOT));
      expect(existsSync(join(context, s.build?.dockerfile ?? '-')), name).toBe(true);
      expect(s.command, name).toEqual(['npm', 'run', name]);
      expect(scripts[name], name).toBeDefined();
      expect(s.init, `${name}: signals reach the program`).toBe(true);
    }
    expect(existsSync(join(DOCKER, 'Dockerfile.dockerignore'))).toBe(true);
  });

  it('mounts only files and folders that exist or that mqtt-users/openssl make, and declares every named volume', () => {
    const made = new Set<string>([
      ...Object.values(FILES),
      ...['collector', 'dashboard'].flatMap((role) =>
        instanceUsers(role, CLUSTER_INSTANCES).slice(1).map(instanceEnvFile),
      ),
    ]);
    for (const [name, s] of Object.entries(services)) {
      for (const volume of s.volumes ?? []) {
        const [source = ''] = volume.split(':');
        if (source === CERTS_DIR) {
          const readme = readFileSync(join(DOCKER, 'README.md'), 'utf8');
          expect(readme).toContain('secrets/certs/server.crt');
          expect(readme).toContain('secrets/certs/server.key');
        } else if (source.startsWith(SECRETS)) {
          expect(made.has(source.slice(SECRETS.length)), `${name}: ${source}`).toBe(true);
          expect(existsSync(generated(source)), `${name}: ${source}`).toBe(true);
        } else if (source.startsWith('.')) {
          expect(existsSync(resolve(DOCKER, source)), `${name}: ${source}`).toBe(true);
        } else {
          expect(compose.volumes, `${name}: volume ${source}`).toHaveProperty(source);
        }
      }
      for (const file of s.env_file ?? []) {
        expect(file.startsWith(SECRETS), `${name}: ${file}`).toBe(true);
        expect(made.has(file.slice(SECRETS.length)), `${name}: ${file}`).toBe(true);
      }
    }
    // Secrets are never part of the repository or of the image's build context.
    execFileSync('git', ['check-ignore', '-q', 'docker/secrets/password_file'], { cwd: ROOT });
    expect(readFileSync(join(DOCKER, 'Dockerfile.dockerignore'), 'utf8')).toMatch(
      /^docker\/secrets$/m,
    );
  });

  it("mounts the broker's password_file, acl_file and certificate where mosquitto.conf reads them", () => {
    const conf = readFileSync(join(DOCKER, 'mosquitto/mosquitto.conf'), 'utf8');
    const setting = (key: string) => new RegExp(`^${key} (\\S+)$`, 'm').exec(conf)?.[1];
    const mounts = Object.fromEntries(
      (service('mosquitto').volumes ?? []).map((v) => v.split(':').slice(0, 2)),
    );
    expect(mounts[`${SECRETS}${FILES.passwordFile}`]).toBe(setting('password_file'));
    expect(mounts[`${SECRETS}${FILES.aclFile}`]).toBe(setting('acl_file'));
    expect(mounts[CERTS_DIR]).toBe(dirname(setting('certfile') ?? '-'));
    expect(mounts[CERTS_DIR]).toBe(dirname(setting('keyfile') ?? '-'));
    expect(conf).toMatch(/^allow_anonymous false$/m);
    // The broker gets the hashes, never a plaintext password file.
    expect(Object.keys(mounts).some((m) => /credentials|\.env$|devices\.json/.test(m))).toBe(false);
  });

  it('waits for healthy dependencies, and every such dependency has a healthcheck', () => {
    for (const name of ['collector', 'dashboard', 'telegraf']) {
      expect(service(name).depends_on, name).toMatchObject({
        mosquitto: { condition: 'service_healthy' },
        influxdb: { condition: 'service_healthy' },
      });
    }
    expect(service('devices').depends_on).toMatchObject({
      mosquitto: { condition: 'service_healthy' },
      collector: { condition: 'service_started' },
    });
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        if (condition === 'service_healthy') {
          expect(service(dep).healthcheck?.test, `${name} -> ${dep}`).toBeDefined();
        }
      }
    }
    expect(service('dashboard').healthcheck?.test.join(' ')).toContain('/api/health');
  });

  it('publishes ports on 127.0.0.1 by default; TLS on BIND_ADDRESS, clear-text MQTT on MQTT_PLAIN_BIND_ADDRESS', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const port of s.ports ?? []) {
        expect(port, name).toMatch(/^\$\{(BIND_ADDRESS|MQTT_PLAIN_BIND_ADDRESS):-127\.0\.0\.1\}:/);
        expect(interpolate(port, {}), name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
      }
    }
    const published = (service('mosquitto').ports ?? []).map((p) => interpolate(p, userEnv));
    expect(published.sort()).toEqual([
      '127.0.0.1:1883:1883',
      '127.0.0.1:8883:8883',
      '127.0.0.1:9001:9001',
    ]);
    const exposed = { ...userEnv, BIND_ADDRESS: '0.0.0.0' };
    expect((service('mosquitto').ports ?? []).map((p) => interpolate(p, exposed)).sort()).toEqual([
      '0.0.0.0:8883:8883',
      '127.0.0.1:1883:1883',
      '127.0.0.1:9001:9001',
    ]);
  });

  it('takes every variable from .env, whose example commits no secret; docker/.env is gitignored', () => {
    for (const name of referencedVariables(composeText())) {
      expect(exampleEnv, name).toHaveProperty(name);
    }
    // telegraf.conf's ${VAR}s come from the container's environment: compose's or its env_file.
    const telegraf = readFileSync(join(DOCKER, 'telegraf/telegraf.conf'), 'utf8');
    const telegrafEnv = { ...service('telegraf').environment, ...envFiles(service('telegraf')) };
    for (const name of referencedVariables(telegraf)) {
      expect(telegrafEnv, `telegraf: ${name}`).toHaveProperty(name);
    }
    expect(exampleEnv.INFLUXDB_TOKEN).toBe('');
    expect(exampleEnv.INFLUXDB_ADMIN_PASSWORD).toBe('');
    // Without the secrets compose refuses to start, naming the variable.
    expect(() =>
      interpolate(
        service('influxdb').environment?.DOCKER_INFLUXDB_INIT_ADMIN_TOKEN ?? '',
        exampleEnv,
      ),
    ).toThrow(/INFLUXDB_TOKEN/);
    execFileSync('git', ['check-ignore', '-q', 'docker/.env'], { cwd: ROOT }); // throws if not ignored
  });

  it("gives InfluxDB's setup and the programs the same org, bucket and token", () => {
    const influx = service('influxdb').environment ?? {};
    const env = (name: string) =>
      Object.fromEntries(
        Object.entries(service(name).environment ?? {}).map(([k, v]) => [
          k,
          interpolate(String(v), userEnv),
        ]),
      );
    const setup = Object.fromEntries(
      Object.entries(influx).map(([k, v]) => [k, interpolate(String(v), userEnv)]),
    );
    for (const name of ['collector', 'dashboard']) {
      expect(env(name), name).toMatchObject({
        STORE: 'influxdb',
        INFLUXDB_URL: 'http://influxdb:8086',
        INFLUXDB_TOKEN: setup.DOCKER_INFLUXDB_INIT_ADMIN_TOKEN,
        INFLUXDB_ORG: setup.DOCKER_INFLUXDB_INIT_ORG,
        INFLUXDB_BUCKET: setup.DOCKER_INFLUXDB_INIT_BUCKET,
      });
    }
    expect(env('telegraf')).toMatchObject({
      INFLUXDB_TOKEN: userEnv.INFLUXDB_TOKEN,
      INFLUXDB_ORG: setup.DOCKER_INFLUXDB_INIT_ORG,
      INFLUXDB_BUCKET: setup.DOCKER_INFLUXDB_INIT_BUCKET,
    });
  });

  it("passes each program's environment (env_file and NODE_ENV=production included) through our config validation", () => {
    // The image sets NODE_ENV=production: placeholder or short secrets stop the programs.
    expect(readFileSync(join(DOCKER, 'Dockerfile'), 'utf8')).toMatch(/NODE_ENV=production/);
    for (const name of APP_SERVICES) {
      const s = service(name);
      const env: Record<string, string> = {
        NODE_ENV: 'production',
        ...envFiles(s),
        ...Object.fromEntries(
          Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), userEnv)]),
        ),
      };
      if (env.MQTT_CREDENTIALS_FILE)
        env.MQTT_CREDENTIALS_FILE = hostPath(s, env.MQTT_CREDENTIALS_FILE);
      const config = loadConfig(env);
      expect(config.mqtt.host, name).toBe('mosquitto');
      if (name !== 'devices') expect(config.store.kind, name).toBe('influxdb');
      // Each program logs in: collector and dashboard as themselves, devices per vehicle.
      if (name === 'devices') {
        expect(config.mqtt.credentialsFile, name).toBe(join(secretsDir, FILES.devicesJson));
        expect(config.mqtt.username, name).toBeUndefined();
      } else {
        expect(config.mqtt.username, name).toBe(name);
        expect(config.mqtt.password?.length, name).toBeGreaterThanOrEqual(16);
      }
    }
  });
});
