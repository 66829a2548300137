// An Auth over a real SQLite file in a temp dir, with a clock the test moves.
import { join } from 'node:path';
import { createAuth } from '../../auth/auth.js';
import { PasswordHasher } from '../../auth/password.js';
import type { ThrottlePolicy } from '../../auth/throttle.js';
import type { AuthConfig } from '../../core/config-auth.js';
import { silentLogger } from '../../core/log.js';
import { tempDir } from '../helpers/tmp.js';

export class Clock {
  constructor(public t = Date.parse('2026-03-01T08:00:00Z')) {}
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

/** scrypt at a test cost (1 MiB): the production cost is covered once, in the first-run test. */
export const TEST_HASHER = new PasswordHasher({ N: 1024, r: 8, p: 1 });

export function authConfig(dir: string, overrides: Partial<AuthConfig> = {}): AuthConfig {
  return {
    mode: 'local',
    dbPath: join(dir, 'auth.db'),
    adminPasswordFile: join(dir, 'admin-password.txt'),
    sessionTtlMs: 12 * 3_600_000,
    cookieSecure: 'auto',
    cfAccess: undefined,
    auditRetentionMs: 400 * 86_400_000,
    ...overrides,
  };
}

export function testAuth(
  options: {
    dir?: string;
    clock?: Clock;
    config?: Partial<AuthConfig>;
    legacyToken?: string;
    throttle?: ThrottlePolicy;
    /** Default: TEST_HASHER; undefined keeps the production cost. */
    hasher?: PasswordHasher | undefined;
  } = {},
) {
  const dir = options.dir ?? tempDir('auth-');
  const clock = options.clock ?? new Clock();
  const auth = createAuth(authConfig(dir, options.config), {
    log: silentLogger(),
    now: clock.now,
    legacyToken: options.legacyToken,
    ...('hasher' in options
      ? options.hasher
        ? { hasher: options.hasher }
        : {}
      : { hasher: TEST_HASHER }),
    ...(options.throttle ? { throttle: options.throttle } : {}),
  });
  return { auth, clock, dir };
}
