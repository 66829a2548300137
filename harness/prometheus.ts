// A real Prometheus (Debian's package unpacked into .tools/) scraping given ports every second, and promtool's checks.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';
import { ServerChild } from './server-child.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** scripts/unpack-servers.sh puts Debian's prometheus and promtool under .tools/; CI has no other. */
function tool(name: 'prometheus' | 'promtool'): string {
  const path = join(ROOT, `.tools/prometheus/usr/bin/${name}`);
  if (!existsSync(path))
    throw new Error(`${name} not found: run \`bash scripts/unpack-servers.sh\``);
  return path;
}

export interface ScrapeTarget {
  job: string;
  port: number;
}

export interface PrometheusOptions {
  dir: string;
  targets: readonly ScrapeTarget[];
  /** Scrape (and rule evaluation) interval; short, so a test sees several samples in seconds. */
  scrapeInterval?: string;
}

/** One sample of an instant query: its labels and value. */
export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

export class PrometheusProcess {
  private readonly server = new ServerChild('prometheus');
  port = 0;

  constructor(private readonly options: PrometheusOptions) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get log(): string {
    return this.server.log;
  }

  /** The generated prometheus.yml: one job per target on 127.0.0.1. */
  config(): string {
    const interval = this.options.scrapeInterval ?? '1s';
    const jobs = this.options.targets.map(
      (t) =>
        `  - job_name: ${t.job}\n    static_configs:\n      - targets: ['127.0.0.1:${t.port}']\n`,
    );
    return `global:\n  scrape_interval: ${interval}\n  evaluation_interval: ${interval}\n  scrape_timeout: ${interval}\nscrape_configs:\n${jobs.join('')}`;
  }

  async start(): Promise<void> {
    if (this.port === 0) this.port = await freePort();
    const data = join(this.options.dir, 'data');
    mkdirSync(data, { recursive: true });
    const configPath = join(this.options.dir, 'prometheus.yml');
    writeFileSync(configPath, this.config());
    await this.server.start(
      tool('prometheus'),
      [
        `--config.file=${configPath}`,
        `--storage.tsdb.path=${data}`,
        `--web.listen-address=127.0.0.1:${this.port}`,
        '--log.level=warn',
      ],
      () => this.ready(),
    );
  }

  private async ready(): Promise<boolean> {
    try {
      const res = await fetch(`${this.url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      return res.ok;
    } catch {
      return false;
    }
  }

  /** An instant query through the HTTP API; throws with Prometheus' error for bad PromQL. */
  async query(promql: string): Promise<PromSample[]> {
    const res = await fetch(`${this.url}/api/v1/query?${new URLSearchParams({ query: promql })}`);
    const body = (await res.json()) as {
      status: string;
      error?: string;
      data?: {
        resultType: string;
        result: Array<{ metric: Record<string, string>; value: [number, string] }>;
      };
    };
    if (body.status !== 'success' || !body.data) {
      throw new Error(`PromQL ${promql}: ${body.error ?? res.status}`);
    }
    if (body.data.resultType !== 'vector') return [];
    return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  }

  /** Health of every scrape target as Prometheus sees it: job → "up" / "down" / "unknown". */
  async targets(): Promise<Record<string, string>> {
    const res = await fetch(`${this.url}/api/v1/targets`);
    const body = (await res.json()) as {
      data: { activeTargets: Array<{ labels: Record<string, string>; health: string }> };
    };
    return Object.fromEntries(body.data.activeTargets.map((t) => [t.labels.job ?? '?', t.health]));
  }

  stop(): Promise<void> {
    return this.server.stop('SIGTERM');
  }
}

export interface PromtoolResult {
  ok: boolean;
  /** What promtool printed (problems, one per line). */
  output: string;
}

/** `promtool check metrics`: the exposition format and Prometheus' naming rules (lint). */
export function checkMetrics(text: string): PromtoolResult {
  const r = spawnSync(tool('promtool'), ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}

/** `promtool check config FILE`. */
export function checkConfig(path: string): PromtoolResult {
  try {
    const out = execFileSync(tool('promtool'), ['check', 'config', path], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { ok: true, output: out.trim() };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}`.trim() };
  }
}
