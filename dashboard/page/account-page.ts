// The account page (/account): one's personal API tokens (create: shown once; revoke) and a password change.
import { api } from './api.js';
import { byId, el } from './dom.js';
import { loadSession, mountUserBar } from './session.js';

interface TokenRow {
  id: string;
  name: string;
  username: string;
  created_at: string;
  expires_at: string;
  last_used_at: string | null;
}

const day = (iso: string | null) => (iso === null ? 'never' : new Date(iso).toLocaleString());

export async function startAccountPage(): Promise<void> {
  const session = await loadSession();
  if (!session) return;
  mountUserBar(session, byId('top'));
  const call = api(session);
  byId('account-name').textContent = `${session.username} (${session.role})`;
  byId('account-groups').textContent = session.groups.length ? session.groups.join(', ') : 'none';
  const list = byId<HTMLTableSectionElement>('token-rows');
  const shown = byId('token-shown');
  const note = byId('token-note');

  const load = async () => {
    const tokens = await call<TokenRow[]>('GET', '/api/tokens');
    list.replaceChildren(
      ...tokens.map((t) => {
        const revoke = el('button', { text: 'Revoke', attrs: { type: 'button' } });
        revoke.addEventListener('click', () => {
          call('DELETE', `/api/tokens/${t.id}`).then(load, (e: Error) => {
            note.textContent = e.message;
          });
        });
        return el(
          'tr',
          { attrs: { 'data-token': t.id } },
          el('td', { text: t.name }),
          el('td', { text: t.username }),
          el('td', { text: day(t.created_at) }),
          el('td', { text: day(t.expires_at) }),
          el('td', { text: day(t.last_used_at) }),
          el('td', {}, revoke),
        );
      }),
    );
  };
  const form = byId<HTMLFormElement>('token-create');
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const days = Number(data.get('days'));
    call<{ token: string }>('POST', '/api/tokens', {
      name: String(data.get('name')),
      ...(days > 0 ? { expires_in_days: days } : {}),
    }).then(
      (created) => {
        shown.textContent = created.token;
        shown.parentElement?.removeAttribute('hidden');
        note.textContent = 'Copy it now: it is not shown again.';
        form.reset();
        void load();
      },
      (e: Error) => {
        note.textContent = e.message;
      },
    );
  });

  const pw = byId<HTMLFormElement>('password-form');
  const pwNote = byId('password-note');
  if (session.auth_mode !== 'local') pw.hidden = true;
  pw.addEventListener('submit', (event) => {
    event.preventDefault();
    const data = new FormData(pw);
    call<{ csrf_token: string }>('POST', '/api/session/password', {
      current_password: String(data.get('current')),
      new_password: String(data.get('new')),
    }).then(
      (fresh) => {
        session.csrf_token = fresh.csrf_token;
        pwNote.textContent = 'Password changed; other sessions of this account are signed out.';
        pw.reset();
      },
      (e: Error) => {
        pwNote.textContent = e.message;
      },
    );
  });
  await load();
}
