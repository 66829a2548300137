// A Mosquitto password_file: hashed by mosquitto_passwd when installed, else by our compatible $7$ hash.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hashPassword, parseHash } from '../../broker/password-hash.js';

export type Hasher = 'mosquitto_passwd' | 'node';

/** Debian puts mosquitto_passwd in /usr/bin; look there too in case PATH is minimal. */
export function findMosquittoPasswd(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(':').concat(['/usr/bin', '/usr/local/bin']);
  for (const dir of dirs) {
    const candidate = join(dir, 'mosquitto_passwd');
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The password_file's text. mosquitto_passwd -U hashes a plaintext `user:password` file in place,
 * so no password appears on a command line (`-b user password` would show it to every local user
 * in `ps`); that plaintext file is created 0600 next to the result and removed at once.
 */
export async function passwordFileText(
  dir: string,
  users: ReadonlyMap<string, string>,
  hasher: Hasher,
): Promise<string> {
  if (hasher === 'node') {
    const lines: string[] = [];
    for (const [user, password] of users) lines.push(`${user}:${await hashPassword(password)}`);
    return `${lines.join('\n')}\n`;
  }
  const tool = findMosquittoPasswd();
  if (!tool) throw new Error('mosquitto_passwd not found (apt-get install mosquitto)');
  const scratch = join(dir, `.password_file.${process.pid}.tmp`);
  const plain = [...users].map(([user, password]) => `${user}:${password}`);
  try {
    writeFileSync(scratch, `${plain.join('\n')}\n`, { mode: 0o600, flag: 'wx' });
    await promisify(execFile)(tool, ['-U', scratch], { timeout: 120_000 });
    return readFileSync(scratch, 'utf8');
  } finally {
    rmSync(scratch, { force: true }); // never leave the plaintext behind
  }
}

/** Every line is `user:<hash Mosquitto reads>`: a failed or partial -U run is caught here. */
export function checkPasswordFile(text: string, users: ReadonlyMap<string, string>): void {
  const lines = text.split('\n').filter((l) => l !== '');
  if (lines.length !== users.size) {
    throw new Error(`password_file has ${lines.length} lines for ${users.size} users`);
  }
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (!users.has(line.slice(0, colon)) || !parseHash(line.slice(colon + 1))) {
      throw new Error(`password_file line for "${line.slice(0, colon)}" is not hashed`);
    }
  }
}
