// The visible note for late data: readings whose device time is well behind now (replayed from a device queue).
import { compareIds, el, formatLag } from './dom.js';

/** How long a device stays listed after its last late reading. */
const KEEP_MS = 15_000;

interface Late {
  count: number;
  maxLagMs: number;
  lastAt: number;
}

export class LateNotes {
  private readonly late = new Map<string, Late>();

  constructor(
    private readonly box: HTMLElement,
    private readonly list: HTMLUListElement,
  ) {}

  /** Records a reading's lag; true when it counts as late. */
  observe(deviceId: string, lagMs: number, lateAfterMs: number, now: number): boolean {
    if (lagMs <= lateAfterMs) return false;
    const cur = this.late.get(deviceId) ?? { count: 0, maxLagMs: 0, lastAt: now };
    cur.count += 1;
    cur.maxLagMs = Math.max(cur.maxLagMs, lagMs);
    cur.lastAt = now;
    this.late.set(deviceId, cur);
    return true;
  }

  isLate(deviceId: string): boolean {
    return this.late.has(deviceId);
  }

  /** Drops devices that caught up, rebuilds the list (as text) and shows the box only when needed. */
  render(now: number): void {
    for (const [id, l] of this.late) if (now - l.lastAt > KEEP_MS) this.late.delete(id);
    const items = [...this.late.entries()]
      .sort(([a], [b]) => compareIds(a, b))
      .map(([id, l]) => {
        const readings = l.count === 1 ? '1 reading' : `${l.count} readings`;
        return el('li', {
          attrs: { 'data-device': id },
          text: `${id}: ${readings} arrived up to ${formatLag(l.maxLagMs)} late`,
        });
      });
    this.list.replaceChildren(...items);
    this.box.hidden = items.length === 0;
  }
}
