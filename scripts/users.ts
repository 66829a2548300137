// `npm run users -- add NAME --role R [--group G …] [--password-stdin] | passwd NAME [--password-stdin] | del NAME | list`: accounts in the auth file (AUTH_DB_PATH), also while dashboards run.
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import dotenv from 'dotenv';
import { AuditLog } from '../auth/audit.js';
import { AuthError } from '../auth/errors.js';
import { PasswordHasher, randomPassword } from '../auth/password.js';
import { People } from '../auth/people.js';
import { isRole } from '../auth/roles.js';
import { Sessions } from '../auth/sessions.js';
import { SqliteAuthStore } from '../auth/store/sqlite-auth-store.js';
import { LoginThrottle } from '../auth/throttle.js';
import { ConfigError, loadConfig } from '../core/config.js';
import { silentLogger } from '../core/log.js';

const USAGE = `usage: npm run users -- add NAME --role viewer|operator|admin [--group G ...] [--password-stdin]
       npm run users -- passwd NAME [--password-stdin]
       npm run users -- del NAME
       npm run users -- list
Accounts of the dashboard, in the auth file (AUTH_DB_PATH, default beside DASHBOARD_STATE_PATH:
./data/auth.db). Without --password-stdin a random password is made and printed once; with it
the first line of standard input is the password (12 characters or more). --group names a
vehicle group (made if missing); repeat it for several. passwd and del end the account's
sessions at once, on every dashboard using the file.`;

function fail(message: string, code = 2): never {
  process.stderr.write(`users: ${message}\n`);
  if (code === 2) process.stderr.write(`${USAGE}\n`);
  process.exit(code);
}

async function readPassword(fromStdin: boolean): Promise<{ password: string; generated: boolean }> {
  if (!fromStdin) return { password: randomPassword(), generated: true };
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  const password = text.split(/\r?\n/)[0] ?? '';
  if (password === '') fail('--password-stdin: standard input held no password');
  return { password, generated: false };
}

const { values, positionals } = (() => {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        role: { type: 'string' },
        group: { type: 'string', multiple: true },
        'password-stdin': { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (err) {
    fail((err as Error).message);
  }
})();
if (values.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const [command, name] = positionals;
dotenv.config({ quiet: true });
let dbPath: string;
try {
  dbPath = loadConfig(process.env).auth.dbPath;
} catch (err) {
  if (err instanceof ConfigError) fail(err.lines.join('; '), 1);
  throw err;
}

const store = new SqliteAuthStore(dbPath);
store.start();
const people = new People(store.people, new Sessions(store.sessions, 0), new PasswordHasher());
const audit = new AuditLog({
  store,
  throttle: new LoginThrottle(store.throttle),
  log: silentLogger(),
  now: Date.now,
  retentionMs: 0,
});
const who = `cli:${userInfo().username}`;
const record = (action: string, target: string) =>
  audit.record({ user: who, action, target, ip: null, outcome: 'ok' });

try {
  if (command === 'list') {
    for (const u of people.list()) {
      const flags = u.disabled ? ' (disabled)' : '';
      process.stdout.write(`${u.username}\t${u.role}\t${u.groups.join(',') || '-'}${flags}\n`);
    }
  } else if (command === 'add' && name) {
    const role = values.role;
    if (!isRole(role)) fail('--role must be viewer, operator or admin');
    const groups = values.group ?? [];
    for (const g of groups) {
      if (!people.group(g)) {
        people.createGroup({ id: g, name: g });
        record('group_create', `${g} devices=[] users=[]`);
        process.stdout.write(`group ${g} created (add its vehicles on the admin page)\n`);
      }
    }
    const { password, generated } = await readPassword(values['password-stdin'] === true);
    const user = await people.create({ username: name, role, password, groups }, Date.now());
    record('user_create', `${user.username} ${user.role} [${user.groups.join(',')}]`);
    process.stdout.write(`user ${user.username} added (${user.role})\n`);
    if (generated) process.stdout.write(`password: ${password}\n`);
  } else if (command === 'passwd' && name) {
    const { password, generated } = await readPassword(values['password-stdin'] === true);
    const user = await people.update(name, { password }, Date.now());
    record('user_update', `${user.username} password`);
    process.stdout.write(`password of ${user.username} changed; its sessions ended\n`);
    if (generated) process.stdout.write(`password: ${password}\n`);
  } else if (command === 'del' && name) {
    people.remove(name);
    record('user_delete', name.toLowerCase());
    process.stdout.write(`user ${name.toLowerCase()} deleted\n`);
  } else {
    fail(command ? `unknown command or missing NAME: ${command}` : 'a command is needed');
  }
} catch (err) {
  if (err instanceof AuthError) fail(err.message, 1);
  throw err;
} finally {
  store.stop();
}
