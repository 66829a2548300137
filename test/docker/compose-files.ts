// Reads docker/: the compose file (parsed with YAML merge keys), .env files, compose-style interpolation.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const DOCKER = `${ROOT}docker/`;

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[];
  environment?: Record<string, string>;
  env_file?: string[];
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  profiles?: string[];
  init?: boolean;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

export function composeText(): string {
  return readFileSync(`${DOCKER}docker-compose.yml`, 'utf8');
}

/** The compose file as compose reads it: `<<` merge keys resolved, nothing interpolated yet. */
export function loadCompose(): ComposeFile {
  return parse(composeText(), { merge: true }) as ComposeFile;
}

/** KEY=value lines of a dotenv file (comments and blank lines skipped). */
export function parseEnvFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (m?.[1]) out[m[1]] = (m[2] ?? '').trim();
  }
  return out;
}

/** Every variable a text interpolates: ${VAR}, ${VAR:-default}, ${VAR:?error}. */
export function referencedVariables(text: string): string[] {
  const names = new Set<string>();
  for (const m of text.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)/g)) if (m[1]) names.add(m[1]);
  return [...names].sort();
}

/** Compose's interpolation: `:-` default when unset or empty, `:?` error when unset or empty. */
export function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g,
    (whole, name: string | undefined, op: string | undefined, arg: string | undefined) => {
      if (whole === '$$') return '$';
      const v = name === undefined ? undefined : env[name];
      const empty = v === undefined || (op?.startsWith(':') === true && v === '');
      if (op?.endsWith('?') && empty) throw new Error(`${name}: ${arg}`);
      if (op?.endsWith('-') && empty) return arg ?? '';
      return v ?? '';
    },
  );
}
