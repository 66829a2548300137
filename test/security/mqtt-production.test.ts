// NODE_ENV=production refuses placeholder, default and short secrets, naming the variable and never printing the value.
import { execFile } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../core/config.js';
import { isPlaceholder } from '../../core/secrets.js';
import { npmCommand } from '../../harness/program.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(removeTempDirs);

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const STRONG = 'Zr8v0fJq3mT1xK9wLb2nYc7s'; // 24 random-looking characters

function configErrors(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.lines;
    throw err;
  }
}

function credentialsFile(content: Record<string, string>): string {
  const path = join(tempDir('prod-creds-'), 'credentials.json');
  writeFileSync(path, JSON.stringify(content));
  chmodSync(path, 0o600);
  return path;
}

describe('secrets in production (loadConfig)', () => {
  const prod = { NODE_ENV: 'production' };
  const placeholders = [
    'change-me',
    'CHANGEME',
    'my-super-secret-auth-token',
    'adminpassword',
    'password',
    'secret',
    'admin',
    '<your-token>',
    'xxxxxxxxxxxxxxxxxxxxxxxxxx',
    'replace-me-with-a-real-token',
  ];

  it.each(['MQTT_PASSWORD', 'INFLUXDB_TOKEN', 'DASHBOARD_API_TOKEN'])(
    '%s: every placeholder and anything under 16 characters is refused, naming it, hiding it',
    (name) => {
      for (const value of [...placeholders, 'short-but-real1']) {
        const env = { ...prod, MQTT_USERNAME: 'collector', MQTT_PASSWORD: STRONG, [name]: value };
        const lines = configErrors(env);
        expect(lines, value).toHaveLength(1);
        expect(lines[0]).toMatch(new RegExp(`^${name}=\\(hidden\\): .*NODE_ENV=production`));
        expect(lines[0]?.slice(name.length).toLowerCase()).not.toContain(value.toLowerCase());
      }
      // The same values are fine outside production (local demo), and a real one in production.
      expect(configErrors({ [name]: 'change-me', MQTT_USERNAME: 'u' })).toEqual([]);
      expect(
        configErrors({ ...prod, MQTT_USERNAME: 'u', MQTT_PASSWORD: STRONG, [name]: STRONG }),
      ).toEqual([]);
    },
  );

  it('INFLUXDB_TOKEN user:password (InfluxDB 1.x) is judged by its password', () => {
    expect(configErrors({ ...prod, INFLUXDB_TOKEN: `admin:${STRONG}` })).toEqual([]);
    expect(configErrors({ ...prod, INFLUXDB_TOKEN: 'telegraf-writer:adminpassword' })[0]).toMatch(
      /^INFLUXDB_TOKEN=\(hidden\): is a placeholder/,
    );
  });

  it('MQTT_USERNAME without a password is refused in production', () => {
    expect(configErrors({ ...prod, MQTT_USERNAME: 'collector' })).toEqual([
      'MQTT_PASSWORD="": MQTT_USERNAME is set without a password (NODE_ENV=production)',
    ]);
  });

  it('checks every password in MQTT_CREDENTIALS_FILE, naming users, never passwords', () => {
    const weak = credentialsFile({
      collector: STRONG,
      vehicle_01: 'change-me',
      vehicle_02: 'tooshort',
      vehicle_03: `${STRONG}3`,
    });
    const lines = configErrors({ ...prod, MQTT_CREDENTIALS_FILE: weak });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^MQTT_CREDENTIALS_FILE=".*": the password of user "vehicle_01" is a placeholder/,
    );
    expect(lines[1]).toMatch(/the password of user "vehicle_02" is shorter than 16/);
    expect(lines.join('\n')).not.toMatch(/change-me|tooshort/);
    expect(
      configErrors({ ...prod, MQTT_CREDENTIALS_FILE: credentialsFile({ a: STRONG }) }),
    ).toEqual([]);
    expect(configErrors({ ...prod, MQTT_CREDENTIALS_FILE: '/nonexistent/creds.json' })[0]).toMatch(
      /^MQTT_CREDENTIALS_FILE="\/nonexistent\/creds.json": cannot read \(ENOENT\)/,
    );
    // A fleet file: a few named, the rest counted.
    const many = credentialsFile(
      Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`vehicle_${i}`, 'password'])),
    );
    const manyLines = configErrors({ ...prod, MQTT_CREDENTIALS_FILE: many });
    expect(manyLines).toHaveLength(4);
    expect(manyLines[3]).toContain('and 47 more users');
  });

  it('MQTT_URL never carries credentials, and bad URLs are shown without them', () => {
    const lines = configErrors({ MQTT_URL: 'mqtts://vehicle_01:hunter2hunter2@broker:8883' });
    expect(lines).toEqual([
      'MQTT_URL="mqtts://(hidden)@broker:8883": must not contain credentials; use MQTT_USERNAME/MQTT_PASSWORD or MQTT_CREDENTIALS_FILE',
    ]);
    const bad = configErrors({ MQTT_URL: 'http://u:hunter2hunter2@broker' });
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatch(/^MQTT_URL="http:\/\/\(hidden\)@broker"/);
    expect(configErrors({ MQTT_URL: 'wss://telemetry.example.com/mqtt' })).toEqual([]);
  });

  it('knows real secrets from placeholders', () => {
    for (const p of placeholders) expect(isPlaceholder(p), p).toBe(true);
    for (const real of [STRONG, 'd41d8cd98f00b204e9800998ecf8427e', 'settlement-Kx81-99aQ']) {
      expect(isPlaceholder(real), real).toBe(false);
    }
  });
});

describe('programs started with NODE_ENV=production and a weak secret', () => {
  /** Spawns a program's main as npm would; exit code and stderr. */
  const run = (script: string, env: Record<string, string>) =>
    promisify(execFile)(process.execPath, npmCommand(script), {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', NODE_ENV: 'production', LOG_LEVEL: 'warn', ...env },
      timeout: 30_000,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code?: number; stderr?: string }) => ({ code: err.code, stderr: err.stderr ?? '' }),
    );

  it('exit with code 2 and one line naming the variable, without its value', async () => {
    const weakFile = credentialsFile({ vehicle_01: 'adminpassword' });
    const cases: Array<[string, Record<string, string>, string, string]> = [
      [
        'collector',
        { MQTT_USERNAME: 'collector', MQTT_PASSWORD: 'change-me' },
        'MQTT_PASSWORD',
        'change-me',
      ],
      [
        'collector',
        { STORE: 'influxdb', INFLUXDB_TOKEN: 'my-super-secret-auth-token' },
        'INFLUXDB_TOKEN',
        'my-super-secret-auth-token',
      ],
      ['collector', { DASHBOARD_API_TOKEN: 'tok-12345' }, 'DASHBOARD_API_TOKEN', 'tok-12345'],
      ['devices', { MQTT_CREDENTIALS_FILE: weakFile }, 'MQTT_CREDENTIALS_FILE', 'adminpassword'],
      [
        'dashboard',
        { MQTT_USERNAME: 'dashboard', MQTT_PASSWORD: 'password' },
        'MQTT_PASSWORD',
        '=password',
      ],
    ];
    const runs = await Promise.all(cases.map(([script, env]) => run(script, env)));
    runs.forEach((result, i) => {
      const [script, , name, value] = cases[i] ?? ['', {}, '', ''];
      const program = script.split('/')[0];
      expect(result.code, `${script} ${name}`).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`^${program}: config error: ${name}=`, 'm'));
      expect(result.stderr).not.toContain(value);
    });
  });
});
