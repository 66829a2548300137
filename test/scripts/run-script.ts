// Runs an npm script to its end exactly as `npm run <name> -- args` does (same node flags), and collects its output.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { track } from '../../harness/children.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ScriptRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Resolves on 'close' (not 'exit'), so every byte the program wrote is in stdout/stderr. */
export function runScript(
  name: string,
  args: string[],
  env: Record<string, string>,
): Promise<ScriptRun> {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const words = (pkg.scripts[name] ?? '').split(/\s+/);
  if (words[0] !== 'node') throw new Error(`npm script ${name} is not "node ... <file>"`);
  const child = spawn(process.execPath, [...words.slice(1), ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  track(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The JSON summary an `--json` run prints as its last stdout line. */
export function jsonSummary(run: ScriptRun): Record<string, unknown> {
  const last = run.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(last) as Record<string, unknown>;
  } catch {
    throw new Error(`no JSON summary (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
}
