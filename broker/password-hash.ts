// Mosquitto 2.0 password hashes: `$7$` (PBKDF2-SHA512, mosquitto_passwd's default) and `$6$` (salted SHA-512).
import { createHash, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Written by hand because no maintained npm package produces or checks Mosquitto's format; the
 * format is three fields over node:crypto primitives, checked against mosquitto_passwd's own
 * output and against a real mosquitto in test/security/.
 *
 *   $7$<iterations>$<base64 salt>$<base64 PBKDF2-HMAC-SHA512(password, salt, iterations, 64)>
 *   $6$<base64 salt>$<base64 SHA-512(password || salt)>
 */
export const PBKDF2_ITERATIONS = 101; // what mosquitto_passwd 2.0 writes
const SALT_BYTES = 12;
const KEY_BYTES = 64;

export interface ParsedHash {
  kind: 'pbkdf2-sha512' | 'sha512';
  iterations: number;
  salt: Buffer;
  hash: Buffer;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** undefined when the text is not a hash Mosquitto 2.0 accepts. */
export function parseHash(text: string): ParsedHash | undefined {
  const parts = text.split('$');
  if (parts[0] !== '') return undefined;
  if (parts[1] === '7' && parts.length === 5) {
    const [, , iter = '', salt = '', hash = ''] = parts;
    const iterations = Number(iter);
    if (!/^[1-9][0-9]{0,8}$/.test(iter) || !BASE64.test(salt) || !BASE64.test(hash)) return;
    return { kind: 'pbkdf2-sha512', iterations, salt: b64(salt), hash: b64(hash) };
  }
  if (parts[1] === '6' && parts.length === 4) {
    const [, , salt = '', hash = ''] = parts;
    if (!BASE64.test(salt) || !BASE64.test(hash)) return undefined;
    return { kind: 'sha512', iterations: 1, salt: b64(salt), hash: b64(hash) };
  }
  return undefined;
}

const b64 = (s: string): Buffer => Buffer.from(s, 'base64');

/** A new `$7$` hash with a random salt, as `mosquitto_passwd` writes it. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, PBKDF2_ITERATIONS, KEY_BYTES);
  return `$7$${PBKDF2_ITERATIONS}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Constant-time comparison of the derived key with the stored one. */
export async function verifyPassword(
  password: Buffer | string,
  stored: ParsedHash,
): Promise<boolean> {
  const derived =
    stored.kind === 'sha512'
      ? createHash('sha512').update(password).update(stored.salt).digest()
      : await derive(password, stored.salt, stored.iterations, stored.hash.length);
  return derived.length === stored.hash.length && timingSafeEqual(derived, stored.hash);
}

function derive(
  password: Buffer | string,
  salt: Buffer,
  iterations: number,
  length: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    pbkdf2(password, salt, iterations, length, 'sha512', (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}
