// docker-compose.yml's profile "cluster" without a Docker engine: Redis, 3 collectors on listener 1884, 2 dashboards behind nginx; the environments pass our config validation.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../core/config.js';
import { instanceUsers } from '../../scripts/mqtt-users/acl-text.js';
import { generateUsers } from '../../scripts/mqtt-users/generate.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import {
  type ComposeService,
  DOCKER,
  interpolate,
  loadCompose,
  parseEnvFile,
} from './compose-files.js';

afterAll(removeTempDirs);

const services = loadCompose().services;
const COLLECTORS = ['collector', 'collector-2', 'collector-3'];
const DASHBOARDS = ['dashboard', 'dashboard-2'];
/** docker/.env as the profile's comments ask for it. */
const clusterEnv = {
  ...parseEnvFile(join(DOCKER, '.env.example')),
  INFLUXDB_TOKEN: '5f2b8c0e9a7d4e1f83b6c2a9d0e4f7a1',
  INFLUXDB_ADMIN_PASSWORD: 'pw12345678',
  REDIS_URL: 'redis://redis:6379',
  DASHBOARD_TRUST_PROXY: '1',
  COLLECTOR_MQTT_PORT: '1884',
};
let secretsDir = '';
let acl = '';

beforeAll(async () => {
  secretsDir = tempDir('compose-cluster-');
  await generateUsers({
    dir: secretsDir,
    deviceIds: ['vehicle_01'],
    hasher: 'node',
    force: false,
    instances: 3,
  });
  acl = readFileSync(join(secretsDir, 'acl_file'), 'utf8');
});

function service(name: string): ComposeService {
  const s = services[name];
  if (!s) throw new Error(`no service ${name}`);
  return s;
}

/** The program's config as the container would load it (env_file from the generated secrets). */
function configOf(name: string, env: Record<string, string>) {
  const s = service(name);
  const fromFiles: Record<string, string> = {};
  for (const file of s.env_file ?? []) {
    Object.assign(fromFiles, parseEnvFile(join(secretsDir, file.replace('./secrets/', ''))));
  }
  const own = Object.fromEntries(
    Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(String(v), env)]),
  );
  return loadConfig({ NODE_ENV: 'production', ...fromFiles, ...own });
}

/** The topic lines granted to one user in the acl_file. */
function rulesOf(user: string): string[] {
  const lines = acl.split('\n');
  const start = lines.indexOf(`user ${user}`);
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((l) => l.startsWith('user '));
  return rest.slice(0, end).filter((l) => l.startsWith('topic '));
}

