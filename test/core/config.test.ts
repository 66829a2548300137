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
      queueMax: 10_000,
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

  it('lets flags override env and treats empty values as unset', () => {
    const c = loadConfig({ DEVICE_COUNT: '3', MQTT_BROKER_HOST: '' }, { DEVICE_COUNT: '7' });
    expect(c.devices.count).toBe(7);
    expect(c.mqtt.host).toBeUndefined();
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
