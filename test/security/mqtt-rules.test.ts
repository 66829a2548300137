// The embedded broker's rule readers on their own: topic filters, acl_file semantics, password_file hashes (checked against mosquitto_passwd).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Acl, AclParseError } from '../../broker/acl.js';
import { PasswordFile, PasswordFileError } from '../../broker/password-file.js';
import { hashPassword, parseHash, verifyPassword } from '../../broker/password-hash.js';
import { filtersOverlap, topicMatches } from '../../broker/topic-filter.js';
import { loadConfig, type MqttConfig } from '../../core/config.js';
import { loginFor, readCredentialsFile } from '../../core/mqtt-credentials.js';
import { findMosquittoPasswd } from '../../scripts/mqtt-users/password-file.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(removeTempDirs);

describe('topic filters', () => {
  it.each([
    ['vehicles/#', 'vehicles/v1/speed', true],
    ['vehicles/#', 'vehicles', true],
    ['vehicles/+/speed', 'vehicles/v1/speed', true],
    ['vehicles/+/speed', 'vehicles/v1/status', false],
    ['vehicles/+/speed', 'vehicles/v1/speed/x', false],
    ['vehicles/v1/ack', 'vehicles/v1/ack', true],
    ['vehicles/v1/ack', 'vehicles/v2/ack', false],
    ['#', '$SYS/broker/uptime', false],
    ['+/broker/uptime', '$SYS/broker/uptime', false],
    ['$SYS/#', '$SYS/broker/uptime', true],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });

  it.each([
    ['vehicles/#', 'vehicles/v1/ack', true],
    ['#', 'vehicles/v1/ack', true],
    ['vehicles/+/ack', 'vehicles/v1/ack', true],
    ['vehicles/v2/ack', 'vehicles/v1/ack', false],
    ['vehicles/+/speed', 'vehicles/v1/ack', false],
    ['vehicles', 'vehicles/#', true],
    ['vehicles/v1', 'vehicles/v1/ack', false],
    ['#', '$SYS/#', false],
  ])('subscription %s can receive what ACL entry %s allows: %s', (a, b, expected) => {
    expect(filtersOverlap(a, b)).toBe(expected);
    expect(filtersOverlap(b, a)).toBe(expected);
  });
});

describe('acl_file rules (Mosquitto semantics)', () => {
  const acl = Acl.parse(
    [
      '# comment',
      'topic read public/#', // before any user line: anonymous clients
      'pattern write devices/%u/out',
      'pattern read devices/%c/in',
      'user alice',
      'topic readwrite shared/#',
      'topic deny shared/secret',
      'topic  write   spaced  topic/x', // spaces inside a topic are part of it
      'user bob',
      'topic shared/bob', // no access word: readwrite
      '',
    ].join('\n'),
  );
  const alice = acl.rulesFor({ username: 'alice', clientId: 'alice' });
  const bob = acl.rulesFor({ username: 'bob', clientId: 'bob' });
  const anonymous = acl.rulesFor({ username: undefined, clientId: 'anon' });

  it('grants user topics, readwrite by default, and deny wins', () => {
    expect(alice.allows('shared/a', 'write')).toBe(true);
    expect(alice.allows('shared/a', 'read')).toBe(true);
    expect(alice.allows('shared/secret', 'read')).toBe(false);
    expect(alice.allows('shared/secret', 'write')).toBe(false);
    expect(alice.allows(' spaced  topic/x', 'write')).toBe(false);
    expect(alice.allows('spaced  topic/x', 'write')).toBe(true);
    expect(bob.allows('shared/bob', 'read')).toBe(true);
    expect(bob.allows('shared/bob', 'write')).toBe(true);
    expect(bob.allows('shared/a', 'read')).toBe(false);
  });

  it('applies patterns to every user with %u and %c substituted', () => {
    expect(alice.allows('devices/alice/out', 'write')).toBe(true);
    expect(alice.allows('devices/bob/out', 'write')).toBe(false);
    expect(alice.allows('devices/alice/out', 'read')).toBe(false);
    expect(bob.allows('devices/bob/in', 'read')).toBe(true);
  });

  it('gives anonymous clients the lines before the first user, and no %u patterns', () => {
    expect(anonymous.allows('public/news', 'read')).toBe(true);
    expect(anonymous.allows('public/news', 'write')).toBe(false);
    expect(anonymous.allows('devices/%u/out', 'write')).toBe(false);
    expect(alice.allows('public/news', 'read')).toBe(false);
  });

  it('gives no pattern access to usernames or client ids holding + # or /', () => {
    for (const who of [
      { username: 'a/b', clientId: 'x' },
      { username: 'a+', clientId: 'x' },
      { username: 'ok', clientId: '#' },
    ]) {
      const rules = acl.rulesFor(who);
      expect(rules.allows(`devices/${who.username}/out`, 'write')).toBe(false);
      expect(rules.allows('devices/a/b/out', 'write')).toBe(false);
    }
  });

  it('never lets $ topics match entries that do not start with $', () => {
    const root = Acl.parse('user root\ntopic readwrite #\n').rulesFor({
      username: 'root',
      clientId: 'root',
    });
    expect(root.allows('anything/at/all', 'write')).toBe(true);
    expect(root.allows('$SYS/broker/load', 'read')).toBe(false);
  });

  it('refuses malformed lines with the line number', () => {
    expect(() => Acl.parse('user a\ntopic launch a/b\n')).toThrow(AclParseError);
    expect(() => Acl.parse('user a\ntopic launch a/b\n')).toThrow(/line 2: invalid access type/);
    expect(() => Acl.parse('topic read a/#/b\n')).toThrow(/line 1: invalid topic filter/);
    expect(() => Acl.parse('user\n')).toThrow(/line 1: user without a name/);
  });
});

