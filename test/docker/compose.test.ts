// docker/docker-compose.yml without a Docker engine: it parses, every file it names exists, env and
// healthchecks are coherent, and the programs' environments pass our own config validation.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.js';
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

const compose = loadCompose();
const services = compose.services;
const APP_SERVICES = ['collector', 'devices', 'dashboard'];
const exampleEnv = parseEnvFile(join(DOCKER, '.env.example'));
/** .env.example with the two secrets filled in, as a user's docker/.env would be. */
const userEnv = {
  ...exampleEnv,
  INFLUXDB_TOKEN: 'test-token',
  INFLUXDB_ADMIN_PASSWORD: 'pw12345678',
};

function service(name: string): ComposeService {
  const s = services[name];
  if (!s) throw new Error(`no service ${name}`);
  return s;
}

describe('docker-compose.yml', () => {
  it('parses and defines the stack, Telegraf behind a profile', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['collector', 'dashboard', 'devices', 'influxdb', 'mosquitto', 'telegraf'].sort(),
    );
    expect(service('mosquitto').image).toMatch(/^eclipse-mosquitto:2(\.|$)/);
    expect(service('influxdb').image).toMatch(/^influxdb:2\.7(\.|$)/);
    expect(service('telegraf').profiles).toEqual(['telegraf']);
    for (const name of Object.keys(services)) {
      if (name !== 'telegraf') expect(service(name).profiles, name).toBeUndefined();
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

  it('mounts only files and folders that exist, and declares every named volume', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const volume of s.volumes ?? []) {
        const [source = ''] = volume.split(':');
        if (source.startsWith('.')) {
          expect(existsSync(resolve(DOCKER, source)), `${name}: ${source}`).toBe(true);
        } else {
          expect(compose.volumes, `${name}: volume ${source}`).toHaveProperty(source);
        }
      }
    }
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

  it('publishes ports on BIND_ADDRESS (127.0.0.1 by default)', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const port of s.ports ?? []) {
        expect(port, name).toMatch(/^\$\{BIND_ADDRESS:-127\.0\.0\.1\}:/);
        expect(interpolate(port, {}), name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
      }
    }
  });

  it('takes every variable from .env, whose example commits no secret; docker/.env is gitignored', () => {
    const telegraf = readFileSync(join(DOCKER, 'telegraf/telegraf.conf'), 'utf8');
    const used = new Set([...referencedVariables(composeText()), ...referencedVariables(telegraf)]);
    for (const name of used) expect(exampleEnv, name).toHaveProperty(name);
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
      INFLUXDB_TOKEN: 'test-token',
      INFLUXDB_ORG: setup.DOCKER_INFLUXDB_INIT_ORG,
      INFLUXDB_BUCKET: setup.DOCKER_INFLUXDB_INIT_BUCKET,
    });
  });

  it("passes each program's environment through our config validation", () => {
    for (const name of APP_SERVICES) {
      const env = Object.fromEntries(
        Object.entries(service(name).environment ?? {}).map(([k, v]) => [
          k,
          interpolate(String(v), userEnv),
        ]),
      );
      const config = loadConfig(env);
      expect(config.mqtt.host, name).toBe('mosquitto');
      if (name !== 'devices') expect(config.store.kind, name).toBe('influxdb');
    }
  });
});
