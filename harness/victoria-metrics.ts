// A real VictoriaMetrics (Debian's package unpacked into .tools/) on a free port: the /api/v2/write target.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';
import { ServerChild } from './server-child.js';

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
  private readonly server = new ServerChild('victoria-metrics');
  port = 0;

  get log(): string {
    return this.server.log;
  }

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
    await this.server.start(victoriaMetricsBinary(), args, () =>
      fetch(`${this.url}/health`, { signal: AbortSignal.timeout(1000) })
        .then((r) => r.ok)
        .catch(() => false),
    );
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

  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    return this.server.stop(signal);
  }
}
