// The dashboard's security settings parsed once at start: API token, CORS origins, trust proxy, limits.
import { isIP } from 'node:net';
import { ConfigError } from '../../core/config.js';

/** Express "trust proxy": off, every hop (unsafe), a hop count, or addresses/ranges/names. */
export type TrustProxy = boolean | number | string[];

/** `*`: any origin may read; otherwise exactly these origins (scheme://host[:port]). */
export type CorsOrigins = '*' | ReadonlySet<string>;

/** The raw values, as core/config.ts validated them (DASHBOARD_* variables). */
export interface SecurityConfig {
  apiToken: string | undefined;
  corsOrigins: string;
  rateLimitPerMin: number;
  maxSocketsPerIp: number;
  trustProxy: string;
}

export interface SecuritySettings {
  apiToken: string | undefined;
  corsOrigins: CorsOrigins;
  rateLimitPerMin: number;
  maxSocketsPerIp: number;
  trustProxy: TrustProxy;
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** A parsed value, or the config error line naming the variable. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; problem: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(name: string, text: string, problem: string): Parsed<T> => ({
  ok: false,
  problem: `${name}=${JSON.stringify(text)}: ${problem}`,
});

function isProxyEntry(entry: string): boolean {
  if (PROXY_NAMES.has(entry)) return true;
  const [address = '', prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

/** `false` | `true` | hop count | comma-separated addresses, CIDR ranges, loopback/linklocal/uniquelocal. */
export function parseTrustProxy(text: string): Parsed<TrustProxy> {
  const value = text.trim();
  if (value === 'false') return ok(false);
  if (value === 'true') return ok(true);
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops <= 10) return ok(hops);
    return bad('DASHBOARD_TRUST_PROXY', text, 'a hop count must be at most 10');
  }
  const entries = value.split(',').map((e) => e.trim());
  const wrong = entries.filter((e) => !isProxyEntry(e));
  if (wrong.length === 0) return ok(entries);
  return bad(
    'DASHBOARD_TRUST_PROXY',
    text,
    `expected false, true, a hop count, or a comma-separated list of addresses, CIDR ranges, loopback, linklocal, uniquelocal (not: ${wrong.join(', ')})`,
  );
}

/** `*`, or a comma-separated list of exact origins such as https://ops.example.com. */
export function parseCorsOrigins(text: string): Parsed<CorsOrigins> {
  const value = text.trim();
  if (value === '*') return ok('*');
  const origins = new Set<string>();
  const wrong: string[] = [];
  for (const entry of value.split(',').map((e) => e.trim())) {
    let origin: string | undefined;
    try {
      const url = new URL(entry);
      // A wildcard host parses, but no browser sends one: it would silently match nothing.
      const web = url.protocol === 'http:' || url.protocol === 'https:';
      if (web && !url.hostname.includes('*')) origin = url.origin;
    } catch {
      origin = undefined;
    }
    // Browsers send the origin serialized exactly so: no path, no trailing slash, default port omitted.
    if (origin === entry) origins.add(entry);
    else wrong.push(entry);
  }
  if (wrong.length === 0) return ok(origins);
  return bad(
    'DASHBOARD_CORS_ORIGINS',
    text,
    `expected * or a comma-separated list of origins like https://ops.example.com (not: ${wrong.join(', ')})`,
  );
}

/**
 * Every problem at once, as one ConfigError (the same shape as core/config.ts's), so the program
 * stops at start with a line naming each bad variable.
 */
export function securitySettings(config: SecurityConfig): SecuritySettings {
  const problems: string[] = [];
  const trustProxy = parseTrustProxy(config.trustProxy);
  if (!trustProxy.ok) problems.push(trustProxy.problem);
  const corsOrigins = parseCorsOrigins(config.corsOrigins);
  if (!corsOrigins.ok) problems.push(corsOrigins.problem);
  const token = config.apiToken;
  // Strength (length, placeholders) is core/secrets.ts's rule in production; a token with a space
  // could never be sent as `Authorization: Bearer <token>`.
  if (token !== undefined && /\s/.test(token)) {
    problems.push(
      'DASHBOARD_API_TOKEN=(hidden): must not contain spaces (e.g. openssl rand -hex 32)',
    );
  }
  if (!trustProxy.ok || !corsOrigins.ok || problems.length > 0) throw new ConfigError(problems);
  return {
    apiToken: token,
    corsOrigins: corsOrigins.value,
    rateLimitPerMin: config.rateLimitPerMin,
    maxSocketsPerIp: config.maxSocketsPerIp,
    trustProxy: trustProxy.value,
  };
}
