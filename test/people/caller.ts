// An HTTP caller of the dashboard as a person: signs in (session cookie + CSRF token) or uses a bearer token, then sends requests as that identity.
import { type RawResponse, send } from '../security/dashboard-http.js';

export interface Request {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** The session cookie a Set-Cookie header sets (name=value), if any. */
export function sessionCookie(res: RawResponse): string | undefined {
  const raw = res.headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  return list
    .map((c) => c.split(';')[0] ?? '')
    .find((c) => /^(__Host-)?telemetry_session=./.test(c));
}

export class Caller {
  cookie: string | undefined;
  csrf: string | undefined;
  bearer: string | undefined;

  constructor(
    readonly base: string,
    readonly label: string,
  ) {}

  static anonymous(base: string): Caller {
    return new Caller(base, 'anonymous');
  }

  static async signIn(base: string, username: string, password: string): Promise<Caller> {
    const c = new Caller(base, username);
    const res = await c.login(username, password);
    if (res.status !== 200) throw new Error(`sign-in of ${username}: ${res.status} ${res.text}`);
    return c;
  }

  static withToken(base: string, label: string, token: string): Caller {
    const c = new Caller(base, label);
    c.bearer = token;
    return c;
  }

  /** POST /api/session; on success this caller uses the new cookie and CSRF token. */
  async login(username: string, password: string): Promise<RawResponse> {
    const res = await this.send('/api/session', { method: 'POST', body: { username, password } });
    const cookie = sessionCookie(res);
    if (res.status === 200 && cookie) {
      this.cookie = cookie;
      this.csrf = (res.json as { csrf_token: string }).csrf_token;
    }
    return res;
  }

  headers(method: string): Record<string, string> {
    return {
      ...(this.cookie ? { cookie: this.cookie } : {}),
      ...(this.bearer ? { authorization: `Bearer ${this.bearer}` } : {}),
      ...(this.csrf && method !== 'GET' && method !== 'HEAD' ? { 'x-csrf-token': this.csrf } : {}),
    };
  }

  send(path: string, req: Request = {}): Promise<RawResponse> {
    const method = req.method ?? 'GET';
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    return send(this.base, path, {
      method,
      headers: {
        ...this.headers(method),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...req.headers,
      },
      ...(body === undefined ? {} : { body }),
    });
  }
}
