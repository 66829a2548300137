// A real VictoriaMetrics (Debian's package unpacked into .tools/) on a free port: the /api/v2/write target.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { track } from './children.js';
import { freePort } from './ports.js';
import { sleep } from './wait.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface VictoriaMetricsOptions {
  dir: string;
  port?: number;
}

/** One exported series: `{metric: {__name__, ...labels}, values, timestamps}`. */
export interface ExportedSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

export function victoriaMetricsBinary(): string {
  const candidates = [
    join(ROOT, '.tools/victoria-metrics/usr/bin/victoria-metrics'),
    '/usr/bin/victoria-metrics',
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error('victoria-metrics not found: run `bash scripts/unpack-servers.sh`');
  return found;
}

export class VictoriaMetricsProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> | undefined;
  port = 0;
  log = '';

  constructor(private readonly options: VictoriaMetricsOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = this.options.port ?? (await freePort());
    const data = join(this.options.dir, 'vm-data');
    mkdirSync(data, { recursive: true });
    const args = [
      `-httpListenAddr=127.0.0.1:${this.port}`,
      `-storageDataPath=${data}`,
      '-retentionPeriod=100y',
      // One sample per series and millisecond, like InfluxDB's overwrite of an identical point:
      // a write retried after a lost response must not read back as two samples.
      '-dedup.minScrapeInterval=1ms',
      '-loggerLevel=ERROR',
    ];
    const child = spawn(victoriaMetricsBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    track(child);
    const append = (d: Buffer) => {
      this.log = (this.log + d.toString()).slice(-20_000);
    };
    child.stdout?.on('data', append);
    child.stderr?.on('data', append);
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`victoria-metrics exited:\n${this.log}`);
      if (Date.now() > deadline) throw new Error(`victoria-metrics did not start:\n${this.log}`);
      const ok = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(1000) })
        .then((r) => r.ok)
        .catch(() => false);
      if (ok) return;
      await sleep(50);
    }
  }

  /** Every sample of the series matching `match` (PromQL series selector), after a forced flush. */
  async export(match: string): Promise<ExportedSeries[]> {
    // Freshly ingested rows become searchable after an in-memory flush; force it.
    await fetch(`${this.url}/internal/force_flush`);
    const params = new URLSearchParams({ 'match[]': match, start: '0' });
    const res = await fetch(`${this.url}/api/v1/export?${params}`);
    if (!res.ok) throw new Error(`export ${res.status}: ${await res.text()}`);
    const text = await res.text();
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as ExportedSeries);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    await this.exited;
    this.child = undefined;
  }
}
