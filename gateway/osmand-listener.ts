// The OsmAnd HTTP input (OSMAND_PORT): any method and path, query or form parameters or a JSON body; 200 once the fix is durable, 400/403/413/503 with a reason.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../core/log.js';
import type { SignalCatalog } from '../core/signals/catalog.js';
import type { Intake } from './intake.js';
import { decodeOsmand } from './osmand.js';

/** A form or JSON body of one position is a few hundred bytes; a client's batch a few hundred KB. */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface OsmandTimeouts {
  /** The whole request (headers and body) must arrive within this: a slow sender is cut off. */
  requestMs: number;
  headersMs: number;
  /** An idle kept-alive connection is closed after this. */
  keepAliveMs: number;
}

export const DEFAULT_OSMAND_TIMEOUTS: OsmandTimeouts = {
  requestMs: 30_000,
  headersMs: 10_000,
  keepAliveMs: 65_000,
};

/**
 * Open connections at once (a phone keeps one alive). A request line or headers over Node's
 * 16 KiB limit are refused by Node itself (431) before any of it is parsed.
 */
const MAX_CONNECTIONS = 20_000;

export interface OsmandListenerOptions {
  host: string;
  port: number;
  intake: Intake;
  catalog: SignalCatalog;
  now: () => number;
  log: Logger;
  timeouts?: Partial<OsmandTimeouts>;
}

export interface OsmandCounters {
  requests: number;
  answered: Record<number, number>;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function addParams(into: Map<string, string[]>, search: URLSearchParams): void {
  for (const [k, v] of search) {
    const list = into.get(k);
    if (list) list.push(v);
    else into.set(k, [v]);
  }
}

export class OsmandListener {
  private server: Server | undefined;
  readonly counters: OsmandCounters = { requests: 0, answered: {} };

  constructor(private readonly options: OsmandListenerOptions) {}

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  async start(): Promise<void> {
    const t = { ...DEFAULT_OSMAND_TIMEOUTS, ...this.options.timeouts };
    const server = createServer(
      {
        requestTimeout: t.requestMs,
        headersTimeout: t.headersMs,
        // How often Node looks for requests past those deadlines (its default: every 30 s).
        connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(t.headersMs / 4))),
      },
      (req, res) => {
        this.handle(req, res).catch((err: unknown) => {
          this.options.log.error({ err }, 'osmand request failed');
          this.answer(res, 500, 'internal error');
        });
      },
    );
    server.keepAliveTimeout = t.keepAliveMs;
    server.maxConnections = MAX_CONNECTIONS;
    // A malformed request line, an oversized header: answered by Node (400/431) without harm.
    server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  private answer(res: ServerResponse, status: number, text: string): void {
    this.counters.answered[status] = (this.counters.answered[status] ?? 0) + 1;
    if (res.headersSent) return;
    const body = text === '' ? '' : `${text}\n`;
    res.writeHead(status, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      ...(status === 503 ? { 'retry-after': '30' } : {}),
    });
    res.end(body);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.counters.requests += 1;
    const { intake, catalog, now } = this.options;
    const url = new URL(req.url ?? '/', 'http://gateway');
    const params = new Map<string, string[]>();
    addParams(params, url.searchParams);
    let body: Buffer;
    try {
      body = await readBody(req);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        res.setHeader('connection', 'close');
        this.answer(res, 413, `body over ${MAX_BODY_BYTES} bytes`);
        return;
      }
      throw err;
    }
    let json: unknown;
    if (body.length > 0) {
      const type = (req.headers['content-type'] ?? '').toLowerCase();
      const text = body.toString('utf8');
      if (type.includes('json') || (!type.includes('form') && text.trimStart().startsWith('{'))) {
        try {
          json = JSON.parse(text);
        } catch {
          this.answer(res, 400, 'body: not valid JSON');
          return;
        }
      } else addParams(params, new URLSearchParams(text));
    }
    const decoded = decodeOsmand(
      { params, ...(json === undefined ? {} : { json }), now: now() },
      catalog.custom.map((s) => s.key),
    );
    if (!decoded.ok) {
      this.answer(res, 400, decoded.reason);
      return;
    }
    const result = await intake.accept('osmand', decoded.deviceId, decoded.fixes);
    if (!result.ok) {
      this.answer(res, result.status, result.reason);
      return;
    }
    if (result.stored + result.duplicates === 0) {
      const reasons = [...new Set(result.skipped.map((s) => s.reason))].join(', ');
      this.answer(res, 400, `nothing to store: ${reasons}`);
      return;
    }
    this.answer(res, 200, '');
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    // Requests under way finish (they wait for one commit); idle kept-alive connections close now.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const timer = setTimeout(() => server.closeAllConnections(), 2000);
    await closed;
    clearTimeout(timer);
  }
}
