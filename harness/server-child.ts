// One server binary as a child process: start, output kept for error messages, readiness, signals, stop.
import { type ChildProcess, spawn } from 'node:child_process';
import { track } from './children.js';
import { sleep } from './wait.js';

export class ServerChild {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> | undefined;
  /** The last 20,000 characters the server printed (both streams). */
  log = '';

  constructor(private readonly name: string) {}

  /** Spawns the binary and resolves once `ready()` says so; throws with its output if it exits. */
  async start(
    binary: string,
    args: string[],
    ready: () => Promise<boolean>,
    timeoutMs = 20_000,
  ): Promise<void> {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    track(child);
    const append = (d: Buffer) => {
      this.log = (this.log + d.toString()).slice(-20_000);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + timeoutMs;
    while (!(await ready())) {
      if (child.exitCode !== null)
        throw new Error(`${this.name} exited (${child.exitCode}) during start:\n${this.log}`);
      if (Date.now() > deadline)
        throw new Error(`${this.name} not ready within ${timeoutMs} ms:\n${this.log}`);
      await sleep(50);
    }
  }

  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  /** Sends `signal` and waits for the exit; nothing when not running. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await this.exited;
    this.child = undefined;
  }

  get running(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }
}
