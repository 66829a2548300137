// First start with AUTH_MODE=local and no users: an `admin` with a random password, printed once and written 0600 beside the auth file.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AuthError } from './errors.js';
import { randomPassword } from './password.js';
import type { People } from './people.js';

export interface FirstAdmin {
  username: string;
  password: string;
  file: string;
}

/** undefined: there are users already (nothing is created or written). */
export async function createFirstAdmin(
  people: People,
  file: string,
  now: number,
): Promise<FirstAdmin | undefined> {
  if (people.list().length > 0) return undefined;
  const password = randomPassword();
  try {
    await people.create({ username: 'admin', role: 'admin', password }, now);
  } catch (err) {
    // Another dashboard instance on the same auth file made it first: its password stands.
    if (err instanceof AuthError && err.kind === 'conflict') return undefined;
    throw err;
  }
  mkdirSync(dirname(file), { recursive: true });
  // mode applies only when the file is new; chmod covers a file left from an earlier auth file.
  writeFileSync(file, `admin\n${password}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { username: 'admin', password, file };
}
