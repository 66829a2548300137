// Password hashing with scrypt (memory-hard, node:crypto): hash, verify in constant time, generate, and the minimum length.
import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

/**
 * OWASP's scrypt floor in the form that needs the least memory per hash: N = 2^15, r = 8, p = 3
 * (32 MiB; the same work as N = 2^17, p = 1 at a quarter of the memory). About 0.1-0.3 s per
 * hash on a server core; the login lockout bounds online guessing. The cost is stored with each
 * hash, so raising it later affects new passwords only.
 */
export const DEFAULT_COST: ScryptCost = { N: 2 ** 15, r: 8, p: 3 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const options: ScryptOptions = { ...cost, maxmem: 256 * cost.N * cost.r };
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, options, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

/** Hashes as `scrypt$N$r$p$salt$key` (base64url); tests may pass a lower cost, as they pass a clock. */
export class PasswordHasher {
  private dummy: Promise<string> | undefined;

  constructor(readonly cost: ScryptCost = DEFAULT_COST) {}

  async hash(password: string): Promise<string> {
    const salt = randomBytes(SALT_BYTES);
    const key = await derive(password, salt, this.cost);
    const { N, r, p } = this.cost;
    return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
  }

  async verify(password: string, stored: string): Promise<boolean> {
    const [kind, n, r, p, salt, key] = stored.split('$');
    if (kind !== 'scrypt' || salt === undefined || key === undefined) return false;
    const expected = Buffer.from(key, 'base64url');
    const cost = { N: Number(n), r: Number(r), p: Number(p) };
    const got = await derive(password, Buffer.from(salt, 'base64url'), cost);
    return got.length === expected.length && timingSafeEqual(got, expected);
  }

  /**
   * Compared against when the user does not exist, so a wrong name costs as long as a wrong
   * password (the answer time says nothing about which names exist).
   */
  dummyHash(): Promise<string> {
    this.dummy ??= this.hash(randomBytes(16).toString('hex'));
    return this.dummy;
  }
}

/** The problem with a new password, or undefined when it is acceptable. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH)
    return `a password needs at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH)
    return `a password has at most ${MAX_PASSWORD_LENGTH} characters`;
  return undefined;
}

/** 24 characters of base64url: 144 bits, for the first admin. */
export const randomPassword = (): string => randomBytes(18).toString('base64url');
