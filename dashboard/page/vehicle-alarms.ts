// The vehicle page's alarm history: GET /api/alarms?device_id=&state=all, then live `alarm` events; text only via textContent.
import type { Alarm } from '../../core/contract.js';
import { ALARMS_PATH } from '../../core/dashboard-contract.js';
import { el, formatTime } from './dom.js';

const SHOWN = 50;

export class VehicleAlarms {
  private readonly alarms = new Map<string, Alarm>();

  constructor(
    private readonly deviceId: string,
    private readonly list: HTMLUListElement,
    private readonly empty: HTMLElement,
  ) {}

  async load(): Promise<void> {
    const q = new URLSearchParams({ device_id: this.deviceId, state: 'all', limit: String(SHOWN) });
    try {
      const res = await fetch(`${ALARMS_PATH}?${q}`);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      for (const a of (await res.json()) as Alarm[]) this.alarms.set(a.id, a);
      this.render();
    } catch (err) {
      this.empty.textContent = `Alarms unavailable (${(err as Error).message}).`;
    }
  }

  apply(alarm: Alarm): void {
    if (alarm.device_id !== this.deviceId) return;
    this.alarms.set(alarm.id, alarm);
    this.render();
  }

  /** Active ones (for the card's badge). */
  active(): Alarm[] {
    return [...this.alarms.values()].filter((a) => a.state !== 'cleared');
  }

  private render(): void {
    const sorted = [...this.alarms.values()]
      .sort((a, b) => b.started_at.localeCompare(a.started_at))
      .slice(0, SHOWN);
    this.list.replaceChildren(
      ...sorted.map((a) =>
        el(
          'li',
          { attrs: { 'data-alarm': a.id, 'data-state': a.state, 'data-severity': a.severity } },
          el('span', { className: 'rule', text: a.rule }),
          el('span', { className: 'state', text: a.state }),
          el('span', { className: 'message', text: a.message }),
          el('span', { className: 'time', text: formatTime(a.started_at) }),
        ),
      ),
    );
    this.empty.hidden = sorted.length > 0;
  }
}
