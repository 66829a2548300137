// The auth folder on a real SQLite file: first-run admin (0600), users and groups, who sees which vehicle, logins with lockout and recovery, sessions, tokens, audit retention.
import { readFileSync, statSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { AuthError } from '../../auth/errors.js';
import { removeTempDirs } from '../helpers/tmp.js';
import { testAuth } from './fixture.js';

afterAll(removeTempDirs);

const PASSWORD = 'correct horse battery';

describe('first start (AUTH_MODE=local)', () => {
  it('creates admin with a random password written 0600, once (production scrypt cost)', async () => {
    const { auth, dir } = testAuth({ hasher: undefined });
    await auth.start();
    const file = `${dir}/admin-password.txt`;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(`${dir}/auth.db`).mode & 0o777).toBe(0o600);
    const [name, password] = readFileSync(file, 'utf8').trim().split('\n');
    expect(name).toBe('admin');
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const result = await auth.login.login('admin', password as string, '10.0.0.1', Date.now());
    expect(result.ok).toBe(true);
    auth.stop();
    // A second start finds the user and writes nothing new.
    const again = testAuth({ dir });
    await again.auth.start();
    expect(readFileSync(file, 'utf8').trim().split('\n')[1]).toBe(password);
    expect(again.auth.people.list().map((u) => u.username)).toEqual(['admin']);
    again.auth.stop();
  });

  it('creates no admin in proxy or none mode', async () => {
    for (const mode of ['none', 'proxy'] as const) {
      const { auth } = testAuth({
        config: { mode, cfAccess: { issuer: 'https://x.example', audience: 'a' } },
      });
      await auth.start();
      expect(auth.people.list()).toEqual([]);
      auth.stop();
    }
  });
});

describe('users, groups and visibility', () => {
  it('a non-admin sees the vehicles of their groups; admins see all', async () => {
    const { auth, clock } = testAuth({ config: { mode: 'none' } });
    await auth.start();
    const now = clock.now();
    auth.people.createGroup({ id: 'north', name: 'North', devices: ['v1', 'v2'] });
    auth.people.createGroup({ name: 'South depot', devices: ['v3'] });
    expect(auth.people.group('south-depot')?.name).toBe('South depot');
    const ann = await auth.people.create(
      { username: 'Ann@Example.com', role: 'operator', password: PASSWORD, groups: ['north'] },
      now,
    );
    expect(ann.username).toBe('ann@example.com');
    await auth.people.create({ username: 'boss', role: 'admin', password: PASSWORD }, now);
    const access = auth.directory.accessOf(ann);
    expect(['v1', 'v2', 'v3'].map((d) => access.canSee(d))).toEqual([true, true, false]);
    expect(access.canSee(null)).toBe(false);
    expect(auth.directory.accessOf(auth.people.get('boss') ?? ann).all).toBe(true);
    // A change is seen at once (the generation moved).
    auth.people.updateGroup('south-depot', { users: ['ann@example.com'] });
    const again = auth.directory.user('ann@example.com');
    expect(again?.groups).toEqual(['north', 'south-depot']);
    expect(auth.directory.accessOf(again ?? ann).canSee('v3')).toBe(true);
    expect(auth.directory.groupsOf('v1')).toEqual(['north']);
    await expect(
      auth.people.create({ username: 'ann@example.com', role: 'viewer' }, now),
    ).rejects.toMatchObject({ kind: 'conflict' });
    await expect(
      auth.people.create({ username: 'x', role: 'viewer', groups: ['nope'] }, now),
    ).rejects.toMatchObject({ kind: 'invalid' });
    await expect(
      auth.people.create({ username: 'y', role: 'viewer', password: 'short' }, now),
    ).rejects.toThrow(/at least 12/);
    auth.stop();
  });

  it('keeps one enabled admin', async () => {
    const { auth, clock } = testAuth();
    await auth.start();
    const now = clock.now();
    await expect(auth.people.update('admin', { role: 'viewer' }, now)).rejects.toBeInstanceOf(
      AuthError,
    );
    expect(() => auth.people.remove('admin')).toThrow(/last enabled admin/);
    await auth.people.create({ username: 'second', role: 'admin', password: PASSWORD }, now);
    await auth.people.update('admin', { disabled: true }, now);
    expect(auth.people.get('admin')?.disabled).toBe(true);
    auth.stop();
  });
});

