// JSON calls of the account and admin pages: the CSRF header on writes, the error message on failure.
import type { ErrorBody } from '../../core/dashboard-contract.js';
import type { PageSession } from './session.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function api(session: PageSession) {
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && session.csrf_token) headers['X-CSRF-Token'] = session.csrf_token;
    const res = await fetch(path, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (res.status === 204) return undefined as T;
    const json = (await res.json().catch(() => undefined)) as unknown;
    if (!res.ok) {
      throw new ApiError(
        res.status,
        (json as Partial<ErrorBody> | undefined)?.message ?? `HTTP ${res.status}`,
      );
    }
    return json as T;
  };
}
