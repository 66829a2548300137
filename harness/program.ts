// Runs one of our programs (devices, collector, …) as a child process that can be SIGKILLed.
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export class ProgramProcess {
  private child: ChildProcess | undefined;
  private exitPromise: Promise<number | null> | undefined;
  stdout = '';
  stderr = '';

  constructor(
    private readonly script: string,
    private readonly args: string[],
    private readonly env: Record<string, string>,
  ) {}

  /** One node process (no tsx wrapper), so a signal reaches the program itself. */
  start(): void {
    this.stdout = '';
    this.stderr = '';
    const child = spawn(process.execPath, ['--import', 'tsx', this.script, ...this.args], {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (d: Buffer) => {
      this.stdout += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.child = child;
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

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }
}
