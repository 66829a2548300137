// A real influxd (1.x, from Debian's package unpacked into .tools/) on free ports with data in a temp dir.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';
import { ServerChild } from './server-child.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface InfluxdOptions {
  dir: string;
  /** HTTP port; a free one when omitted. Kept across restarts. */
  port?: number;
  /** [http] auth-enabled: every request then needs a user (create the admin with createAdmin()). */
  authEnabled?: boolean;
}

/** scripts/unpack-servers.sh puts Debian's influxd under .tools/; a system-wide one works too. */
export function influxdBinary(): string {
  const candidates = [join(ROOT, '.tools/influxdb/usr/bin/influxd'), '/usr/bin/influxd'];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error('influxd not found: run `bash scripts/unpack-servers.sh`');
  return found;
}

export class InfluxdProcess {
  private readonly server = new ServerChild('influxd');
  port = 0;
  /** influxd's second listener (backup/restore RPC, 8088 by default): a free port too. */
  rpcPort = 0;
  get log(): string {
    return this.server.log;
  }

  constructor(private readonly options: InfluxdOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = this.options.port ?? (await freePort());
    if (this.rpcPort === 0) this.rpcPort = await freePort();
    const dir = this.options.dir;
    for (const sub of ['meta', 'data', 'wal']) mkdirSync(join(dir, sub), { recursive: true });
    const config = `reporting-disabled = true
bind-address = "127.0.0.1:${this.rpcPort}"
[meta]
  dir = "${join(dir, 'meta')}"
[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  wal-fsync-delay = "0s"
  query-log-enabled = false
[monitor]
  store-enabled = false
[subscriber]
  enabled = false
[continuous_queries]
  enabled = false
[http]
  bind-address = "127.0.0.1:${this.port}"
  auth-enabled = ${this.options.authEnabled === true}
  log-enabled = false
  pprof-enabled = false
`;
    const configPath = join(dir, 'influxdb.conf');
    writeFileSync(configPath, config);
    await this.server.start(influxdBinary(), ['run', '-config', configPath], () => this.ping());
  }

  async ping(): Promise<boolean> {
    try {
      const res = await fetch(`${this.url}/ping`, { signal: AbortSignal.timeout(1000) });
      return res.status === 204;
    } catch {
      return false;
    }
  }

  /** Runs InfluxQL statements as-is (tests only: no escaping here). */
  async query(q: string, db?: string, auth?: string): Promise<unknown> {
    const params = new URLSearchParams({ q, epoch: 'ms' });
    if (db) params.set('db', db);
    const headers: Record<string, string> = {};
    if (auth) headers.authorization = `Basic ${Buffer.from(auth).toString('base64')}`;
    const res = await fetch(`${this.url}/query`, { method: 'POST', body: params, headers });
    if (!res.ok) throw new Error(`influxd /query ${res.status}: ${await res.text()}`);
    return res.json();
  }

  /** With auth enabled, the first user must be an admin and may be created without credentials. */
  async createAdmin(user: string, password: string): Promise<void> {
    await this.query(`CREATE USER "${user}" WITH PASSWORD '${password}' WITH ALL PRIVILEGES`);
  }

  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    return this.server.stop(signal);
  }

  get running(): boolean {
    return this.server.running;
  }
}
