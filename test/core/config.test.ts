import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../core/config.js';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const c = loadConfig({});
    expect(c.mqtt).toMatchObject({ host: undefined, port: 1883 });
    expect(c.store).toMatchObject({ kind: 'sqlite', sqlitePath: './data/telemetry.db' });
    expect(c.store.influx).toMatchObject({
      url: 'http://localhost:8086',
      org: 'my-org',
      bucket: 'vehicle-data',
    });
    expect(c.dashboard).toMatchObject({ host: '0.0.0.0', port: 5000, offlineAfterS: 10 });
    expect(c.devices).toMatchObject({
      count: 10,
      intervalMs: 1000,
      queueDir: './devices/queues',
      queueMax: 86_400, // one day at one reading a second
    });
    expect(c.logLevel).toBe('info');
  });

  it('reports every bad value, one line each, naming the variable', () => {
    try {
      loadConfig({ MQTT_BROKER_PORT: 'abc', PUBLISH_INTERVAL_MS: '5', STORE: 'postgres' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const lines = (err as ConfigError).lines;
      expect(lines).toHaveLength(3);
      expect(lines.find((l) => l.startsWith('MQTT_BROKER_PORT="abc"'))).toBeDefined();
      expect(lines.find((l) => l.startsWith('PUBLISH_INTERVAL_MS="5"'))).toMatch(/>=\s*10/);
      expect(lines.find((l) => l.startsWith('STORE="postgres"'))).toBeDefined();
    }
  });

  it('observability: LOG_FORMAT auto, no METRICS_PORT by default; bad values are named', () => {
    const c = loadConfig({});
    expect(c.logFormat).toBe('auto');
    expect(c.metrics).toEqual({ port: undefined, host: '0.0.0.0' });
    expect(loadConfig({ LOG_FORMAT: 'pretty', METRICS_PORT: '9464' })).toMatchObject({
      logFormat: 'pretty',
      metrics: { port: 9464 },
    });
    for (const [name, value] of [
      ['LOG_FORMAT', 'xml'],
      ['METRICS_PORT', '0'],
      ['METRICS_PORT', '70000'],
      ['METRICS_PORT', '<script>'],
    ] as const) {
      try {
        loadConfig({ [name]: value });
        expect.unreachable();
      } catch (err) {
        expect((err as ConfigError).lines).toEqual([
          expect.stringMatching(new RegExp(`^${name}=${JSON.stringify(value)}: `)),
        ]);
      }
    }
  });

  it('several dashboards: DASHBOARD_REGISTRY owner (default) or follower; anything else is one named line', () => {
    expect(loadConfig({}).dashboard.registryMode).toBe('owner');
    expect(loadConfig({ DASHBOARD_REGISTRY: 'follower' }).dashboard.registryMode).toBe('follower');
    for (const bad of ['Follower', '<script>alert(1)</script>', `"'`, 'x'.repeat(5000)]) {
      expect(() => loadConfig({ DASHBOARD_REGISTRY: bad }), bad.slice(0, 20)).toThrow(
        /DASHBOARD_REGISTRY=.*must be owner or follower/,
      );
    }
  });

  it('several collectors: COLLECTOR_ID default hostname-pid, partitions and lease TTL bounded, hostile ids refused', () => {
    const c = loadConfig({});
    expect(c.cluster).toMatchObject({ partitions: 16, leaseTtlMs: 5000 });
    expect(c.cluster.id).toMatch(new RegExp(`-${process.pid}$`));
    expect(loadConfig({ COLLECTOR_ID: 'c1', COLLECTOR_PARTITIONS: '4' }).cluster).toEqual({
      id: 'c1',
      partitions: 4,
      leaseTtlMs: 5000,
    });
    for (const [name, value] of [
      ['COLLECTOR_ID', '"><script>alert(1)</script>'],
      ['COLLECTOR_ID', 'x'.repeat(5000)],
      ['COLLECTOR_PARTITIONS', '0'],
      ['COLLECTOR_PARTITIONS', '1e9'],
      ['COLLECTOR_LEASE_TTL_MS', '10'],
    ] as const) {
      try {
        loadConfig({ [name]: value });
        expect.unreachable(`${name}=${value} accepted`);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        const lines = (err as ConfigError).lines;
        expect(lines).toHaveLength(1);
        expect(lines[0]?.startsWith(`${name}=`)).toBe(true);
      }
    }
  });

  it('lets flags override env and treats empty values as unset', () => {
    const c = loadConfig({ DEVICE_COUNT: '3', MQTT_BROKER_HOST: '' }, { DEVICE_COUNT: '7' });
    expect(c.devices.count).toBe(7);
    expect(c.mqtt.host).toBeUndefined();
  });

  it('commands: COMMAND_TIMEOUT_S (default 30, 1..86400); FAULT_INJECTION test-only, refused in production', () => {
    expect(loadConfig({}).dashboard.commandTimeoutS).toBe(30);
    expect(loadConfig({ COMMAND_TIMEOUT_S: '5' }).dashboard.commandTimeoutS).toBe(5);
    for (const bad of ['0', '86401', '1.5', 'soon']) {
      expect(() => loadConfig({ COMMAND_TIMEOUT_S: bad }), bad).toThrow(
        /^invalid configuration:\nCOMMAND_TIMEOUT_S=/,
      );
    }
    expect(loadConfig({}).devices.fault).toBeUndefined();
    expect(loadConfig({ FAULT_INJECTION: 'command-store-error' }).devices.fault).toBe(
      'command-store-error',
    );
    expect(() => loadConfig({ FAULT_INJECTION: 'explode' })).toThrow(/FAULT_INJECTION="explode"/);
    expect(() =>
      loadConfig({ FAULT_INJECTION: 'command-crash-after-commit', NODE_ENV: 'production' }),
    ).toThrow(
      /FAULT_INJECTION="command-crash-after-commit": test-only, refused with NODE_ENV=production/,
    );
  });

  it('alarm settings: e-mail needs both ends; URLs never show their credentials or secret paths', () => {
    const lines = (env: Record<string, string>) => {
      try {
        loadConfig(env);
      } catch (err) {
        return (err as ConfigError).lines;
      }
      return [];
    };
    expect(loadConfig({}).alerts).toEqual({
      rulesFile: undefined,
      webhookUrl: undefined,
      smtpUrl: undefined,
      emailFrom: 'telemetry@localhost',
      emailTo: [],
    });
    expect(
      loadConfig({ SMTP_URL: 'smtps://u:p@mail.example.com:465', ALERT_EMAIL_TO: 'a@x.io, b@y.io' })
        .alerts.emailTo,
    ).toEqual(['a@x.io', 'b@y.io']);
    expect(lines({ SMTP_URL: 'smtp://mail.example.com' })).toEqual([
      'ALERT_EMAIL_TO="": needed when SMTP_URL is set (who gets the e-mail)',
    ]);
    expect(lines({ ALERT_EMAIL_TO: 'ops@example.com' })).toEqual([
      'ALERT_EMAIL_TO="ops@example.com": needs SMTP_URL (the server that sends it)',
    ]);
    expect(
      lines({
        SMTP_URL: 'http://user:hunter2hunter2@mail.example.com',
        ALERT_WEBHOOK_URL: 'ftp://hooks.example.com/T000/B000/secretpath',
        ALERT_EMAIL_TO: 'not an address',
        HEALTH_INTERVAL_S: '0',
      }),
    ).toEqual([
      'HEALTH_INTERVAL_S="0": Too small: expected number to be >=0.1',
      'ALERT_WEBHOOK_URL="ftp://hooks.example.com/(hidden)": must be an http:// or https:// URL',
      'SMTP_URL="http://(hidden)@mail.example.com": must be an smtp:// or smtps:// URL',
      'ALERT_EMAIL_TO="not an address": must be e-mail addresses separated by commas',
    ]);
    expect(loadConfig({ HEALTH_INTERVAL_S: '0.5' }).devices.healthIntervalS).toBe(0.5);
    expect(loadConfig({ HEALTH_INTERVAL_S: '0.5' }).dashboard.healthIntervalS).toBe(0.5);
  });
});
