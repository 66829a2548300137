// `npm run users`: add (random password printed once, or from stdin; groups made), passwd (sessions end), del, list — on the auth file a dashboard uses.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { track } from '../../harness/children.js';
import { npmCommand } from '../../harness/program.js';
import { testAuth } from '../auth/fixture.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const dir = tempDir('users-cli-');
const env = { AUTH_DB_PATH: join(dir, 'auth.db'), LOG_LEVEL: 'warn' };

afterAll(removeTempDirs);

/** `npm run users -- …args` as package.json runs it, with `input` on standard input. */
function users(
  args: string[],
  input = '',
): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [...npmCommand('users'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  track(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  child.stdin.end(input);
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

describe('npm run users', () => {
  it('adds, lists, changes passwords and deletes accounts', async () => {
    const add = await users([
      'add',
      'Dispatch@Example.com',
      '--role',
      'operator',
      '--group',
      'north',
      '--group',
      'south',
    ]);
    expect(add.code, add.err).toBe(0);
    expect(add.out).toContain('group north created');
    const printed = /password: (\S+)/.exec(add.out)?.[1];
    expect(printed).toMatch(/^[\w-]{24}$/);
    const own = await users(
      ['add', 'ann', '--role', 'viewer', '--password-stdin'],
      'my own long password\n',
    );
    expect(own.code, own.err).toBe(0);
    expect(own.out).not.toContain('password:');
    expect((await users(['add', 'ann', '--role', 'viewer'])).code).toBe(1);
    expect((await users(['add', 'bob', '--role', 'boss'])).code).toBe(2);
    expect(
      (await users(['add', 'bob', '--role', 'viewer', '--password-stdin'], 'short\n')).err,
    ).toMatch(/at least 12/);
    const list = await users(['list']);
    expect(list.out.trim().split('\n')).toEqual([
      'ann\tviewer\t-',
      'dispatch@example.com\toperator\tnorth,south',
    ]);

    // What a dashboard on the same file sees: both sign in; a passwd ends ann's session.
    const { auth, clock } = testAuth({ dir, config: { mode: 'none' } });
    await auth.start();
    const login = (name: string, pw: string) => auth.login.login(name, pw, '10.0.0.1', clock.now());
    expect((await login('dispatch@example.com', printed ?? '')).ok).toBe(true);
    const session = await login('ann', 'my own long password');
    expect(session.ok).toBe(true);
    const passwd = await users(['passwd', 'ann', '--password-stdin'], 'another long password\n');
    expect(passwd.code, passwd.err).toBe(0);
    if (session.ok)
      expect(auth.sessions.resolve(session.session.cookie, clock.now())).toBeUndefined();
    expect((await login('ann', 'another long password')).ok).toBe(true);
    expect((await users(['del', 'ann'])).code).toBe(0);
    expect(auth.people.get('ann')).toBeUndefined();
    const audit = auth.audit.query({
      from: 0,
      to: Date.now() + 1000,
      user: undefined,
      action: undefined,
      limit: 100,
    });
    expect(audit.map((e) => e.action)).toEqual(
      expect.arrayContaining(['user_create', 'group_create', 'user_update', 'user_delete']),
    );
    expect(audit.every((e) => e.user.startsWith('cli:'))).toBe(true);
    auth.stop();
  }, 240_000);
});
