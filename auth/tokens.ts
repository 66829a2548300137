// Personal API tokens: `tlm_<id>.<secret>`, shown once; only the secret's hash is kept; expiry and revocation; the owner's rights.
import { randomBytes } from 'node:crypto';
import { randomSecret, sameSecret, sha256 } from './secrets.js';
import type { TokenRecord, TokenTable } from './store/types.js';

const TOKEN_PATTERN = /^tlm_([0-9a-f]{16})\.([A-Za-z0-9_-]{43})$/;
export const TOKEN_ID_PATTERN = /^[0-9a-f]{16}$/;
export const DEFAULT_TOKEN_DAYS = 90;
export const MAX_TOKEN_DAYS = 366;
const DAY_MS = 86_400_000;

export interface CreatedToken {
  /** The whole token: returned once at creation, never again. */
  token: string;
  record: TokenRecord;
}

export type TokenCheck = { ok: true; record: TokenRecord } | { ok: false; reason: string };

export class Tokens {
  constructor(private readonly table: TokenTable) {}

  create(username: string, name: string, days: number, now: number): CreatedToken {
    const id = randomBytes(8).toString('hex');
    const secret = randomSecret();
    const record: TokenRecord = {
      id,
      username,
      name,
      secretHash: sha256(secret),
      createdAt: now,
      expiresAt: now + days * DAY_MS,
      lastUsedAt: null,
    };
    this.table.create(record);
    return { token: `tlm_${id}.${secret}`, record };
  }

  /** Whether a bearer value looks like one of ours (else it may be DASHBOARD_API_TOKEN). */
  static looksLike(value: string): boolean {
    return value.startsWith('tlm_');
  }

  check(value: string, now: number): TokenCheck {
    const m = TOKEN_PATTERN.exec(value);
    if (!m) return { ok: false, reason: 'malformed token' };
    const record = this.table.get(m[1] as string);
    if (!record || !sameSecret(sha256(m[2] as string), record.secretHash)) {
      return { ok: false, reason: 'unknown or revoked token' };
    }
    if (record.expiresAt <= now) return { ok: false, reason: 'token expired' };
    // Last use to the minute: one write per token and minute at most.
    if (record.lastUsedAt === null || now - record.lastUsedAt >= 60_000) {
      this.table.used(record.id, now);
    }
    return { ok: true, record };
  }

  list(username: string | undefined): TokenRecord[] {
    return this.table.list(username);
  }

  get(id: string): TokenRecord | undefined {
    return this.table.get(id);
  }

  revoke(id: string): boolean {
    return this.table.remove(id);
  }
}
