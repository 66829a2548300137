// The latest-speed table: one row per vehicle with status, speed and the reading's device time.
import type { DeviceState } from '../../core/dashboard-contract.js';
import { compareIds, el, formatSpeed, formatTime } from './dom.js';

interface Row {
  tr: HTMLTableRowElement;
  status: HTMLElement;
  speed: HTMLElement;
  time: HTMLElement;
  /** Device time of the reading shown, ms. */
  shownAt: number;
}

export class LatestTable {
  private readonly rows = new Map<string, Row>();

  constructor(private readonly body: HTMLTableSectionElement) {}

  private row(deviceId: string): Row {
    let row = this.rows.get(deviceId);
    if (row) return row;
    const status = el('span', { className: 'status', text: 'unknown' });
    const speed = el('td', { className: 'speed', text: '–' });
    const time = el('td', { className: 'time', text: '–' });
    const tr = el(
      'tr',
      { attrs: { 'data-device': deviceId, 'data-status': 'unknown' } },
      el('th', { text: deviceId, attrs: { scope: 'row' } }),
      el('td', {}, status),
      speed,
      time,
    );
    row = { tr, status, speed, time, shownAt: Number.NEGATIVE_INFINITY };
    const next = [...this.rows.keys()].sort(compareIds).find((id) => compareIds(id, deviceId) > 0);
    this.body.insertBefore(tr, next === undefined ? null : (this.rows.get(next)?.tr ?? null));
    this.rows.set(deviceId, row);
    return row;
  }

  setStatus(deviceId: string, status: DeviceState): void {
    const row = this.row(deviceId);
    row.tr.dataset.status = status;
    row.status.textContent = status;
  }

  /** Shows a reading unless a newer one (by device time) is already shown; true when shown. */
  setReading(deviceId: string, speed: number | null, timestamp: string | null): boolean {
    const row = this.row(deviceId);
    const at = timestamp === null ? Number.NEGATIVE_INFINITY : Date.parse(timestamp);
    if (at < row.shownAt) return false;
    row.shownAt = at;
    row.speed.textContent = formatSpeed(speed);
    row.time.textContent = formatTime(timestamp);
    return true;
  }

  setLate(deviceId: string, late: boolean): void {
    this.row(deviceId).tr.classList.toggle('late', late);
  }
}
