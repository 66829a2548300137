// The fleet's numbers at the top of the overview: counts by state, active alarms, readings/s, the speed histogram.
import { type FleetSummaryBody, SPEED_BUCKET_KMH } from '../../core/dashboard-contract.js';
import { byId, el } from './dom.js';

export class FleetSummaryView {
  private readonly bars: Array<{ bar: HTMLElement; count: HTMLElement }> = [];

  update(s: FleetSummaryBody): void {
    setNumber('sum-devices', s.devices);
    setNumber('sum-online', s.online);
    setNumber('sum-warning', s.warning);
    setNumber('sum-offline', s.offline);
    setNumber('sum-alarms', s.active_alarms);
    setNumber('sum-rate', s.readings_per_s);
    this.histogram(s.speed_histogram);
  }

  private histogram(counts: readonly number[]): void {
    const root = byId('speed-hist');
    while (this.bars.length < counts.length) {
      const i = this.bars.length;
      const label =
        i === counts.length - 1 ? `${i * SPEED_BUCKET_KMH}+` : `${i * SPEED_BUCKET_KMH}`;
      const bar = el('span', { className: 'bar' });
      const count = el('span', { className: 'count', text: '0' });
      root.append(
        el(
          'li',
          { attrs: { 'data-bucket': String(i) } },
          count,
          bar,
          el('span', { className: 'label', text: label }),
        ),
      );
      this.bars.push({ bar, count });
    }
    const max = Math.max(1, ...counts);
    counts.forEach((n, i) => {
      const b = this.bars[i];
      if (!b) return;
      b.bar.style.height = `${Math.round((n / max) * 100)}%`;
      if (b.count.textContent !== String(n)) b.count.textContent = String(n);
    });
  }
}

function setNumber(id: string, n: number): void {
  const node = byId(id);
  const text = String(n);
  if (node.textContent !== text) node.textContent = text;
}