describe('password login', () => {
  it('locks a name after 5 failures (429, even with the right password), and recovers after the lock', async () => {
    const { auth, clock } = testAuth({ config: { mode: 'none' } });
    await auth.start();
    await auth.people.create({ username: 'ann', role: 'viewer', password: PASSWORD }, clock.now());
    for (let i = 0; i < 5; i++) {
      const r = await auth.login.login('ann', 'wrong password!', '10.0.0.1', clock.now());
      expect(r).toMatchObject({ ok: false, status: 401 });
    }
    const locked = await auth.login.login('ann', PASSWORD, '10.0.0.2', clock.now());
    expect(locked).toMatchObject({ ok: false, status: 429, retryAfterS: 900 });
    clock.advance(14 * 60_000);
    expect(await auth.login.login('ann', PASSWORD, '10.0.0.2', clock.now())).toMatchObject({
      status: 429,
      retryAfterS: 60,
    });
    clock.advance(60_000);
    const ok = await auth.login.login('ann', PASSWORD, '10.0.0.2', clock.now());
    expect(ok.ok).toBe(true);
    auth.stop();
  });

  it('locks an address after 20 failures across names', async () => {
    const { auth, clock } = testAuth({
      config: { mode: 'none' },
      throttle: { perUser: 100, perAddress: 3, windowMs: 60_000, lockMs: 60_000 },
    });
    await auth.start();
    await auth.people.create({ username: 'ann', role: 'viewer', password: PASSWORD }, clock.now());
    for (const name of ['a', 'b', 'c']) {
      expect(
        await auth.login.login(name, 'whatever-123456', '10.9.9.9', clock.now()),
      ).toMatchObject({ status: 401 });
    }
    expect(await auth.login.login('ann', PASSWORD, '10.9.9.9', clock.now())).toMatchObject({
      status: 429,
    });
    // Another address is not affected.
    expect((await auth.login.login('ann', PASSWORD, '10.9.9.8', clock.now())).ok).toBe(true);
    auth.stop();
  });

  it('refuses a disabled account with the same answer as a wrong password', async () => {
    const { auth, clock } = testAuth({ config: { mode: 'none' } });
    await auth.start();
    await auth.people.create(
      { username: 'ann', role: 'viewer', password: PASSWORD, disabled: true },
      clock.now(),
    );
    const r = await auth.login.login('ann', PASSWORD, '10.0.0.1', clock.now());
    const wrong = await auth.login.login('ann', 'not the password', '10.0.0.1', clock.now());
    expect(r).toEqual(wrong);
    auth.stop();
  });
});

describe('sessions and tokens', () => {
  it('a session slides with use, ends after SESSION_TTL unused, and at a password change', async () => {
    const { auth, clock } = testAuth({ config: { mode: 'none', sessionTtlMs: 3_600_000 } });
    await auth.start();
    await auth.people.create({ username: 'ann', role: 'viewer', password: PASSWORD }, clock.now());
    const { cookie } = auth.sessions.open('ann', null, clock.now());
    clock.advance(50 * 60_000);
    expect(auth.sessions.resolve(cookie, clock.now())).toBeDefined();
    clock.advance(50 * 60_000);
    expect(auth.sessions.resolve(cookie, clock.now())).toBeDefined();
    clock.advance(61 * 60_000);
    expect(auth.sessions.resolve(cookie, clock.now())).toBeUndefined();
    const second = auth.sessions.open('ann', null, clock.now());
    await auth.people.update('ann', { password: 'another long password' }, clock.now());
    expect(auth.sessions.resolve(second.cookie, clock.now())).toBeUndefined();
    auth.stop();
  });

  it('a token is stored hashed, works until it expires or is revoked', async () => {
    const { auth, clock, dir } = testAuth({ config: { mode: 'none' } });
    await auth.start();
    await auth.people.create({ username: 'ann', role: 'viewer', password: PASSWORD }, clock.now());
    const a = auth.tokens.create('ann', 'script', 1, clock.now());
    const b = auth.tokens.create('ann', 'other', 30, clock.now());
    expect(a.token).toMatch(/^tlm_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
    expect(
      readFileSync(`${dir}/auth.db`).includes(Buffer.from(a.token.split('.')[1] as string)),
    ).toBe(false);
    expect(auth.tokens.check(a.token, clock.now()).ok).toBe(true);
    expect(auth.tokens.check(`${a.token.slice(0, -1)}x`, clock.now())).toMatchObject({ ok: false });
    clock.advance(86_400_000);
    expect(auth.tokens.check(a.token, clock.now())).toEqual({ ok: false, reason: 'token expired' });
    expect(auth.tokens.revoke(b.record.id)).toBe(true);
    expect(auth.tokens.check(b.token, clock.now())).toMatchObject({ ok: false });
    auth.stop();
  });
});

describe('audit', () => {
  it('keeps entries AUDIT_RETENTION long', async () => {
    const { auth, clock } = testAuth({ config: { mode: 'none', auditRetentionMs: 86_400_000 } });
    await auth.start();
    const entry = { user: 'ann', action: 'login', target: null, ip: '10.0.0.1', outcome: 'ok' };
    auth.audit.record(entry);
    clock.advance(3_600_000);
    auth.audit.record({ ...entry, outcome: 'failed' });
    const all = { from: 0, to: clock.now(), user: undefined, action: undefined, limit: 10 };
    expect(auth.audit.query(all).map((e) => e.outcome)).toEqual(['failed', 'ok']);
    clock.advance(23 * 3_600_000 + 1);
    auth.audit.sweep();
    expect(auth.audit.query({ ...all, to: clock.now() }).map((e) => e.outcome)).toEqual(['failed']);
    auth.stop();
  });
});
