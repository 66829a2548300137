// Mosquitto's password_file (`user:$7$...` lines) parsed once, checked per CONNECT.
import { type ParsedHash, parseHash, verifyPassword } from './password-hash.js';

export class PasswordFileError extends Error {
  constructor(line: number, message: string) {
    super(`password_file line ${line}: ${message}`);
    this.name = 'PasswordFileError';
  }
}

/**
 * Stricter than Mosquitto in one point: a line without a hash (Mosquitto would let that user in
 * with any password... or none) is an error at load, as is a plaintext password.
 */
export class PasswordFile {
  private constructor(
    private readonly users: Map<string, ParsedHash>,
    /** Compared against for unknown users, so their refusal takes as long as a wrong password. */
    private readonly decoy: ParsedHash,
  ) {}

  static parse(text: string): PasswordFile {
    const users = new Map<string, ParsedHash>();
    text.split('\n').forEach((raw, index) => {
      const line = raw.replace(/\r$/, '');
      if (line.trim() === '' || line.startsWith('#')) return;
      const colon = line.indexOf(':');
      const username = colon < 0 ? line : line.slice(0, colon);
      // Never echo the hash field: it may be a plaintext password someone pasted in.
      if (colon < 0 || colon === line.length - 1) {
        throw new PasswordFileError(index + 1, `user "${username}" has no password hash`);
      }
      const hash = parseHash(line.slice(colon + 1));
      if (!hash) {
        throw new PasswordFileError(
          index + 1,
          `user "${username}": not a Mosquitto $7$ or $6$ hash (plaintext? run mosquitto_passwd -U)`,
        );
      }
      users.set(username, hash);
    });
    const decoy: ParsedHash = {
      kind: 'pbkdf2-sha512',
      iterations: 101,
      salt: Buffer.alloc(12),
      hash: Buffer.alloc(64),
    };
    return new PasswordFile(users, [...users.values()][0] ?? decoy);
  }

  get size(): number {
    return this.users.size;
  }

  has(username: string): boolean {
    return this.users.has(username);
  }

  async check(username: string | undefined, password: Buffer | undefined): Promise<boolean> {
    const stored = username === undefined ? undefined : this.users.get(username);
    const ok = await verifyPassword(password ?? Buffer.alloc(0), stored ?? this.decoy);
    return ok && stored !== undefined && password !== undefined;
  }
}
