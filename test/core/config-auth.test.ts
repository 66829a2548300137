// The people-and-permissions settings: defaults, AUTH_MODE=proxy's required values, bad values named.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../core/config.js';

const lines = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.lines;
    throw err;
  }
};

describe('AUTH_* settings', () => {
  it('default to accounts, beside the dashboard state, 12 h sessions, 400 d of audit', () => {
    expect(loadConfig({}).auth).toEqual({
      mode: 'local',
      dbPath: 'data/auth.db',
      adminPasswordFile: 'data/admin-password.txt',
      sessionTtlMs: 12 * 3_600_000,
      cookieSecure: 'auto',
      cfAccess: undefined,
      auditRetentionMs: 400 * 86_400_000,
    });
    const c = loadConfig({ DASHBOARD_STATE_PATH: '/srv/x/state.db', AUDIT_RETENTION: '0' }).auth;
    expect(c.dbPath).toBe('/srv/x/auth.db');
    expect(c.auditRetentionMs).toBe(0);
    expect(loadConfig({ AUTH_DB_PATH: '/auth/a.db' }).auth.adminPasswordFile).toBe(
      '/auth/admin-password.txt',
    );
  });

  it('AUTH_MODE=proxy needs the team and the audience; https in production', () => {
    expect(lines({ AUTH_MODE: 'proxy' })).toEqual([
      'CF_ACCESS_TEAM_DOMAIN="": needed with AUTH_MODE=proxy',
      'CF_ACCESS_AUD="": needed with AUTH_MODE=proxy',
    ]);
    const ok = {
      AUTH_MODE: 'proxy',
      CF_ACCESS_TEAM_DOMAIN: 'acme.cloudflareaccess.com',
      CF_ACCESS_AUD: 'x',
    };
    expect(loadConfig(ok).auth.cfAccess).toEqual({
      issuer: 'https://acme.cloudflareaccess.com',
      audience: 'x',
    });
    const local = { ...ok, CF_ACCESS_TEAM_DOMAIN: 'http://127.0.0.1:9999' };
    expect(loadConfig(local).auth.cfAccess?.issuer).toBe('http://127.0.0.1:9999');
    expect(lines({ ...local, NODE_ENV: 'production' })[0]).toMatch(
      /^CF_ACCESS_TEAM_DOMAIN=.*must be https in production/,
    );
  });

  it('names each bad value', () => {
    expect(lines({ AUTH_MODE: 'ldap' })).toEqual([
      'AUTH_MODE="ldap": must be local, none or proxy',
    ]);
    expect(lines({ SESSION_TTL: '0' })[0]).toMatch(/^SESSION_TTL="0": must be a duration/);
    expect(lines({ AUDIT_RETENTION: '1y' })[0]).toMatch(/^AUDIT_RETENTION="1y": must be 0/);
    expect(lines({ AUTH_COOKIE_SECURE: 'yes' })[0]).toMatch(/^AUTH_COOKIE_SECURE="yes"/);
    expect(lines({ CF_ACCESS_TEAM_DOMAIN: 'https://a.example/path' })[0]).toMatch(
      /^CF_ACCESS_TEAM_DOMAIN=/,
    );
  });
});
