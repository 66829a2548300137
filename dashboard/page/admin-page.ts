// The admin page (/admin): accounts (role, groups, disabled, password, delete), vehicle groups (vehicles, members) and the audit log.
import { api } from './api.js';
import { byId, el } from './dom.js';
import { loadSession, mountUserBar } from './session.js';

interface User {
  username: string;
  role: string;
  groups: string[];
  disabled: boolean;
}
interface Group {
  id: string;
  name: string;
  devices: string[];
  users: string[];
}
interface AuditEntry {
  time: string;
  user: string;
  action: string;
  target: string | null;
  ip: string | null;
  outcome: string;
}

const ROLES = ['viewer', 'operator', 'admin'];
/** `a, b c` → ['a', 'b', 'c']. */
const words = (text: string): string[] => text.split(/[\s,]+/).filter((w) => w !== '');

function input(value: string, label: string, attrs: Record<string, string> = {}): HTMLInputElement {
  const i = el('input', { attrs: { 'aria-label': label, ...attrs } });
  i.value = value;
  return i;
}

function roleSelect(value: string, label: string): HTMLSelectElement {
  const s = el(
    'select',
    { attrs: { 'aria-label': label } },
    ...ROLES.map((r) => el('option', { text: r, attrs: { value: r } })),
  );
  s.value = value;
  return s;
}

function button(text: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', { text, attrs: { type: 'button' } });
  b.addEventListener('click', onClick);
  return b;
}

export async function startAdminPage(): Promise<void> {
  const session = await loadSession();
  if (!session) return;
  mountUserBar(session, byId('top'));
  const call = api(session);
  const note = byId('admin-note');
  const run = (p: Promise<unknown>, done: string, then?: () => void) =>
    p.then(
      () => {
        note.textContent = done;
        then?.();
      },
      (e: Error) => {
        note.textContent = e.message;
      },
    );

  const users = byId<HTMLTableSectionElement>('user-rows');
  const loadUsers = async () => {
    const list = await call<User[]>('GET', '/api/users');
    users.replaceChildren(
      ...list.map((u) => {
        const role = roleSelect(u.role, `role of ${u.username}`);
        const groups = input(u.groups.join(', '), `groups of ${u.username}`);
        const disabled = input('', `${u.username} disabled`, { type: 'checkbox' });
        disabled.checked = u.disabled;
        const password = input('', `new password for ${u.username}`, {
          type: 'password',
          autocomplete: 'new-password',
          placeholder: 'new password',
        });
        const save = () => {
          const body: Record<string, unknown> = {
            role: role.value,
            groups: words(groups.value),
            disabled: disabled.checked,
          };
          if (password.value !== '') body.password = password.value;
          void run(
            call('PUT', `/api/users/${encodeURIComponent(u.username)}`, body),
            `${u.username} saved`,
            loadUsers,
          );
        };
        const remove = () => {
          if (!confirm(`Delete ${u.username}?`)) return;
          void run(
            call('DELETE', `/api/users/${encodeURIComponent(u.username)}`),
            `${u.username} deleted`,
            loadUsers,
          );
        };
        return el(
          'tr',
          { attrs: { 'data-user': u.username } },
          el('td', { text: u.username }),
          el('td', {}, role),
          el('td', {}, groups),
          el('td', {}, disabled),
          el('td', {}, password),
          el('td', {}, button('Save', save), button('Delete', remove)),
        );
      }),
    );
  };
  const userForm = byId<HTMLFormElement>('user-create');
  userForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const d = new FormData(userForm);
    const password = String(d.get('password') ?? '');
    void run(
      call('POST', '/api/users', {
        username: String(d.get('username')),
        role: String(d.get('role')),
        groups: words(String(d.get('groups') ?? '')),
        ...(password === '' ? {} : { password }),
      }),
      'account created',
      () => {
        userForm.reset();
        void loadUsers();
      },
    );
  });

  const groups = byId<HTMLTableSectionElement>('group-rows');
  const loadGroups = async () => {
    const list = await call<Group[]>('GET', '/api/groups');
    groups.replaceChildren(
      ...list.map((g) => {
        const name = input(g.name, `name of ${g.id}`);
        const devices = el('textarea', {
          attrs: { 'aria-label': `vehicles of ${g.id}`, rows: '2' },
        });
        devices.value = g.devices.join(', ');
        const members = input(g.users.join(', '), `members of ${g.id}`);
        const save = () =>
          void run(
            call('PUT', `/api/groups/${g.id}`, {
              name: name.value,
              devices: words(devices.value),
              users: words(members.value),
            }),
            `${g.id} saved`,
            () => void Promise.all([loadGroups(), loadUsers()]),
          );
        const remove = () => {
          if (!confirm(`Delete group ${g.id}?`)) return;
          void run(
            call('DELETE', `/api/groups/${g.id}`),
            `${g.id} deleted`,
            () => void loadGroups(),
          );
        };
        return el(
          'tr',
          { attrs: { 'data-group': g.id } },
          el('td', { text: g.id }),
          el('td', {}, name),
          el('td', {}, devices),
          el('td', {}, members),
          el('td', {}, button('Save', save), button('Delete', remove)),
        );
      }),
    );
  };
  const groupForm = byId<HTMLFormElement>('group-create');
  groupForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const d = new FormData(groupForm);
    const id = String(d.get('id') ?? '').trim();
    void run(
      call('POST', '/api/groups', {
        ...(id === '' ? {} : { id }),
        name: String(d.get('name')),
        devices: words(String(d.get('devices') ?? '')),
        users: words(String(d.get('users') ?? '')),
      }),
      'group created',
      () => {
        groupForm.reset();
        void Promise.all([loadGroups(), loadUsers()]);
      },
    );
  });

  const audit = byId<HTMLTableSectionElement>('audit-rows');
  const auditForm = byId<HTMLFormElement>('audit-filter');
  const loadAudit = async () => {
    const d = new FormData(auditForm);
    const q = new URLSearchParams({ limit: '200' });
    for (const key of ['user', 'action']) {
      const v = String(d.get(key) ?? '').trim();
      if (v !== '') q.set(key, v);
    }
    const entries = await call<AuditEntry[]>('GET', `/api/audit?${q}`);
    audit.replaceChildren(
      ...entries.map((e) =>
        el(
          'tr',
          { attrs: { 'data-outcome': e.outcome } },
          el('td', { text: new Date(e.time).toLocaleString() }),
          el('td', { text: e.user }),
          el('td', { text: e.action }),
          el('td', { text: e.target ?? '' }),
          el('td', { text: e.ip ?? '' }),
          el('td', { text: e.outcome }),
        ),
      ),
    );
  };
  auditForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void loadAudit().catch((e: Error) => {
      note.textContent = e.message;
    });
  });
  await Promise.all([loadUsers(), loadGroups(), loadAudit()]);
}
