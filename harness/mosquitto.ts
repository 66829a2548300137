// A real Mosquitto child process on a free port with a generated config: for tests, drills and benchmarks.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, portOpen } from './ports.js';
import { ServerChild } from './server-child.js';

export interface MosquittoOptions {
  dir: string;
  port?: number;
  /** Seconds between persistence saves; Mosquitto's default is 1800 (only clean shutdowns save). */
  autosaveInterval?: number;
  maxInflight?: number;
  /** Extra config lines (listeners, auth). */
  extraConfig?: string[];
}

/** Debian installs mosquitto in /usr/sbin, which is not on every user's PATH. */
export function mosquittoBinary(): string {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/local/sbin'])) {
    const candidate = join(dir, 'mosquitto');
    if (dir && existsSync(candidate)) return candidate;
  }
  throw new Error('mosquitto not found: apt-get install -y mosquitto');
}

export class MosquittoProcess {
  private readonly server = new ServerChild('mosquitto');
  port = 0;

  get log(): string {
    return this.server.log;
  }

  constructor(private readonly options: MosquittoOptions) {}

  get configPath(): string {
    return join(this.options.dir, 'mosquitto.conf');
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = this.options.port ?? (await freePort());
    const data = join(this.options.dir, 'data');
    mkdirSync(data, { recursive: true });
    const lines = [
      `listener ${this.port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${data}/`,
      `autosave_interval ${this.options.autosaveInterval ?? 1800}`,
      // Mosquitto's default (1000) silently drops the newest messages queued for an offline client.
      'max_queued_messages 0',
      `max_inflight_messages ${this.options.maxInflight ?? 20}`,
      // Run as whoever runs the tests: as root, Mosquitto would switch to user "mosquitto" and
      // then could not write the persistence file in our temp dir.
      `user ${userInfo().username}`,
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      ...(this.options.extraConfig ?? []),
    ];
    writeFileSync(this.configPath, `${lines.join('\n')}\n`);
    await this.spawnWith(this.configPath);
  }

  /** Starts mosquitto from an existing config file (e.g. docker/'s, paths rewritten). */
  async spawnWith(configPath: string): Promise<void> {
    await this.server.start(
      mosquittoBinary(),
      ['-c', configPath],
      () => portOpen(this.port),
      10_000,
    );
  }

  /** SIGTERM saves persistence and exits cleanly; SIGKILL loses what was not autosaved. */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    return this.server.stop(signal);
  }

  /** SIGSTOP / SIGCONT: a broker that hangs without closing its connections. */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    this.server.signal(signal);
  }

  async restart(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    await this.stop(signal);
    await this.start();
  }

  get running(): boolean {
    return this.server.running;
  }
}
