// Runs one of our programs (devices, collector, …) as a child process that can be SIGKILLed.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { track } from './children.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** An npm script of the form `node <flags> <file>`: its file and node flags (heap sizes, loaders). */
export function npmScript(name: string): { script: string; nodeArgs: string[] } {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const words = (pkg.scripts[name] ?? '').split(/\s+/);
  const script = words.at(-1);
  if (words[0] !== 'node' || !script)
    throw new Error(`npm script ${name} is not "node ... <file>"`);
  return { script, nodeArgs: words.slice(1, -1) };
}

/** The node arguments that run an npm script (its flags, then its file): spawn(process.execPath, these). */
export function npmCommand(name: string): string[] {
  const { script, nodeArgs } = npmScript(name);
  return [...nodeArgs, script];
}

export class ProgramProcess {
  private child: ChildProcess | undefined;
  private exitPromise: Promise<number | null> | undefined;
  stdout = '';
  stderr = '';

  constructor(
    private readonly script: string,
    private readonly args: string[],
    private readonly env: Record<string, string>,
    private readonly nodeArgs: string[] = ['--import', 'tsx'],
  ) {}

  /**
   * The program exactly as `npm run <name>` starts it (same node flags), minus npm's own process,
   * so measurements are of what users run.
   */
  static fromNpmScript(name: string, args: string[], env: Record<string, string>): ProgramProcess {
    const { script, nodeArgs } = npmScript(name);
    return new ProgramProcess(script, args, env, nodeArgs);
  }

  /** One node process (no tsx wrapper), so a signal reaches the program itself. */
  start(): void {
    this.stdout = '';
    this.stderr = '';
    const child = spawn(process.execPath, [...this.nodeArgs, this.script, ...this.args], {
      cwd: ROOT,
      // JSON logs whatever the caller's terminal or .env says: tests, drills and benchmarks read
      // them (e.g. wait for "msg":"subscribed"); a test wanting human lines passes LOG_FORMAT.
      // No metrics port from a developer's .env (an empty value wins over .env and means unset):
      // two programs of one run would race for it; a run that wants metrics passes its own ports.
      env: {
        ...process.env,
        LOG_LEVEL: 'warn',
        LOG_FORMAT: 'json',
        METRICS_PORT: '',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => {
      this.stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.child = child;
    track(child);
    this.exitPromise = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Sends a signal without waiting for an exit (SIGSTOP, SIGCONT, SIGUSR2, …). */
  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  async kill(signal: NodeJS.Signals): Promise<number | null> {
    const child = this.child;
    if (!child) return null;
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const code = await this.exitPromise;
    this.child = undefined;
    return code ?? null;
  }

  exited(): Promise<number | null> {
    return this.exitPromise ?? Promise.resolve(null);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }
}