describe('password_file hashes', () => {
  const tool = findMosquittoPasswd();

  it('verifies what mosquitto_passwd writes ($7$ PBKDF2 and -H sha512 $6$)', async () => {
    expect(tool, 'mosquitto_passwd (apt-get install mosquitto)').toBeDefined();
    const dir = tempDir('pwhash-');
    const secret = `pa:ss"<script>${'é'.repeat(10)}`;
    for (const [algorithm, prefix] of [
      ['sha512-pbkdf2', '$7$101$'],
      ['sha512', '$6$'],
    ] as const) {
      const path = join(dir, algorithm);
      writeFileSync(path, '');
      execFileSync(tool ?? 'mosquitto_passwd', ['-H', algorithm, '-b', path, 'someone', secret]);
      const file = PasswordFile.parse(readFileSync(path, 'utf8'));
      expect(readFileSync(path, 'utf8')).toContain(`someone:${prefix}`);
      expect(await file.check('someone', Buffer.from(secret))).toBe(true);
      expect(await file.check('someone', Buffer.from(`${secret} `))).toBe(false);
      expect(await file.check('someone', undefined)).toBe(false);
      expect(await file.check('other', Buffer.from(secret))).toBe(false);
      expect(await file.check(undefined, Buffer.from(secret))).toBe(false);
    }
  });

  it('makes $7$ hashes with a fresh 12-byte salt that verify', async () => {
    const a = await hashPassword('secret-one');
    const b = await hashPassword('secret-one');
    expect(a).not.toBe(b);
    const parsed = parseHash(a);
    expect(parsed).toMatchObject({ kind: 'pbkdf2-sha512', iterations: 101 });
    expect(parsed?.salt.length).toBe(12);
    expect(parsed?.hash.length).toBe(64);
    expect(parsed && (await verifyPassword('secret-one', parsed))).toBe(true);
    expect(parsed && (await verifyPassword('secret-two', parsed))).toBe(false);
  });

  it('refuses plaintext and missing hashes without echoing them', () => {
    for (const text of ['vehicle_01:hunter2hunter2\n', 'vehicle_01\n', 'vehicle_01:\n']) {
      let message = '';
      try {
        PasswordFile.parse(text);
      } catch (err) {
        expect(err).toBeInstanceOf(PasswordFileError);
        message = (err as Error).message;
      }
      expect(message).toMatch(/^password_file line 1: user "vehicle_01"/);
      expect(message).not.toContain('hunter2');
    }
  });
});

describe('which login a session uses (loginFor)', () => {
  const base = loadConfig({}).mqtt;
  const file = () => {
    const path = join(tempDir('login-'), 'credentials.json');
    writeFileSync(path, JSON.stringify({ collector: 'c-secret', vehicle_01: 'v1-secret' }));
    return path;
  };

  it('takes the user’s password from MQTT_CREDENTIALS_FILE, else MQTT_USERNAME/MQTT_PASSWORD', () => {
    const withFile: MqttConfig = { ...base, credentialsFile: file() };
    expect(loginFor(withFile, 'vehicle_01')).toEqual({
      username: 'vehicle_01',
      password: 'v1-secret',
    });
    expect(loginFor(withFile, 'collector')).toEqual({
      username: 'collector',
      password: 'c-secret',
    });
    const both: MqttConfig = { ...withFile, username: 'shared', password: 'shared-secret' };
    expect(loginFor(both, 'vehicle_01')).toEqual({ username: 'vehicle_01', password: 'v1-secret' });
    expect(loginFor(both, 'vehicle_09')).toEqual({ username: 'shared', password: 'shared-secret' });
    expect(loginFor({ ...base, username: 'u', password: 'p' }, 'x')).toEqual({
      username: 'u',
      password: 'p',
    });
    expect(loginFor(base, 'x')).toEqual({});
  });

  it('stops a session whose user the file lacks (no silent anonymous retries), and bad files', () => {
    expect(() => loginFor({ ...base, credentialsFile: file() }, 'vehicle_09')).toThrow(
      /MQTT_CREDENTIALS_FILE=".*": no password for MQTT user "vehicle_09"/,
    );
    const broken = join(tempDir('login-bad-'), 'c.json');
    writeFileSync(broken, '{"vehicle_01": 42, "x": "hunter2hunter2"}');
    expect(() => loginFor({ ...base, credentialsFile: broken }, 'x')).toThrow(
      /expected \{"<username>": "<password>", ...\}$/,
    );
    let message = '';
    try {
      readCredentialsFile(broken);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('MQTT_CREDENTIALS_FILE=');
    expect(message).not.toContain('hunter2');
    expect(() => loginFor({ ...base, credentialsFile: '/nonexistent.json' }, 'x')).toThrow(
      /cannot read \(ENOENT\)/,
    );
  });
});
