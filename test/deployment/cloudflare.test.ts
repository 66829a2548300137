// The Cloudflare tunnel examples parse as YAML and route what DEPLOYMENT.md says: dashboard over HTTP with Access, MQTT over WebSockets, no tcp://.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import dotenv from 'dotenv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface Rule {
  hostname?: string;
  path?: string;
  service: string;
  originRequest?: { access?: { required?: boolean; teamName?: string; audTag?: string[] } };
}
interface TunnelConfig {
  tunnel: string;
  'credentials-file': string;
  originRequest?: Record<string, unknown>;
  ingress: Rule[];
}

const tunnel = (file: string) => parse(read(`cloudflare/${file}`)) as TunnelConfig;
const dashboardTunnel = tunnel('tunnel-dashboard.example.yml');
const brokerTunnel = tunnel('tunnel-mqtt-ws.example.yml');
const env = (role: string) => dotenv.parse(read(`env.example.${role}`));

/** `listener <port>` blocks of a mosquitto.conf, with the protocol each one speaks. */
function mosquittoListeners(conf: string): Array<{ port: number; protocol: string }> {
  const out: Array<{ port: number; protocol: string }> = [];
  for (const line of conf.split('\n').map((l) => l.trim())) {
    const listener = /^listener (\d+)/.exec(line);
    if (listener) out.push({ port: Number(listener[1]), protocol: 'mqtt' });
    const protocol = /^protocol (\w+)/.exec(line);
    const last = out.at(-1);
    if (protocol && last) last.protocol = protocol[1] as string;
  }
  return out;
}

describe.each([
  ['tunnel-dashboard.example.yml', dashboardTunnel],
  ['tunnel-mqtt-ws.example.yml', brokerTunnel],
])('%s', (_file, config) => {
  it('is a named tunnel with placeholders for its id and credentials', () => {
    expect(config.tunnel).toBe('<TUNNEL-UUID>');
    expect(config['credentials-file']).toBe('/etc/cloudflared/<TUNNEL-UUID>.json');
  });

  it('ends with a catch-all 404, and every other rule names a hostname', () => {
    const rules = config.ingress;
    expect(rules.at(-1)).toEqual({ service: 'http_status:404' });
    for (const rule of rules.slice(0, -1))
      expect(rule.hostname, rule.service).toMatch(/\.example\.com$/);
  });

  it('routes nothing as raw TCP (devices would each need `cloudflared access tcp`)', () => {
    for (const rule of config.ingress)
      expect(rule.service).toMatch(/^(http:\/\/localhost:\d+|http_status:404)$/);
  });

  it('keeps Access settings under rules, never at the top level (where cloudflared ignores them)', () => {
    expect(config.originRequest).toBeUndefined();
  });
});

describe('the dashboard tunnel', () => {
  const rule = dashboardTunnel.ingress[0] as Rule;

  it('sends dashboard.example.com to the dashboard port of env.example.dashboard, on loopback', () => {
    const e = env('dashboard');
    expect(rule.hostname).toBe('dashboard.example.com');
    expect(rule.service).toBe(`http://localhost:${e.DASHBOARD_PORT}`);
    expect(e.DASHBOARD_HOST).toBe('127.0.0.1');
    expect(e.DASHBOARD_TRUST_PROXY).toBe('loopback');
  });

  it('makes cloudflared itself require a valid Cloudflare Access token', () => {
    expect(rule.originRequest?.access).toEqual({
      required: true,
      teamName: '<TEAM-NAME>',
      audTag: ['<ACCESS-APP-AUD>'],
    });
  });
});

describe('the broker tunnel', () => {
  const rules = brokerTunnel.ingress;

  it("sends mqtt.example.com to Mosquitto's WebSockets listener of docker/mosquitto/mosquitto.conf", () => {
    const mqttRule = rules.find((r) => r.hostname === 'mqtt.example.com');
    const port = Number(/:(\d+)$/.exec(mqttRule?.service ?? '')?.[1]);
    expect(mosquittoListeners(read('docker/mosquitto/mosquitto.conf'))).toContainEqual({
      port,
      protocol: 'websockets',
    });
    expect(mqttRule?.originRequest?.access).toBeUndefined();
  });

  it('is what devices and the dashboard connect to: wss:// on that hostname', () => {
    for (const role of ['device', 'dashboard']) {
      const url = new URL(env(role).MQTT_URL ?? '');
      expect([url.protocol, url.hostname], role).toEqual(['wss:', 'mqtt.example.com']);
    }
  });

  it('lets only /ping and /query through to InfluxDB, on the hostname the dashboard reads from', () => {
    const influx = rules.filter((r) => r.hostname === 'influxdb.example.com');
    expect(influx).toEqual([
      {
        hostname: 'influxdb.example.com',
        path: '^/(ping|query)$',
        service: 'http://localhost:8086',
      },
      { hostname: 'influxdb.example.com', service: 'http_status:404' },
    ]);
    const pathRule = new RegExp(influx[0]?.path ?? '$^');
    const passes = [
      '/ping',
      '/query',
      '/api/v2/write',
      '/write',
      '/',
      '/signin',
      '/api/v2/query',
      '/query/x',
    ].filter((p) => pathRule.test(p));
    expect(passes).toEqual(['/ping', '/query']);
    expect(new URL(env('dashboard').INFLUXDB_URL ?? '').origin).toBe(
      'https://influxdb.example.com',
    );
  });
});
