// Signing in with a password: locked keys refused (429), the password checked in constant work, failures counted, a new session on success.
import type { PasswordHasher } from './password.js';
import { normalUsername } from './roles.js';
import type { OpenedSession, Sessions } from './sessions.js';
import type { PeopleTable } from './store/types.js';
import { addressKey, type LoginThrottle, userKey } from './throttle.js';

export type LoginResult =
  | { ok: true; username: string; session: OpenedSession }
  | { ok: false; status: 401; reason: string }
  | { ok: false; status: 429; retryAfterS: number };

export class PasswordLogin {
  constructor(
    private readonly deps: {
      people: PeopleTable;
      sessions: Sessions;
      throttle: LoginThrottle;
      hasher: PasswordHasher;
    },
  ) {}

  async login(name: string, password: string, address: string, now: number): Promise<LoginResult> {
    const username = normalUsername(name);
    const { people, sessions, throttle, hasher } = this.deps;
    const wait = throttle.lockedFor([userKey(username), addressKey(address)], now);
    // While locked even the right password is refused: otherwise the lock would not slow guessing.
    if (wait > 0) return { ok: false, status: 429, retryAfterS: Math.ceil(wait / 1000) };
    const user = people.get(username);
    const hash = user?.passwordHash ?? (await hasher.dummyHash());
    const good = await hasher.verify(password, hash);
    // One answer for every failure: it must not tell which names exist or that a password was right.
    if (!user || user.passwordHash === null || !good || user.disabled) {
      throttle.failedLogin(username, address, now);
      return {
        ok: false,
        status: 401,
        reason: 'wrong username or password (or a disabled account)',
      };
    }
    throttle.succeeded(username);
    return { ok: true, username, session: sessions.open(username, address, now) };
  }
}
