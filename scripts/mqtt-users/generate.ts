// Generates one MQTT user per device plus the collector, dashboard and Telegraf: password_file, acl_file, credentials (JSON and env files), all 0600.
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { COLLECTOR_USER, DASHBOARD_USER } from '../../core/mqtt-credentials.js';
import { aclFileText, instanceUsers, TELEGRAF_USER } from './acl-text.js';
import { checkPasswordFile, type Hasher, passwordFileText } from './password-file.js';

export interface GenerateOptions {
  dir: string;
  deviceIds: readonly string[];
  hasher: Hasher;
  /** Replace existing files (every deployed password changes). */
  force: boolean;
  now?: Date;
  /** Collectors and dashboards to make users for (several of each: docs/scaling.md); default 1. */
  instances?: number;
}

export interface GenerateResult {
  dir: string;
  files: string[];
  users: number;
  /** The role users (collector, dashboard, telegraf, then further instances). */
  roles: string[];
  hasher: Hasher;
}

/** What `--dir` holds afterwards; the broker needs only the first two. */
export const FILES = {
  passwordFile: 'password_file',
  aclFile: 'acl_file',
  credentialsJson: 'credentials.json',
  credentialsEnv: 'credentials.env',
  collectorEnv: 'collector.env',
  dashboardEnv: 'dashboard.env',
  telegrafEnv: 'telegraf.env',
  devicesJson: 'devices.json',
  devicesEnv: 'devices.env',
} as const;

/** The env file of a further collector or dashboard instance (collector_2 → collector_2.env). */
export function instanceEnvFile(user: string): string {
  return `${user}.env`;
}

/** 24 random bytes: 32 base64url characters (no `:` or quoting issues in any of the files). */
export function randomPassword(): string {
  return randomBytes(24).toString('base64url');
}

export async function generateUsers(options: GenerateOptions): Promise<GenerateResult> {
  const dir = resolve(options.dir);
  const generatedAt = (options.now ?? new Date()).toISOString();
  const users = new Map<string, string>();
  const instances = options.instances ?? 1;
  const extra = [
    ...instanceUsers(COLLECTOR_USER, instances).slice(1),
    ...instanceUsers(DASHBOARD_USER, instances).slice(1),
  ];
  const roles = [COLLECTOR_USER, DASHBOARD_USER, TELEGRAF_USER, ...extra];
  for (const user of [...roles, ...options.deviceIds]) {
    if (users.has(user)) throw new Error(`user ${user} twice (device id equal to a role name?)`);
    users.set(user, randomPassword());
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const existing = Object.values(FILES).filter((f) => existsSync(join(dir, f)));
  if (existing.length > 0 && !options.force) {
    throw new Error(
      `${dir} already holds ${existing.join(', ')}: pass --force to replace them ` +
        '(every device, the collector and the dashboard then need the new passwords)',
    );
  }

  const devices = Object.fromEntries(options.deviceIds.map((id) => [id, users.get(id) ?? '']));
  const passwordFile = await passwordFileText(dir, users, options.hasher);
  checkPasswordFile(passwordFile, users);
  const path = (name: string) => join(dir, name);
  const header = `# Written by \`npm run mqtt-users\` at ${generatedAt}. Secret: never commit it.`;
  const env = (lines: string[]) => `${[header, ...lines].join('\n')}\n`;
  const texts: Array<[string, string]> = [
    [FILES.passwordFile, passwordFile],
    [FILES.aclFile, aclFileText(options.deviceIds, generatedAt, instances)],
    [FILES.credentialsJson, json(Object.fromEntries(users))],
    // The devices' own file: a machine running vehicles gets no other role's password.
    [FILES.devicesJson, json(devices)],
    [
      FILES.credentialsEnv,
      env([
        '# Everything on one machine (`npm start`, or any program with this file as its .env):',
        '# each MQTT session logs in as its own user from credentials.json, and the embedded',
        '# broker enforces password_file and acl_file.',
        `MQTT_CREDENTIALS_FILE=${path(FILES.credentialsJson)}`,
        `MQTT_PASSWORD_FILE=${path(FILES.passwordFile)}`,
        `MQTT_ACL_FILE=${path(FILES.aclFile)}`,
      ]),
    ],
    [FILES.collectorEnv, env(loginLines(COLLECTOR_USER, users))],
    [FILES.dashboardEnv, env(loginLines(DASHBOARD_USER, users))],
    [FILES.telegrafEnv, env(loginLines(TELEGRAF_USER, users))],
    // collector_2.env, dashboard_2.env, …: one login per further instance.
    ...extra.map((user): [string, string] => [instanceEnvFile(user), env(loginLines(user, users))]),
    [
      FILES.devicesEnv,
      env([
        '# Devices: each vehicle logs in as its own id with its password from devices.json.',
        `MQTT_CREDENTIALS_FILE=${path(FILES.devicesJson)}`,
      ]),
    ],
  ];
  for (const [name, text] of texts) writeSecret(path(name), text);
  return {
    dir,
    files: texts.map(([name]) => name),
    users: users.size,
    roles,
    hasher: options.hasher,
  };
}

const json = (value: Record<string, string>) => `${JSON.stringify(value, null, 2)}\n`;

function loginLines(user: string, users: ReadonlyMap<string, string>): string[] {
  return [`MQTT_USERNAME=${user}`, `MQTT_PASSWORD=${users.get(user) ?? ''}`];
}

/**
 * Created 0600 under a temporary name and renamed over the target: the content is never readable
 * by others, not even for a moment, and an existing file with looser permissions is replaced
 * rather than rewritten in place.
 */
function writeSecret(path: string, text: string): void {
  const scratch = `${path}.${process.pid}.tmp`;
  writeFileSync(scratch, text, { mode: 0o600, flag: 'wx' });
  chmodSync(scratch, 0o600); // in case of an unusual umask
  renameSync(scratch, path);
}
