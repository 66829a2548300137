// The sign-in page (/login): username and password to POST /api/session, then on to the page asked for.
import type { ErrorBody } from '../../core/dashboard-contract.js';
import { byId } from './dom.js';

/** Only a path on this server (never another site: no open redirect). */
function nextPath(): string {
  const next = new URLSearchParams(location.search).get('next') ?? '/';
  return next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

export async function startLoginPage(): Promise<void> {
  const form = byId<HTMLFormElement>('login-form');
  const note = byId('login-note');
  // Already signed in (a second tab, the back button): straight on.
  const current = await fetch('/api/session', { cache: 'no-store' });
  if (current.ok) {
    location.replace(nextPath());
    return;
  }
  form.hidden = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const button = form.querySelector('button') as HTMLButtonElement;
    button.disabled = true;
    note.textContent = '';
    fetch('/api/session', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: data.get('username'), password: data.get('password') }),
    })
      .then(async (res) => {
        if (res.ok) {
          location.replace(nextPath());
          return;
        }
        const body = (await res.json().catch(() => undefined)) as Partial<ErrorBody> | undefined;
        note.textContent =
          res.status === 401
            ? 'Wrong username or password.'
            : (body?.message ?? `Sign-in failed (HTTP ${res.status}).`);
        button.disabled = false;
      })
      .catch((err: Error) => {
        note.textContent = `Sign-in failed: ${err.message}`;
        button.disabled = false;
      });
  });
}
