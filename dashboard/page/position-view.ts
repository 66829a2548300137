// The vehicle's last usable position as text (until the map exists): lat, lon, heading, accuracy, altitude and age; a flagged fix (position_flag) is never shown as the position, only noted.
import type { PositionFlag } from '../../core/signals/catalog.js';
import { byId, formatLag, formatTime } from './dom.js';
import { formatNumber } from './page-signals.js';

export interface Fix {
  lat: number;
  lon: number;
  alt?: number | undefined;
  acc?: number | undefined;
  heading?: number | undefined;
  /** Device time of the fix, ms. */
  at: number;
}

const COMPASS = ['N', 'NE', 'E', 'SE', 'S', 'SW', 'W', 'NW'] as const;
const FLAG_TEXT: Record<PositionFlag, string> = {
  zero_fix: 'at 0, 0 (no real fix)',
  jump: 'an impossible jump from the fix before',
};

export function compass(heading: number): string {
  return COMPASS[Math.round(heading / 45) % 8] ?? 'N';
}

export class PositionView {
  private fix: Fix | undefined;
  private readonly list = byId('position');
  private readonly empty = byId('position-empty');
  private readonly note = byId('position-note');
  private readonly latlon = byId('pos-latlon');
  private readonly heading = byId('pos-heading');
  private readonly acc = byId('pos-acc');
  private readonly alt = byId('pos-alt');
  private readonly age = byId('pos-age');

  /** A usable fix; an older one than shown (a late reading) is ignored. */
  set(fix: Fix, now: number): void {
    if (this.fix && fix.at < this.fix.at) return;
    this.fix = fix;
    this.list.hidden = false;
    this.empty.hidden = true;
    this.list.dataset.lat = String(fix.lat);
    this.list.dataset.lon = String(fix.lon);
    this.list.dataset.at = new Date(fix.at).toISOString();
    this.latlon.textContent = `${fix.lat.toFixed(5)}, ${fix.lon.toFixed(5)}`;
    this.heading.textContent =
      fix.heading === undefined ? '–' : `${formatNumber(fix.heading)}° (${compass(fix.heading)})`;
    this.acc.textContent = fix.acc === undefined ? '–' : `± ${formatNumber(fix.acc)} m`;
    this.alt.textContent = fix.alt === undefined ? '–' : `${formatNumber(fix.alt)} m`;
    if (this.note.dataset.at !== undefined && Date.parse(this.note.dataset.at) <= fix.at) {
      this.note.textContent = '';
      delete this.note.dataset.at;
      delete this.note.dataset.flag;
    }
    this.render(now);
  }

  /** A fix that is not used: said, unless a newer usable fix is shown already. */
  flagged(flag: PositionFlag, at: number): void {
    if (this.fix && at <= this.fix.at) return;
    this.note.dataset.at = new Date(at).toISOString();
    this.note.dataset.flag = flag;
    this.note.textContent = `The fix of ${formatTime(new Date(at).toISOString())} was not used: ${FLAG_TEXT[flag] ?? flag}.`;
  }

  /** The age moves on every second. */
  render(now: number): void {
    if (!this.fix) return;
    const fixTime = formatTime(new Date(this.fix.at).toISOString());
    this.age.textContent = `${formatLag(Math.max(0, now - this.fix.at))} ago (${fixTime})`;
  }
}
