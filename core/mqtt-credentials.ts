// Which MQTT username and password a session logs in with: MQTT_CREDENTIALS_FILE (one per user) or MQTT_USERNAME/MQTT_PASSWORD.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { MqttConfig } from './mqtt-config.js';

/** The collector's and the dashboard's MQTT users (devices log in as their device id). */
export const COLLECTOR_USER = 'collector';
export const DASHBOARD_USER = 'dashboard';

export interface MqttLogin {
  username?: string;
  password?: string;
}

/** `{ "<username>": "<password>", ... }` as `npm run mqtt-users` writes it. */
const credentialsSchema = z.record(z.string().min(1), z.string().min(1));

export class CredentialsFileError extends Error {
  constructor(path: string, reason: string) {
    super(`MQTT_CREDENTIALS_FILE=${JSON.stringify(path)}: ${reason}`);
    this.name = 'CredentialsFileError';
  }
}

/** Parses the file; errors name the file and the problem, never a password. */
export function readCredentialsFile(path: string): ReadonlyMap<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CredentialsFileError(path, `cannot read (${(err as NodeJS.ErrnoException).code})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CredentialsFileError(path, 'not valid JSON');
  }
  const parsed = credentialsSchema.safeParse(json);
  if (!parsed.success) {
    throw new CredentialsFileError(path, 'expected {"<username>": "<password>", ...}');
  }
  return new Map(Object.entries(parsed.data));
}

/**
 * A fleet process builds thousands of sessions from one config: the file is read once per
 * MqttConfig object. Keyed weakly by that object, so no state outlives the config it came from.
 */
const cache = new WeakMap<MqttConfig, ReadonlyMap<string, string>>();

/**
 * With MQTT_CREDENTIALS_FILE set, a session logs in as `user` with that user's password from the
 * file; a user missing from it falls back to MQTT_USERNAME/MQTT_PASSWORD, and without those too it
 * is an error (better than connecting anonymously and being refused forever). Without the file:
 * MQTT_USERNAME/MQTT_PASSWORD, or anonymous.
 */
export function loginFor(mqtt: MqttConfig, user: string): MqttLogin {
  const fallback: MqttLogin = {
    ...(mqtt.username === undefined ? {} : { username: mqtt.username }),
    ...(mqtt.password === undefined ? {} : { password: mqtt.password }),
  };
  if (mqtt.credentialsFile === undefined) return fallback;
  let credentials = cache.get(mqtt);
  if (!credentials) {
    credentials = readCredentialsFile(mqtt.credentialsFile);
    cache.set(mqtt, credentials);
  }
  const password = credentials.get(user);
  if (password !== undefined) return { username: user, password };
  if (mqtt.username !== undefined) return fallback;
  throw new CredentialsFileError(
    mqtt.credentialsFile,
    `no password for MQTT user "${user}" (and MQTT_USERNAME is not set)`,
  );
}
