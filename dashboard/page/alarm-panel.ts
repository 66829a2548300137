// The alarm panel: active alarms (newest first) with an ack button each, kept current by `alarm` events; text only via textContent.
import type { Alarm, AlarmSeverity } from '../../core/contract.js';
import { ALARMS_PATH, alarmAckPath, type ErrorBody } from '../../core/dashboard-contract.js';
import { el, formatTime } from './dom.js';
import type { WriteAuth } from './session.js';

export interface AlarmPanelParts {
  list: HTMLUListElement;
  empty: HTMLElement;
  count: HTMLElement;
  note: HTMLElement;
}

const SEVERITY_ORDER: Record<AlarmSeverity, number> = {
  critical: 0,
  major: 1,
  minor: 2,
  warning: 3,
  info: 4,
};

/** What a failed ack means for the person who clicked. */
function ackProblem(
  status: number,
  body: Partial<ErrorBody> | undefined,
  accounts: boolean,
): string {
  if (status === 401) {
    return accounts
      ? 'Not accepted (401): the session ended; sign in again.'
      : 'The API token was not accepted (401). Enter the dashboard’s API token above and try again.';
  }
  if (status === 403 && !accounts) {
    return 'This dashboard accepts no writes (403): its DASHBOARD_API_TOKEN is not set.';
  }
  if (status === 403) {
    return `Not allowed (403): ${body?.message ?? 'this account may not acknowledge alarms'}.`;
  }
  return `Acknowledging failed (${status}): ${body?.message ?? 'no answer'}`;
}

export class AlarmPanel {
  private readonly active = new Map<string, Alarm>();
  private readonly listeners: Array<(byDevice: ReadonlyMap<string, Alarm[]>) => void> = [];

  constructor(
    private readonly parts: AlarmPanelParts,
    private readonly token: WriteAuth,
    /** Operators and admins acknowledge; viewers see the alarms only. */
    private readonly mayAck = true,
    /** People sign in (AUTH_MODE local or proxy); else the API token field decides. */
    private readonly accounts = false,
  ) {}

  /** Called with the active alarms per device after every change (badges on the cards). */
  onChange(listener: (byDevice: ReadonlyMap<string, Alarm[]>) => void): void {
    this.listeners.push(listener);
  }

  /** One vehicle's active alarms (a card created after the list loaded). */
  activeOf(deviceId: string): Alarm[] {
    return [...this.active.values()].filter((a) => a.device_id === deviceId);
  }

  /** The active set from the server (on load and after a reconnect). */
  async load(): Promise<void> {
    try {
      const res = await fetch(`${ALARMS_PATH}?state=active&limit=1000`);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const alarms = (await res.json()) as Alarm[];
      this.active.clear();
      for (const a of alarms) this.active.set(a.id, a);
      this.render();
    } catch (err) {
      this.say(`Alarms unavailable (${(err as Error).message}); live updates still arrive.`);
    }
  }

  /** One `alarm` event: an open, update, acknowledgement or clear. */
  apply(alarm: Alarm): void {
    if (alarm.state === 'cleared') this.active.delete(alarm.id);
    else this.active.set(alarm.id, alarm);
    this.render();
  }

  private say(text: string | undefined): void {
    this.parts.note.textContent = text ?? '';
    this.parts.note.hidden = text === undefined;
  }

  private async acknowledge(alarm: Alarm, button: HTMLButtonElement): Promise<void> {
    button.disabled = true;
    this.say(undefined);
    try {
      const res = await fetch(alarmAckPath(alarm.id), {
        method: 'POST',
        headers: this.token.headers(),
      });
      const body = (await res.json().catch(() => undefined)) as
        | Alarm
        | Partial<ErrorBody>
        | undefined;
      if (res.status === 200) this.apply(body as Alarm);
      else if (res.status === 202)
        this.say('Acknowledgement sent; waiting for the collector to apply it.');
      else {
        this.say(ackProblem(res.status, body as Partial<ErrorBody>, this.accounts));
        button.disabled = false;
      }
    } catch (err) {
      this.say(`Acknowledging failed: ${(err as Error).message}`);
      button.disabled = false;
    }
  }

  private item(a: Alarm): HTMLLIElement {
    const ack = el('button', {
      className: 'ack',
      text: a.state === 'open' ? 'Acknowledge' : 'Acknowledged',
    });
    ack.type = 'button';
    ack.disabled = a.state !== 'open';
    ack.hidden = !this.mayAck;
    ack.addEventListener('click', () => void this.acknowledge(a, ack));
    return el(
      'li',
      {
        className: 'alarm',
        attrs: {
          'data-alarm': a.id,
          'data-state': a.state,
          'data-severity': a.severity,
          'data-device': a.device_id ?? '',
        },
      },
      el('span', { className: 'severity', text: a.severity }),
      el('strong', { className: 'rule', text: a.rule }),
      el('span', { className: 'device', text: a.device_id ?? 'whole fleet' }),
      el('span', { className: 'since', text: `since ${formatTime(a.started_at)}` }),
      el('span', { className: 'message', text: a.message }),
      ack,
    );
  }

  private render(): void {
    const alarms = [...this.active.values()].sort(
      (a, b) =>
        SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] ||
        b.started_at.localeCompare(a.started_at),
    );
    this.parts.list.replaceChildren(...alarms.map((a) => this.item(a)));
    this.parts.empty.hidden = alarms.length > 0;
    this.parts.count.textContent = String(alarms.length);
    this.parts.count.dataset.count = String(alarms.length);
    const byDevice = new Map<string, Alarm[]>();
    for (const a of alarms) {
      if (a.device_id !== null)
        byDevice.set(a.device_id, [...(byDevice.get(a.device_id) ?? []), a]);
    }
    for (const l of this.listeners) l(byDevice);
  }
}
