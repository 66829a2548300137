// DASHBOARD_TRUST_PROXY, DASHBOARD_CORS_ORIGINS and DASHBOARD_API_TOKEN: parsed at start, every bad value named, nothing opened.
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/config.js';
import {
  parseCorsOrigins,
  parseTrustProxy,
  securitySettings,
} from '../../dashboard/security/settings.js';
import { testDashboard } from '../dashboard/helpers.js';
import { testConfig } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const base = {
  apiToken: undefined,
  corsOrigins: '*',
  rateLimitPerMin: 600,
  maxSocketsPerIp: 20,
  trustProxy: 'false',
};

describe('DASHBOARD_TRUST_PROXY', () => {
  it.each([
    ['false', false],
    ['true', true],
    ['1', 1],
    ['0', 0],
    ['loopback', ['loopback']],
    [
      'loopback, 10.0.0.0/8,fd00::/8, 192.0.2.1, ::1',
      ['loopback', '10.0.0.0/8', 'fd00::/8', '192.0.2.1', '::1'],
    ],
    ['uniquelocal,linklocal', ['uniquelocal', 'linklocal']],
  ])('%s', (text, value) => {
    expect(parseTrustProxy(text)).toEqual({ ok: true, value });
  });

  it.each([
    ['11', 'a hop count must be at most 10'],
    ['loopbak', 'not: loopbak'],
    ['10.0.0.0/33', 'not: 10.0.0.0/33'],
    ['10.0.0.0/8/8', 'not: 10.0.0.0/8/8'],
    ['1.2.3', 'not: 1.2.3'],
    ['example.com/8', 'not: example.com/8'],
    ['loopback,,', 'not: , '],
    ['yes', 'not: yes'],
  ])('%s is refused', (text, problem) => {
    const parsed = parseTrustProxy(text);
    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.problem).toContain(
      `DASHBOARD_TRUST_PROXY=${JSON.stringify(text)}: `,
    );
    expect(parsed.ok ? '' : parsed.problem).toContain(problem);
  });
});

describe('DASHBOARD_CORS_ORIGINS', () => {
  it('`*` or exact origins', () => {
    expect(parseCorsOrigins('*')).toEqual({ ok: true, value: '*' });
    expect(parseCorsOrigins('https://ops.example.com, http://localhost:8080')).toEqual({
      ok: true,
      value: new Set(['https://ops.example.com', 'http://localhost:8080']),
    });
  });

  it.each([
    'https://ops.example.com/',
    'https://ops.example.com/path',
    'ops.example.com',
    'https://OPS.example.com',
    'https://ops.example.com:443',
    'ftp://ops.example.com',
    'https://*.example.com',
    'https://ops.example.com,*',
    'null',
  ])('%s is refused (browsers never send that exact origin)', (text) => {
    const parsed = parseCorsOrigins(text);
    expect(parsed.ok ? '' : parsed.problem).toMatch(
      /^DASHBOARD_CORS_ORIGINS=".*": expected \* or a comma-separated list of origins like https:\/\/ops\.example\.com \(not: .+\)$/,
    );
  });
});

describe('all problems at once, as one ConfigError', () => {
  it('names each bad variable and never shows the token', () => {
    const secret = 'abc def-this-is-the-secret';
    let error: unknown;
    try {
      securitySettings({
        ...base,
        trustProxy: 'yes',
        corsOrigins: 'example.com',
        apiToken: secret,
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const lines = (error as ConfigError).lines;
    expect(lines).toEqual([
      expect.stringMatching(/^DASHBOARD_TRUST_PROXY="yes": /),
      expect.stringMatching(/^DASHBOARD_CORS_ORIGINS="example.com": /),
      'DASHBOARD_API_TOKEN=(hidden): must not contain spaces (e.g. openssl rand -hex 32)',
    ]);
    expect(lines.join('\n')).not.toContain('secret');
  });

  it('good values pass through typed', () => {
    expect(
      securitySettings({
        ...base,
        trustProxy: '1',
        corsOrigins: 'https://a.example',
        apiToken: 'x'.repeat(64),
      }),
    ).toEqual({
      apiToken: 'x'.repeat(64),
      corsOrigins: new Set(['https://a.example']),
      rateLimitPerMin: 600,
      maxSocketsPerIp: 20,
      trustProxy: 1,
    });
  });

  it('a dashboard with a bad value refuses to start and opens nothing', async () => {
    const dir = tempDir();
    // Port 1: nothing listens there; the start must fail before it would even try.
    const dashboard = testDashboard(
      testConfig(dir, 1, { DASHBOARD_TRUST_PROXY: 'proxy.example.com' }),
    );
    await expect(dashboard.start()).rejects.toThrow(ConfigError);
    expect(() => dashboard.port).toThrow('dashboard not listening');
    expect(dashboard.store.available).toBe(false);
    expect(dashboard.live.connected).toBe(false);
    await dashboard.stop();
    removeTempDirs();
  });
});
