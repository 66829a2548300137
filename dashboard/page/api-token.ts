// The page's API token field: kept in sessionStorage (this tab only), sent as a bearer token by writes such as an alarm ack.

const KEY = 'telemetry.apiToken';

/**
 * Why sessionStorage: the token is a secret of the person at the screen; it should not outlive the
 * tab nor be shared with other tabs or sites. The field never shows it back (type=password).
 */
export class ApiTokenField {
  private token: string | undefined;

  constructor(
    private readonly form: HTMLFormElement,
    private readonly input: HTMLInputElement,
    private readonly forget: HTMLButtonElement,
    private readonly state: HTMLElement,
  ) {}

  start(): void {
    this.token = sessionStorage.getItem(KEY) ?? undefined;
    this.form.addEventListener('submit', (event) => {
      event.preventDefault(); // no navigation (and CSP's form-action 'none' forbids one anyway)
      const value = this.input.value.trim();
      this.set(value === '' ? undefined : value);
      this.input.value = '';
    });
    this.forget.addEventListener('click', () => this.set(undefined));
    this.show();
  }

  private set(token: string | undefined): void {
    this.token = token;
    if (token === undefined) sessionStorage.removeItem(KEY);
    else sessionStorage.setItem(KEY, token);
    this.show();
  }

  private show(): void {
    this.state.textContent = this.token === undefined ? 'no token' : 'token set';
    this.state.dataset.set = String(this.token !== undefined);
    this.forget.hidden = this.token === undefined;
  }

  /** Headers for a write request. */
  headers(): Record<string, string> {
    return this.token === undefined ? {} : { Authorization: `Bearer ${this.token}` };
  }

  get present(): boolean {
    return this.token !== undefined;
  }
}
