// Who is at the screen (GET /api/session): the sign-in redirect, the user bar, what the role may do, and the headers every write sends.
import type { ErrorBody } from '../../core/dashboard-contract.js';
import { ApiTokenField } from './api-token.js';
import { el } from './dom.js';

export interface PageSession {
  auth_mode: 'local' | 'none' | 'proxy';
  username: string;
  role: 'viewer' | 'operator' | 'admin';
  groups: string[];
  csrf_token: string | null;
}

/** What a write needs: the session's CSRF header (local, proxy) or the API token field (AUTH_MODE=none). */
export interface WriteAuth {
  headers(): Record<string, string>;
}

export const signInUrl = (): string =>
  `/login?next=${encodeURIComponent(location.pathname + location.search)}`;

/** The caller, or undefined after sending the browser to the sign-in page. */
export async function loadSession(): Promise<PageSession | undefined> {
  const res = await fetch('/api/session', { cache: 'no-store' });
  if (res.status === 401) {
    location.assign(signInUrl());
    return undefined;
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => undefined)) as Partial<ErrorBody> | undefined;
    document.body.prepend(
      el('p', { className: 'session-problem', text: body?.message ?? `HTTP ${res.status}` }),
    );
    return undefined;
  }
  const session = (await res.json()) as PageSession;
  document.body.dataset.role = session.role;
  document.body.dataset.authMode = session.auth_mode;
  return session;
}

/**
 * Commands and alarm acknowledgements: operators and admins. With AUTH_MODE=none everyone is an
 * anonymous viewer and the API token decides, as before accounts existed.
 */
export const mayAct = (s: PageSession): boolean => s.auth_mode === 'none' || s.role !== 'viewer';

/** The token box with AUTH_MODE=none; otherwise it goes away and writes carry the CSRF token. */
export function writeAuth(s: PageSession): WriteAuth {
  const form = document.getElementById('token-form') as HTMLFormElement | null;
  if (s.auth_mode !== 'none' || !form) {
    form?.remove();
    const csrf = s.csrf_token;
    const headers: Record<string, string> = csrf === null ? {} : { 'X-CSRF-Token': csrf };
    return { headers: () => headers };
  }
  const token = new ApiTokenField(
    form,
    form.querySelector('#api-token') as HTMLInputElement,
    form.querySelector('#token-forget') as HTMLButtonElement,
    form.querySelector('#token-state') as HTMLElement,
  );
  token.start();
  return token;
}

async function signOut(): Promise<void> {
  const session = await fetch('/api/session').then((r) =>
    r.ok ? (r.json() as Promise<PageSession>) : undefined,
  );
  await fetch('/api/session', {
    method: 'DELETE',
    headers: session?.csrf_token ? { 'X-CSRF-Token': session.csrf_token } : {},
  });
  location.assign('/login');
}

/** The signed-in name and role, links to the account and admin pages, sign-out (local mode). */
export function mountUserBar(s: PageSession, where: HTMLElement): void {
  if (s.auth_mode === 'none') return;
  const bar = el(
    'nav',
    { className: 'user-bar', attrs: { 'aria-label': 'Account' } },
    el('span', { className: 'user-name', text: s.username, attrs: { id: 'user-name' } }),
    el('span', { className: 'user-role', text: s.role, attrs: { id: 'user-role' } }),
  );
  if (s.auth_mode === 'local')
    bar.append(el('a', { text: 'Account', attrs: { href: '/account' } }));
  if (s.role === 'admin') {
    bar.append(el('a', { text: 'Admin', attrs: { href: '/admin', id: 'admin-link' } }));
  }
  if (s.auth_mode === 'local') {
    const out = el('button', { text: 'Sign out', attrs: { type: 'button', id: 'sign-out' } });
    out.addEventListener('click', () => void signOut());
    bar.append(out);
  }
  where.append(bar);
}
