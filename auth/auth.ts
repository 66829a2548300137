// People and permissions, composed: the store, users and groups, logins, sessions, tokens, audit and who-is-asking; start()/stop().
import type { AuthConfig } from '../core/config-auth.js';
import type { Logger } from '../core/log.js';
import { AuditLog } from './audit.js';
import { Authenticator } from './authenticator.js';
import { CloudflareAccess } from './cf-access.js';
import { Directory } from './directory.js';
import { createFirstAdmin } from './first-run.js';
import { PasswordLogin } from './login.js';
import { PasswordHasher } from './password.js';
import { People } from './people.js';
import { Sessions } from './sessions.js';
import { SqliteAuthStore } from './store/sqlite-auth-store.js';
import type { AuthStore } from './store/types.js';
import { DEFAULT_THROTTLE, LoginThrottle, type ThrottlePolicy } from './throttle.js';
import { Tokens } from './tokens.js';

export interface AuthDeps {
  store: AuthStore;
  log: Logger;
  now: () => number;
  /** DASHBOARD_API_TOKEN: an admin token whatever the mode. */
  legacyToken: string | undefined;
  throttle?: ThrottlePolicy;
  /** Default: production cost (password.ts); tests pass a lower one, as they pass a clock. */
  hasher?: PasswordHasher;
}

interface Parts {
  sessions: Sessions;
  tokens: Tokens;
  people: People;
  directory: Directory;
  throttle: LoginThrottle;
  login: PasswordLogin;
  audit: AuditLog;
  identify: Authenticator;
}

export class Auth {
  private parts: Parts | undefined;

  constructor(
    readonly config: AuthConfig,
    private readonly deps: AuthDeps,
  ) {}

  get mode(): AuthConfig['mode'] {
    return this.config.mode;
  }

  private get p(): Parts {
    if (!this.parts) throw new Error('Auth not started');
    return this.parts;
  }
  get sessions(): Sessions {
    return this.p.sessions;
  }
  get tokens(): Tokens {
    return this.p.tokens;
  }
  get people(): People {
    return this.p.people;
  }
  get directory(): Directory {
    return this.p.directory;
  }
  get throttle(): LoginThrottle {
    return this.p.throttle;
  }
  get login(): PasswordLogin {
    return this.p.login;
  }
  get audit(): AuditLog {
    return this.p.audit;
  }
  get identify(): Authenticator {
    return this.p.identify;
  }

  async start(): Promise<void> {
    if (this.parts) return;
    const { store, log, now, legacyToken } = this.deps;
    const { config } = this;
    store.start();
    const sessions = new Sessions(store.sessions, config.sessionTtlMs);
    const tokens = new Tokens(store.tokens);
    const directory = new Directory(store.people);
    const hasher = this.deps.hasher ?? new PasswordHasher();
    const people = new People(store.people, sessions, hasher);
    const throttle = new LoginThrottle(store.throttle, this.deps.throttle ?? DEFAULT_THROTTLE);
    const audit = new AuditLog({
      store,
      throttle,
      log,
      now,
      retentionMs: config.auditRetentionMs,
    });
    this.parts = {
      sessions,
      tokens,
      people,
      directory,
      throttle,
      audit,
      login: new PasswordLogin({ people: store.people, sessions, throttle, hasher }),
      identify: new Authenticator({
        mode: config.mode,
        legacyToken,
        directory,
        sessions,
        tokens,
        access: config.cfAccess && new CloudflareAccess(config.cfAccess, now),
        secret: store.secret(),
      }),
    };
    audit.start();
    if (config.mode === 'none') {
      log.warn(
        'AUTH_MODE=none: anyone who reaches the dashboard reads every vehicle (writes need DASHBOARD_API_TOKEN); use it only on a closed network',
      );
    }
    if (config.mode === 'local') {
      const admin = await createFirstAdmin(people, config.adminPasswordFile, now());
      if (admin) {
        log.warn(
          { username: admin.username, password: admin.password, file: admin.file },
          'first start: created the admin account; sign in with this password (also in the file, readable by this user only) and change it',
        );
      }
    }
  }

  /** Safe to call twice. */
  stop(): void {
    if (!this.parts) return;
    this.parts.audit.stop();
    this.parts = undefined;
    this.deps.store.stop();
  }
}

export function createAuth(
  config: AuthConfig,
  deps: Omit<AuthDeps, 'store'> & { store?: AuthStore },
): Auth {
  return new Auth(config, { ...deps, store: deps.store ?? new SqliteAuthStore(config.dbPath) });
}
