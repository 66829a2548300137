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
    const params = queryParams(statement, database, retentionPolicy, chunked);
    const res =
      method === 'GET'
        ? await this.request(this.url('query', params))
        : await this.request(this.url('query'), { method: 'POST', body: formBody(params) });
    return joinChunks(parseChunks(await res.text())).flat();
  }

  /**
   * Runs several statements in one request (POST, separated by semicolons; the server runs them
   * in order) and returns each statement's series, in statement order.
   */
  async queryEach(
    statements: readonly string[],
    database: string | undefined,
    retentionPolicy?: string,
  ): Promise<InfluxSeries[][]> {
    if (statements.length === 0) return [];
    const params = queryParams(statements.join(';\n'), database, retentionPolicy, true);
    const res = await this.request(this.url('query'), { method: 'POST', body: formBody(params) });
    const perStatement = joinChunks(parseChunks(await res.text()));
    return statements.map((_, i) => perStatement[i] ?? []);
  }

  /**
   * Like queryEach, but hands over each chunk (at most CHUNK_ROWS rows) as it arrives instead of
   * holding the whole answer: what reads millions of rows in a process with a small heap.
   */
  async stream(
    statements: readonly string[],
    database: string | undefined,
    onSeries: (statement: number, series: InfluxSeries) => void,
    chunkRows = CHUNK_ROWS,
  ): Promise<void> {
    if (statements.length === 0) return;
    const params = queryParams(statements.join(';\n'), database, undefined, true, chunkRows);
    const res = await this.request(this.url('query'), { method: 'POST', body: formBody(params) });
    const body = res.body;
    if (!body) return;
    const decoder = new TextDecoder();
    let pending = '';
    const handle = (line: string) => {
      if (line.trim() === '') return;
      const chunk = JSON.parse(line) as QueryChunk;
      if (chunk.error) throw new InfluxHttpError(200, `InfluxQL error: ${chunk.error}`);
      for (const [i, result] of (chunk.results ?? []).entries()) {
        if (result.error) throw new InfluxHttpError(200, `InfluxQL error: ${result.error}`);
        for (const s of result.series ?? []) onSeries(result.statement_id ?? i, s);
      }
    };
    const reader = body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        pending += decoder.decode(value, { stream: true });
        let newline = pending.indexOf('\n');
        while (newline >= 0) {
          handle(pending.slice(0, newline));
          pending = pending.slice(newline + 1);
          newline = pending.indexOf('\n');
        }
      }
      handle(pending + decoder.decode());
    } catch (err) {
      await reader.cancel().catch(() => {});
      throw err;
    }
  }

  /**
   * 1.x line protocol write (ns times): lines, or a body already encoded (pointLines); resolves on
   * 2xx only (InfluxDB took the whole body). One
   * partial write is an answer, not a failure: points older than the retention policy's duration,
   * which InfluxDB 1.x drops (400 "points beyond retention policy dropped=N") while storing the
   * rest. Such a reading is as gone as one retention deleted a moment later, so the write resolves
   * with how many were dropped; any other refusal rejects.
   */
  async write(
    lines: readonly string[] | Uint8Array<ArrayBuffer>,
    database: string,
    retentionPolicy?: string,
  ): Promise<{ droppedOld: number }> {
    const url = this.url('write', { db: database, rp: retentionPolicy, precision: 'ns' });
    try {
      const res = await this.request(url, {
        method: 'POST',
        body: lines instanceof Uint8Array ? lines : lines.join('\n'),
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      });
      await res.arrayBuffer();
      return { droppedOld: 0 };
    } catch (err) {
      const beyond =
        err instanceof InfluxHttpError && err.status === 400
          ? /partial write: points beyond retention policy dropped=(\d+)"/.exec(err.message)
          : null;
      if (!beyond) throw err;
      return { droppedOld: Number(beyond[1]) };
    }
  }
}

/** Rows per chunk of a chunked answer. */
const CHUNK_ROWS = 10_000;

function queryParams(
  statement: string,
  database: string | undefined,
  retentionPolicy: string | undefined,
  chunked: boolean,
  chunkRows = CHUNK_ROWS,
): Record<string, string | undefined> {
  return {
    q: statement,
    db: database,
    rp: retentionPolicy,
    epoch: 'ms',
    ...(chunked ? { chunked: 'true', chunk_size: String(chunkRows) } : {}),
  };
}

function formBody(params: Record<string, string | undefined>): URLSearchParams {
  return new URLSearchParams(
    Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined),
  );
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

/** Series per statement, pieces of one series (chunks) joined. */
function joinChunks(chunks: QueryChunk[]): InfluxSeries[][] {
  const out: Array<Map<string, InfluxSeries>> = [];
  for (const chunk of chunks) {
    if (chunk.error) throw new InfluxHttpError(200, `InfluxQL error: ${chunk.error}`);
    for (const [i, result] of (chunk.results ?? []).entries()) {
      if (result.error) throw new InfluxHttpError(200, `InfluxQL error: ${result.error}`);
      const id = result.statement_id ?? i;
      let byKey = out[id];
      if (!byKey) {
        byKey = new Map();
        out[id] = byKey;
      }
      for (const s of result.series ?? []) {
        const key = `${s.name ?? ''}\n${JSON.stringify(s.tags ?? {})}`;
        const seen = byKey.get(key);
        if (seen) for (const row of s.values ?? []) seen.values.push(row);
        else
          byKey.set(key, {
            name: s.name,
            tags: s.tags,
            columns: s.columns,
            values: [...(s.values ?? [])],
          });
      }
    }
  }
  return Array.from(out, (byKey) => (byKey ? [...byKey.values()] : []));
}
