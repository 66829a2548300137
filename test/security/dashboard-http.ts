// Raw HTTP for the security tests (node:http: any method, header or path as given, no client-side normalisation).
import { request as httpRequest } from 'node:http';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed JSON body; undefined when the body is not JSON. */
  json: unknown;
}

export interface RawRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export function send(base: string, path: string, req: RawRequest = {}): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const r = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: req.method ?? 'GET',
        path,
        headers: {
          ...(req.body === undefined
            ? {}
            : { 'content-length': String(Buffer.byteLength(req.body)) }),
          ...req.headers,
        },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

/** Anything a response must never carry: stack frames, file paths, error class names. */
export const LEAK =
  /\bat \S+:\d+|node_modules|\/work\/|\/tmp\/|\.ts\b|Error:|TypeError|SyntaxError|\bstack\b/;

/** An error body is exactly `{error, message}` with strings, and leaks nothing. */
export function isCleanErrorBody(res: RawResponse): boolean {
  const body = res.json as Record<string, unknown> | undefined;
  return (
    body !== undefined &&
    body !== null &&
    Object.keys(body).sort().join() === 'error,message' &&
    typeof body.error === 'string' &&
    typeof body.message === 'string' &&
    !LEAK.test(res.text) &&
    String(res.headers['content-type']).startsWith('application/json')
  );
}