describe('docker-compose.yml, profile "cluster"', () => {
  it('collectors: one MQTT user and client-id base on listener 1884, each its own COLLECTOR_ID and state; dashboards: each its own user, client id and state', () => {
    const volumes = new Set<string>();
    const collectorIds = new Set<string>();
    for (const name of COLLECTORS) {
      const config = configOf(name, clusterEnv);
      expect(config.redisUrl, name).toBe('redis://redis:6379');
      expect(config.store.kind, name).toBe('influxdb');
      // Partition N's session is collector-p<N> whichever collector holds its lease: the same
      // base everywhere, on the listener that keeps client ids (mosquitto.conf, listener 1884).
      expect(config.mqtt.username, name).toBe('collector');
      expect(config.collectorClientId, name).toBe('collector');
      expect(config.mqtt.port, name).toBe(1884);
      collectorIds.add(config.cluster.id);
      for (const v of service(name).volumes ?? []) if (v.endsWith(':/data')) volumes.add(v);
    }
    expect(collectorIds.size).toBe(3);
    const conf = readFileSync(join(DOCKER, 'mosquitto/mosquitto.conf'), 'utf8');
    const listener1884 = conf.slice(conf.indexOf('\nlistener 1884'));
    expect(listener1884).not.toContain('use_username_as_clientid');
    // Never published to the host.
    for (const p of service('mosquitto').ports ?? []) expect(String(p)).not.toContain('1884');
    // Without the profile the collector stays on 1883.
    const plain = { ...clusterEnv, REDIS_URL: '', COLLECTOR_MQTT_PORT: '' };
    expect(configOf('collector', plain).mqtt.port).toBe(1883);

    const users = new Set<string>();
    const clientIds = new Set<string>();
    for (const name of DASHBOARDS) {
      const config = configOf(name, clusterEnv);
      expect(config.redisUrl, name).toBe('redis://redis:6379');
      users.add(config.mqtt.username as string);
      clientIds.add(config.dashboard.clientId);
      for (const v of service(name).volumes ?? []) if (v.endsWith(':/data')) volumes.add(v);
    }
    expect([...users].sort()).toEqual(instanceUsers('dashboard', 2).sort());
    expect(clientIds.size).toBe(2);
    // One owner of the device registry; the other dashboard follows it.
    expect(configOf('dashboard', clusterEnv).dashboard.registryMode).toBe('owner');
    expect(configOf('dashboard-2', clusterEnv).dashboard.registryMode).toBe('follower');
    expect(volumes.size).toBe(5);
  });

  it('leaves the default stack as simple as before: without REDIS_URL no program uses Redis', () => {
    const plain = { ...clusterEnv, REDIS_URL: '', DASHBOARD_TRUST_PROXY: '' };
    for (const name of ['collector', 'dashboard']) {
      expect(configOf(name, plain).redisUrl, name).toBeUndefined();
      expect(service(name).profiles, name).toBeUndefined();
    }
    expect(configOf('dashboard', plain).dashboard.trustProxy).toBe('false');
  });

  it('grants the further instances exactly the rights of the first', () => {
    expect(rulesOf('collector_2')).toEqual(rulesOf('collector'));
    expect(rulesOf('collector_3')).toEqual(rulesOf('collector'));
    expect(rulesOf('dashboard_2')).toEqual(rulesOf('dashboard'));
    expect(rulesOf('dashboard')).toContain('topic write vehicles/+/command');
  });

  it('starts Redis with a healthcheck; collectors wait for it, dashboards only for its start', () => {
    expect(service('redis').image).toMatch(/^redis:7/);
    expect(service('redis').healthcheck?.test).toContain('ping');
    for (const name of ['collector-2', 'collector-3']) {
      expect(service(name).depends_on?.redis, name).toEqual({ condition: 'service_healthy' });
    }
    expect(service('dashboard-2').depends_on?.redis).toEqual({ condition: 'service_started' });
  });

  it('puts nginx in front of both dashboards: sticky by address, WebSocket upgrade, the dashboards trust one hop', () => {
    const lb = service('lb');
    const conf = readFileSync(join(DOCKER, 'nginx/dashboards.conf'), 'utf8');
    expect(lb.volumes).toContain('./nginx/dashboards.conf:/etc/nginx/conf.d/default.conf:ro');
    const servers = [...conf.matchAll(/^\s*server (\S+?):(\d+)\b/gm)].map((m) => `${m[1]}:${m[2]}`);
    expect(servers.sort()).toEqual(
      DASHBOARDS.map((d) => `${d}:${service(d).environment?.DASHBOARD_PORT}`).sort(),
    );
    expect(conf).toMatch(/^\s*ip_hash;/m);
    expect(conf).toMatch(/proxy_set_header Upgrade \$http_upgrade;/);
    expect(conf).toMatch(/proxy_set_header Connection \$connection_upgrade;/);
    expect(conf).toMatch(/proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;/);
    const listen = /^\s*listen (\d+);/m.exec(conf)?.[1];
    expect(interpolate(lb.ports?.[0] ?? '', clusterEnv)).toBe(`127.0.0.1:8080:${listen}`);
    for (const d of DASHBOARDS) {
      expect(lb.depends_on?.[d], d).toEqual({ condition: 'service_healthy' });
      expect(configOf(d, clusterEnv).dashboard.trustProxy, d).toBe('1');
    }
    // dashboard-2 is reached through the lb only.
    expect(service('dashboard-2').ports).toBeUndefined();
  });

  it('the engines on paper (docs/scaling/): compose files parse and their programs pass config validation', () => {
    const paper = [
      ['emqx/docker-compose.emqx.yml', undefined],
      ['influxdb3/docker-compose.influxdb3.yml', 'http://influxdb3:8181'],
      ['victoria-metrics/docker-compose.vm-cluster.yml', 'http://vminsert:8480/insert/0/influx'],
    ] as const;
    for (const [file, influxUrl] of paper) {
      const text = readFileSync(join(DOCKER, '../docs/scaling', file), 'utf8');
      const doc = parse(text, { merge: true }) as { services: Record<string, ComposeService> };
      expect(Object.keys(doc.services).length, file).toBeGreaterThan(1);
      const collector = doc.services.collector;
      if (influxUrl === undefined) continue;
      const env = Object.fromEntries(
        Object.entries(collector?.environment ?? {}).map(([k, v]) => [
          k,
          interpolate(String(v), { INFLUXDB_TOKEN: 'apiv3_0123456789abcdef0123' }),
        ]),
      );
      const config = loadConfig(env);
      expect(config.store.kind, file).toBe('influxdb');
      if (config.store.kind === 'influxdb') expect(config.store.influx.url, file).toBe(influxUrl);
    }
    // EMQX: three nodes on one cookie, each naming itself among the seeds; files it mounts exist.
    const emqx = parse(
      readFileSync(join(DOCKER, '../docs/scaling/emqx/docker-compose.emqx.yml'), 'utf8'),
      {
        merge: true,
      },
    ) as { services: Record<string, ComposeService> };
    for (const [name, s] of Object.entries(emqx.services)) {
      const node = s.environment?.EMQX_NODE__NAME ?? '';
      expect(s.environment?.EMQX_CLUSTER__STATIC__SEEDS, name).toContain(node);
      expect(s.image, name).toMatch(/^emqx\/emqx:5\.8\./);
    }
    const conf = readFileSync(join(DOCKER, '../docs/scaling/emqx/emqx.conf'), 'utf8');
    expect(conf).toMatch(/max_mqueue_len = infinity/);
    expect(conf).toMatch(/use_username_as_clientid = true/);
  });
});
