// Secrets in the configuration: never shown in error lines, and refused in production when they are placeholders, defaults or short.
import { CredentialsFileError, readCredentialsFile } from './mqtt-credentials.js';

/** Variables whose values are secrets: error lines show `(hidden)` instead of the value. */
export const SECRET_VARIABLES = ['MQTT_PASSWORD', 'INFLUXDB_TOKEN', 'DASHBOARD_API_TOKEN'] as const;
export const MIN_SECRET_LENGTH = 16;

/**
 * Placeholders of env.example and docker/.env.example, and defaults that well-known images and
 * tutorials ship (InfluxDB's docs token, "adminpassword", ...): compared case-insensitively.
 */
const WELL_KNOWN = new Set([
  'change-me',
  'changeme',
  'change_me',
  'change-me-too',
  'replace-me',
  'replaceme',
  'my-super-secret-auth-token',
  'my-token',
  'mytoken',
  'token',
  'adminpassword',
  'admin',
  'administrator',
  'password',
  'password123',
  'passw0rd',
  'secret',
  'mysecret',
  'mqtt',
  'mosquitto',
  'public',
  'guest',
  'root',
  'test',
  'default',
  'example',
  '12345678',
  '123456',
]);

export function isPlaceholder(value: string): boolean {
  const v = value.trim().toLowerCase();
  return (
    v === '' ||
    WELL_KNOWN.has(v) ||
    /^<.*>$/.test(v) || // <your-token>
    /^\$\{.*\}$/.test(v) || // ${TOKEN} left uninterpolated
    /^(x+|\*+|\.+)$/.test(v) ||
    /^(change|replace|set|your|put)[-_ ]?(me|this|it|here)?[-_ ]/.test(`${v} `)
  );
}

/** How an error line shows a value: secrets and URL credentials hidden, others quoted. */
export function shownValue(name: string, value: string | undefined): string {
  if (value === undefined) return '""';
  if ((SECRET_VARIABLES as readonly string[]).includes(name)) return '(hidden)';
  if (name === 'MQTT_URL' || name === 'SMTP_URL') return JSON.stringify(withoutUserinfo(value));
  // A webhook's path or query often is its secret (Slack, Teams): show where it points only.
  if (name === 'ALERT_WEBHOOK_URL') {
    const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(withoutUserinfo(value))?.[0];
    return JSON.stringify(origin === undefined ? '(hidden)' : `${origin}/(hidden)`);
  }
  return JSON.stringify(value);
}

const withoutUserinfo = (url: string): string => url.replace(/\/\/[^/@]*@/, '//(hidden)@');

/** The parsed variables this check reads (a subset of config.ts's schema output). */
export interface SecretEnv {
  NODE_ENV: string;
  MQTT_URL?: string | undefined;
  MQTT_USERNAME?: string | undefined;
  MQTT_PASSWORD?: string | undefined;
  MQTT_CREDENTIALS_FILE?: string | undefined;
  INFLUXDB_TOKEN?: string | undefined;
  DASHBOARD_API_TOKEN?: string | undefined;
}

/**
 * Problems as config error lines (`VAR=value: message`), values of secrets never included.
 * Always: MQTT_URL must not carry credentials (they would end up in logs and process lists).
 * With NODE_ENV=production: every secret that is set must not be a placeholder or a well-known
 * default and must be at least 16 characters; so must every password in MQTT_CREDENTIALS_FILE;
 * and MQTT_USERNAME needs a password.
 */
export function secretProblems(env: SecretEnv): string[] {
  const problems: string[] = [];
  if (env.MQTT_URL !== undefined && /^[a-z]+:\/\/[^/]*@/i.test(env.MQTT_URL)) {
    problems.push(
      `MQTT_URL=${shownValue('MQTT_URL', env.MQTT_URL)}: must not contain credentials; ` +
        'use MQTT_USERNAME/MQTT_PASSWORD or MQTT_CREDENTIALS_FILE',
    );
  }
  if (env.NODE_ENV !== 'production') return problems;
  for (const name of SECRET_VARIABLES) {
    const value = env[name];
    if (value === undefined) continue;
    const problem = weakness(name === 'INFLUXDB_TOKEN' ? influxSecret(value) : value);
    if (problem) problems.push(`${name}=(hidden): ${problem} (NODE_ENV=production)`);
  }
  if (env.MQTT_USERNAME !== undefined && env.MQTT_PASSWORD === undefined) {
    problems.push(
      `MQTT_PASSWORD="": MQTT_USERNAME is set without a password (NODE_ENV=production)`,
    );
  }
  if (env.MQTT_CREDENTIALS_FILE !== undefined) {
    problems.push(...credentialsFileProblems(env.MQTT_CREDENTIALS_FILE));
  }
  return problems;
}

/** InfluxDB 1.x tokens are `user:password`: the password part is what must be strong. */
function influxSecret(token: string): string {
  const colon = token.indexOf(':');
  return colon < 0 ? token : token.slice(colon + 1);
}

function weakness(value: string): string | undefined {
  if (isPlaceholder(value))
    return 'is a placeholder or a well-known default; generate one (openssl rand -hex 32)';
  if (value.length < MIN_SECRET_LENGTH) {
    return `is shorter than ${MIN_SECRET_LENGTH} characters (e.g. openssl rand -hex 32)`;
  }
  return undefined;
}

function credentialsFileProblems(path: string): string[] {
  let credentials: ReadonlyMap<string, string>;
  try {
    credentials = readCredentialsFile(path);
  } catch (err) {
    if (err instanceof CredentialsFileError) return [`${err.message} (NODE_ENV=production)`];
    throw err;
  }
  const weak: string[] = [];
  for (const [user, password] of credentials) {
    const problem = weakness(password);
    if (problem) weak.push(`the password of user ${JSON.stringify(user)} ${problem}`);
  }
  // A fleet file holds thousands of users: name a few, count the rest.
  const shown = weak.slice(0, 3);
  if (weak.length > shown.length) shown.push(`and ${weak.length - shown.length} more users`);
  return shown.map(
    (problem) => `MQTT_CREDENTIALS_FILE=${JSON.stringify(path)}: ${problem} (NODE_ENV=production)`,
  );
}
