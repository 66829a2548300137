// `npm run mqtt-users`: its files and modes, no password on stdout, Mosquitto accepting every generated password (mosquitto_passwd and our own hash).
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { readCredentialsFile } from '../../core/mqtt-credentials.js';
import { npmCommand } from '../../harness/program.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { connectOutcome, securedMosquitto, type Users } from './mqtt-helpers.js';

afterAll(removeTempDirs);

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The script exactly as `npm run mqtt-users --` runs it; exit code and output, never a throw. */
async function mqttUsers(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [...npmCommand('mqtt-users'), ...args],
      { cwd: ROOT, timeout: 60_000 },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const FILE_NAMES = [
  'password_file',
  'acl_file',
  'credentials.json',
  'credentials.env',
  'collector.env',
  'dashboard.env',
  'telegraf.env',
  'devices.json',
  'devices.env',
];
const USERS = ['collector', 'dashboard', 'telegraf', 'vehicle_01', 'vehicle_02', 'vehicle_03'];

function usersIn(dir: string): Users {
  const credentialsFile = join(dir, 'credentials.json');
  const passwords = readCredentialsFile(credentialsFile);
  return {
    dir,
    passwordFile: join(dir, 'password_file'),
    aclFile: join(dir, 'acl_file'),
    credentialsFile,
    passwords,
    password: (u) => passwords.get(u) ?? '',
  };
}

describe('npm run mqtt-users', () => {
  it.each([
    ['mosquitto_passwd', 'mosquitto_passwd', /\$7\$101\$/],
    ['our own $7$ hash', 'node', /\$7\$101\$/],
  ])(
    'writes every file 0600 with %s, and Mosquitto accepts each password',
    async (_label, hasher, hashPattern) => {
      const dir = join(tempDir('mqtt-users-'), 'secrets');
      const run = await mqttUsers(['--dir', dir, '--count', '3', '--hasher', hasher]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('6 users (collector, dashboard, telegraf, 3 devices)');
      expect(run.stdout).toContain(hasher === 'node' ? 'our own' : 'mosquitto_passwd');

      expect(statSync(dir).mode & 0o777).toBe(0o700);
      for (const name of FILE_NAMES) {
        expect(statSync(join(dir, name)).mode & 0o777, name).toBe(0o600);
      }
      const users = usersIn(dir);
      expect([...users.passwords.keys()].sort()).toEqual(USERS);
      const passwords = [...users.passwords.values()];
      expect(new Set(passwords).size).toBe(USERS.length); // each one random
      for (const p of passwords) {
        expect(p).toMatch(/^[A-Za-z0-9_-]{32}$/);
        expect(run.stdout).not.toContain(p);
      }

      const pwLines = readFileSync(users.passwordFile, 'utf8').trim().split('\n');
      expect(pwLines.map((l) => l.split(':')[0]).sort()).toEqual(USERS);
      for (const line of pwLines) expect(line).toMatch(hashPattern);
      expect(readFileSync(users.passwordFile, 'utf8')).not.toContain(users.password('vehicle_01'));

      const acl = readFileSync(users.aclFile, 'utf8');
      expect(acl).toContain(
        'user vehicle_02\ntopic write vehicles/vehicle_02/speed\n' +
          'topic write vehicles/vehicle_02/telemetry\ntopic write vehicles/vehicle_02/status\n' +
          'topic write vehicles/vehicle_02/health\ntopic write vehicles/vehicle_02/dropped\n' +
          'topic read vehicles/vehicle_02/ack\n' +
          'topic read vehicles/vehicle_02/command\ntopic write vehicles/vehicle_02/command/result\n',
      );
      // Comment lines (why a rule is there) may stand between the rules.
      expect(acl).toMatch(
        /user collector\ntopic read vehicles\/#\ntopic write vehicles\/\+\/ack\ntopic write fleet\/alarms\/\+\/\+\ntopic read fleet\/alarms\/ack\n(#.*\n)*topic read fleet\/registry\n/,
      );
      expect(acl).toMatch(
        /topic read fleet\/registry\ntopic read fleet\/geofences\ntopic write fleet\/events\n(#.*\n)*topic deny vehicles\/\+\/command\ntopic deny vehicles\/\+\/command\/result\n/,
      );
      expect(acl).toContain(
        'user dashboard\ntopic read vehicles/+/speed\ntopic read vehicles/+/telemetry\n' +
          'topic read vehicles/+/status\n' +
          'topic read vehicles/+/health\ntopic read fleet/alarms/+/+\ntopic write fleet/alarms/ack\n' +
          'topic write vehicles/+/command\ntopic read vehicles/+/command/result\n',
      );
      expect(acl).toContain('user telegraf\ntopic read vehicles/+/speed\n');
      expect(acl).not.toMatch(/^pattern /m);

      const env = (name: string) => readFileSync(join(dir, name), 'utf8');
      expect(env('collector.env')).toContain(
        `MQTT_USERNAME=collector\nMQTT_PASSWORD=${users.password('collector')}\n`,
      );
      expect(env('dashboard.env')).toContain(
        `MQTT_USERNAME=dashboard\nMQTT_PASSWORD=${users.password('dashboard')}\n`,
      );
      expect(env('telegraf.env')).toContain(
        `MQTT_USERNAME=telegraf\nMQTT_PASSWORD=${users.password('telegraf')}\n`,
      );
      expect(env('devices.env')).toContain(`MQTT_CREDENTIALS_FILE=${join(dir, 'devices.json')}\n`);
      const devicesJson = readCredentialsFile(join(dir, 'devices.json'));
      expect([...devicesJson.keys()]).toEqual(['vehicle_01', 'vehicle_02', 'vehicle_03']);
      for (const [user, password] of devicesJson) expect(password).toBe(users.password(user));
      expect(env('devices.env')).not.toContain('MQTT_PASSWORD');
      expect(env('credentials.env')).toContain(
        `MQTT_CREDENTIALS_FILE=${users.credentialsFile}\nMQTT_PASSWORD_FILE=${users.passwordFile}\n` +
          `MQTT_ACL_FILE=${users.aclFile}\n`,
      );

      const mosquitto = await securedMosquitto(join(dir, '..'), users);
      try {
        for (const user of USERS) {
          expect(
            await connectOutcome(mosquitto.port, {
              username: user,
              password: users.password(user),
            }),
            user,
          ).toBe('connected');
          expect(
            await connectOutcome(mosquitto.port, {
              username: user,
              password: `${users.password(user)}x`,
            }),
            `${user} with a wrong password`,
          ).toBe('refused 5');
        }
      } finally {
        await mosquitto.stop();
      }
    },
  );

  it('keeps existing files unless --force, and --force makes new passwords', async () => {
    const dir = tempDir('mqtt-users-force-');
    expect((await mqttUsers(['--dir', dir, '--count', '1', '--hasher', 'node'])).code).toBe(0);
    const before = readFileSync(join(dir, 'credentials.json'), 'utf8');
    const again = await mqttUsers(['--dir', dir, '--count', '1', '--hasher', 'node']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('--force');
    expect(readFileSync(join(dir, 'credentials.json'), 'utf8')).toBe(before);
    const forced = await mqttUsers(['--dir', dir, '--count', '2', '--force', '--hasher', 'node']);
    expect(forced.code, forced.stderr).toBe(0);
    const after = readCredentialsFile(join(dir, 'credentials.json'));
    expect([...after.keys()].sort()).toEqual([
      'collector',
      'dashboard',
      'telegraf',
      'vehicle_01',
      'vehicle_02',
    ]);
    expect(before).not.toContain(after.get('collector'));
  });

  it('refuses bad arguments with exit code 2 and the usage', async () => {
    const dir = tempDir('mqtt-users-bad-');
    const cases = [
      ['--count', '3'],
      ['--dir', dir, '--count', '0'],
      ['--dir', dir, '--count', 'many'],
      ['--dir', dir, '--count', '2', '--prefix', '<script>'],
      ['--dir', dir, '--count', '2', '--prefix', 'a/b'],
      ['--dir', dir, '--count', '2', '--hasher', 'md5'],
      ['--dir', dir, '--count', '2', '--bogus'],
      ['--dir', dir, '--count', '2', '--instances', '0'],
      ['--dir', dir, '--count', '2', '--instances', '33'],
      ['--dir', dir, '--count', '2', '--instances', '"><script>'],
      ['--dir', dir, '--count', '2', '--instances', '1'.repeat(5000)],
    ];
    const runs = await Promise.all(cases.map((args) => mqttUsers(args)));
    runs.forEach((run, i) => {
      expect(run.code, cases[i]?.join(' ')).toBe(2);
      expect(run.stderr).toContain('usage: npm run mqtt-users');
    });
    expect(readdirSync(dir)).toEqual([]); // nothing written
  });
});
