// The "API token" field: the bearer token for command requests, kept in sessionStorage (this tab only; never in the URL or localStorage).
import { el } from './dom.js';

const KEY = 'dashboard-api-token';

/**
 * Why sessionStorage: the token survives a reload of the tab but not the tab itself, and is never
 * written where other tabs, the history or a server log could see it. Reading it may throw when
 * storage is disabled; the field then works for this page view only.
 */
export class ApiTokenField {
  private value = '';

  /** Adds the field to `parent` and restores the tab's token. */
  mount(parent: HTMLElement): void {
    try {
      this.value = sessionStorage.getItem(KEY) ?? '';
    } catch {
      this.value = '';
    }
    const input = el('input', {
      attrs: {
        id: 'api-token',
        type: 'password',
        autocomplete: 'off',
        spellcheck: 'false',
        placeholder: 'for commands',
      },
    });
    input.value = this.value;
    input.addEventListener('input', () => {
      this.value = input.value.trim();
      try {
        if (this.value === '') sessionStorage.removeItem(KEY);
        else sessionStorage.setItem(KEY, this.value);
      } catch {
        // storage disabled: kept in memory only
      }
    });
    parent.append(el('label', { className: 'api-token', text: 'API token ' }, input));
  }

  get token(): string {
    return this.value;
  }
}
