// A real redis-server child process on a free port (Debian's redis-server), no persistence: for tests, drills and benchmarks.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, portOpen } from './ports.js';
import { ServerChild } from './server-child.js';

export interface RedisOptions {
  port?: number;
  /** Extra `--name value` arguments. */
  extraArgs?: string[];
}

/** Debian installs redis-server in /usr/bin; look on PATH and the sbin dirs too. */
export function redisBinary(): string {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/bin', '/usr/sbin'])) {
    const candidate = join(dir, 'redis-server');
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new Error('redis-server not found: apt-get install -y redis-server');
}

export class RedisProcess {
  private readonly server = new ServerChild('redis-server');
  port = 0;

  constructor(private readonly options: RedisOptions = {}) {}

  get log(): string {
    return this.server.log;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** A restart keeps the port (clients reconnect to the same URL); data is not kept (no persistence). */
  async start(): Promise<void> {
    if (this.port === 0) this.port = this.options.port ?? (await freePort());
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'no',
      ...(this.options.extraArgs ?? []),
    ];
    await this.server.start(redisBinary(), args, () => portOpen(this.port), 10_000);
  }

  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    return this.server.stop(signal);
  }

  /** SIGSTOP / SIGCONT: a Redis that hangs without closing its connections. */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    this.server.signal(signal);
  }

  get running(): boolean {
    return this.server.running;
  }
}
