// Per-vehicle command controls on its card: ping, set interval, set speed limit, and a live status line fed by the `command` event.
import {
  type CommandAccepted,
  type CommandBody,
  type CommandRequest,
  commandsPath,
  type ErrorBody,
} from '../../core/dashboard-contract.js';
import { el } from './dom.js';

interface Panel {
  line: HTMLElement;
  /** The command the line shows (the newest this page knows of). */
  shown: { id: string; createdAt: string } | undefined;
}

/** What a result says, briefly: `{uptime_s: 12.3}` → "uptime_s 12.3". */
function resultText(result: Record<string, unknown> | undefined): string {
  if (!result) return '';
  return Object.entries(result)
    .slice(0, 3)
    .map(([k, v]) => `${k} ${v === null ? 'none' : String(v)}`)
    .join(', ')
    .slice(0, 120);
}

function statusText(c: CommandBody): string {
  const detail = c.status === 'succeeded' ? resultText(c.result) : (c.error ?? '');
  const time = new Date(c.updated_at).toLocaleTimeString([], { hour12: false });
  return `${c.name}: ${c.status}${detail ? ` (${detail.slice(0, 160)})` : ''} · ${time}`;
}

/** `accounts`: AUTH_MODE local or proxy (a session), else the page's API token field decides. */
function refusal(status: number, body: Partial<ErrorBody> | undefined, accounts: boolean): string {
  if (status === 401) {
    return accounts
      ? 'not sent: the session ended (sign in again)'
      : 'not sent: the API token is missing or wrong (enter it at the top)';
  }
  if (status === 403 && !accounts)
    return 'not sent: this dashboard takes no commands (DASHBOARD_API_TOKEN is not set)';
  if (status === 403) {
    const why = typeof body?.message === 'string' ? body.message.slice(0, 200) : 'not allowed';
    return `not sent: ${why}`;
  }
  const message = typeof body?.message === 'string' ? body.message.slice(0, 200) : '';
  return `not sent: HTTP ${status}${message ? `: ${message}` : ''}`;
}

export class CommandPanels {
  private readonly panels = new Map<string, Panel>();

  /**
   * `authorization`: the headers a write carries (the session's CSRF token, or with AUTH_MODE=none
   * the bearer header from the page's API token field); `accounts`: whether people sign in.
   */
  constructor(
    private readonly authorization: () => Record<string, string>,
    private readonly accounts = false,
  ) {}

  /** Adds the controls to a vehicle's card and shows its newest command. */
  attach(deviceId: string, card: HTMLElement): void {
    const line = el('p', {
      className: 'command-status',
      text: 'no command yet',
      attrs: { role: 'status', 'data-status': 'none' },
    });
    const panel: Panel = { line, shown: undefined };
    this.panels.set(deviceId, panel);
    const interval = el('input', {
      className: 'command-interval',
      attrs: {
        type: 'number',
        min: '10',
        max: '60000',
        step: '1',
        placeholder: 'ms',
        'aria-label': 'interval in ms',
      },
    });
    const limit = el('input', {
      className: 'command-limit',
      attrs: {
        type: 'number',
        min: '0',
        max: '300',
        step: 'any',
        placeholder: 'km/h',
        'aria-label': 'speed limit in km/h (empty: none)',
      },
    });
    const button = (text: string, command: string, body: () => CommandRequest | string) => {
      const b = el('button', {
        className: 'command-button',
        text,
        attrs: { type: 'button', 'data-command': command },
      });
      b.addEventListener('click', () => {
        const request = body();
        if (typeof request === 'string') this.show(panel, request, 'refused');
        else void this.send(deviceId, panel, request);
      });
      return b;
    };
    const number = (input: HTMLInputElement) =>
      input.value.trim() === '' ? null : Number(input.value);
    card.append(
      el(
        'section',
        { className: 'commands', attrs: { 'aria-label': `commands for ${deviceId}` } },
        button('Ping', 'ping', () => ({ name: 'ping' })),
        interval,
        button('Set interval', 'set_interval', () => {
          const ms = number(interval);
          return ms === null
            ? 'enter an interval in ms (10–60000)'
            : { name: 'set_interval', params: { interval_ms: ms } };
        }),
        limit,
        button('Set limit', 'set_speed_limit', () => ({
          name: 'set_speed_limit',
          params: { speed_kmh: number(limit) },
        })),
        line,
      ),
    );
    void this.loadNewest(deviceId, panel);
  }

  /** The `command` event: shown when it is the vehicle's newest command (or a newer one). */
  update(c: CommandBody): void {
    const panel = this.panels.get(c.device_id);
    if (!panel) return;
    const shown = panel.shown;
    if (shown && shown.id !== c.command_id && shown.createdAt > c.created_at) return;
    panel.shown = { id: c.command_id, createdAt: c.created_at };
    this.show(panel, statusText(c), c.status);
  }

  private show(panel: Panel, text: string, status: string): void {
    panel.line.textContent = text;
    panel.line.dataset.status = status;
  }

  private async loadNewest(deviceId: string, panel: Panel): Promise<void> {
    try {
      const res = await fetch(`${commandsPath(deviceId)}?limit=1`);
      if (!res.ok) return;
      const [newest] = (await res.json()) as CommandBody[];
      if (newest && !panel.shown) this.update(newest);
    } catch {
      // the line stays as it is; the next event updates it
    }
  }

  private async send(deviceId: string, panel: Panel, request: CommandRequest): Promise<void> {
    this.show(panel, `${request.name}: sending…`, 'sending');
    try {
      const res = await fetch(commandsPath(deviceId), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.authorization() },
        body: JSON.stringify(request),
      });
      const body = (await res.json().catch(() => undefined)) as unknown;
      if (res.status !== 202) {
        this.show(
          panel,
          refusal(res.status, body as Partial<ErrorBody> | undefined, this.accounts),
          'refused',
        );
        return;
      }
      const accepted = body as CommandAccepted;
      // The `command` event for it may have come first; otherwise show it queued now.
      if (panel.shown?.id !== accepted.command_id) {
        panel.shown = { id: accepted.command_id, createdAt: new Date().toISOString() };
        this.show(panel, `${request.name}: queued`, 'queued');
      }
    } catch (err) {
      this.show(panel, `not sent: ${(err as Error).message.slice(0, 120)}`, 'refused');
    }
  }
}
