// Plain HTTP to InfluxDB for what the official client does not cover: /ping, InfluxQL /query, 1.x /write.

/** A non-2xx answer (or a statement error inside a 200) from InfluxDB. */
export class InfluxHttpError extends Error {
  readonly code = 'INFLUX_HTTP';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'InfluxHttpError';
  }
}

export interface InfluxSeries {
  name?: string;
  tags?: Record<string, string>;
  columns: string[];
  values: unknown[][];
}

interface QueryChunk {
  results?: Array<{
    statement_id?: number;
    series?: Array<InfluxSeries & { partial?: boolean }>;
    error?: string;
  }>;
  error?: string;
}

export interface InfluxHttpOptions {
  url: string;
  timeoutMs: number;
  /** Authorization header value, if any. */
  authorization?: string | undefined;
}

export interface PingResult {
  /** X-Influxdb-Version, e.g. `1.6.7~rc0`, `v2.7.10`, `3.0.1`; absent on VictoriaMetrics. */
  version: string | undefined;
}

export class InfluxHttp {
  constructor(private readonly options: InfluxHttpOptions) {}

  private url(path: string, params: Record<string, string | undefined> = {}): string {
    const url = new URL(
      path,
      this.options.url.endsWith('/') ? this.options.url : `${this.options.url}/`,
    );
    for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
    return url.toString();
  }

  private async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.options.authorization) headers.set('authorization', this.options.authorization);
    const res = await fetch(url, {
      ...init,
      headers,
      signal: AbortSignal.timeout(this.options.timeoutMs),
    });
    if (!res.ok) {
      const body = (await res.text().catch(() => '')).trim().slice(0, 500);
      throw new InfluxHttpError(
        res.status,
        `InfluxDB ${new URL(url).pathname} answered ${res.status}: ${body}`,
      );
    }
    return res;
  }

  /** /ping needs no auth on any version; 204 (or 200) means the server is up. */
  async ping(): Promise<PingResult> {
    const res = await this.request(this.url('ping'));
    await res.arrayBuffer();
    return { version: res.headers.get('x-influxdb-version') ?? undefined };
  }

  /**
   * Runs one InfluxQL statement and returns its series. `chunked` streams large results in pieces
   * (a server's max-row-limit then cannot truncate them); pieces of one series are joined here.
   */
  async query(
    statement: string,
    database: string | undefined,
    {
      method = 'GET',
      chunked = false,
      retentionPolicy,
    }: { method?: 'GET' | 'POST'; chunked?: boolean; retentionPolicy?: string | undefined } = {},
  ): Promise<InfluxSeries[]> {
    const params = {
      q: statement,
      db: database,
      rp: retentionPolicy,
      epoch: 'ms',
      ...(chunked ? { chunked: 'true', chunk_size: '10000' } : {}),
    };
    const res =
      method === 'GET'
        ? await this.request(this.url('query', params))
        : await this.request(this.url('query'), {
            method: 'POST',
            body: new URLSearchParams(
              Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined),
            ),
          });
    return joinChunks(parseChunks(await res.text()));
  }

  /** 1.x line protocol write (ns times); resolves on 2xx only (InfluxDB took the whole body). */
  async write(lines: readonly string[], database: string, retentionPolicy?: string): Promise<void> {
    const url = this.url('write', { db: database, rp: retentionPolicy, precision: 'ns' });
    const res = await this.request(url, {
      method: 'POST',
      body: lines.join('\n'),
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
    await res.arrayBuffer();
  }
}

function parseChunks(text: string): QueryChunk[] {
  // Chunked answers are one JSON document per line; a plain answer is a single document.
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  try {
    return lines.map((l) => JSON.parse(l) as QueryChunk);
  } catch {
    return [JSON.parse(text) as QueryChunk];
  }
}

function joinChunks(chunks: QueryChunk[]): InfluxSeries[] {
  const out = new Map<string, InfluxSeries>();
  for (const chunk of chunks) {
    if (chunk.error) throw new InfluxHttpError(200, `InfluxQL error: ${chunk.error}`);
    for (const result of chunk.results ?? []) {
      if (result.error) throw new InfluxHttpError(200, `InfluxQL error: ${result.error}`);
      for (const s of result.series ?? []) {
        const key = `${s.name ?? ''}\n${JSON.stringify(s.tags ?? {})}`;
        const seen = out.get(key);
        if (seen) for (const row of s.values ?? []) seen.values.push(row);
        else
          out.set(key, {
            name: s.name,
            tags: s.tags,
            columns: s.columns,
            values: [...(s.values ?? [])],
          });
      }
    }
  }
  return [...out.values()];
}
