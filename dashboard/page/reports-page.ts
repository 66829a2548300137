// The reports page (/reports): range and vehicle filter, the rows of GET /api/reports/summary as a table, distance per day as bars (inline SVG), and the same report as CSV.
import type { DevicesStatusBody } from '../../core/dashboard-contract.js';
import { byId, compareIds, el } from './dom.js';
import { loadSession, mountUserBar } from './session.js';

/** A row of GET /api/reports/summary (INTERFACE.md). */
export interface SummaryRow {
  device_id: string;
  day?: string;
  distance_km: number;
  driving_s: number;
  idle_s: number;
  stopped_s: number;
  max_speed_kmh: number;
  avg_speed_kmh: number;
  overspeed_s: number;
  fuel_used_pct: number;
  trips: number;
  harsh_events: number;
  score: number;
}

const DAY_MS = 86_400_000;
const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** 5400 → "1 h 30 min". */
function duration(s: number): string {
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

const SVG = 'http://www.w3.org/2000/svg';
function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  text?: string,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Distance per day summed over the rows, as bars with the day and the value. */
export function distanceChart(rows: readonly SummaryRow[], days: readonly string[]): SVGSVGElement {
  const byDay = new Map(days.map((d) => [d, 0]));
  for (const r of rows)
    if (r.day !== undefined) byDay.set(r.day, (byDay.get(r.day) ?? 0) + r.distance_km);
  const W = 800;
  const H = 220;
  const pad = { top: 16, bottom: 28, left: 8, right: 8 };
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img' });
  const entries = [...byDay.entries()];
  const max = Math.max(1, ...entries.map(([, v]) => v));
  const slot = (W - pad.left - pad.right) / Math.max(1, entries.length);
  const labelEvery = Math.ceil(entries.length / 12);
  chart.setAttribute('aria-label', `Distance per day, ${entries.length} days`);
  entries.forEach(([day, km], k) => {
    const h = ((H - pad.top - pad.bottom) * km) / max;
    const x = pad.left + k * slot + slot * 0.15;
    const bar = svg('rect', {
      x: x.toFixed(1),
      y: (H - pad.bottom - h).toFixed(1),
      width: (slot * 0.7).toFixed(1),
      height: h.toFixed(1),
      'data-day': day,
      'data-km': km.toFixed(3),
    });
    bar.append(svg('title', {}, `${day}: ${km.toFixed(1)} km`));
    chart.append(bar);
    if (km > 0 && entries.length <= 31)
      chart.append(
        svg(
          'text',
          {
            x: (x + slot * 0.35).toFixed(1),
            y: (H - pad.bottom - h - 3).toFixed(1),
            'text-anchor': 'middle',
          },
          km.toFixed(0),
        ),
      );
    if (k % labelEvery === 0)
      chart.append(
        svg(
          'text',
          { x: (x + slot * 0.35).toFixed(1), y: H - 10, 'text-anchor': 'middle' },
          day.slice(5),
        ),
      );
  });
  return chart;
}

function row(r: SummaryRow): HTMLTableRowElement {
  const num = (v: string) => el('td', { className: 'num', text: v });
  const tr = el(
    'tr',
    { attrs: { 'data-device': r.device_id, 'data-day': r.day ?? '' } },
    el(
      'td',
      {},
      el('a', {
        text: r.device_id,
        attrs: { href: `/vehicles/${encodeURIComponent(r.device_id)}` },
      }),
    ),
    el('td', { text: r.day ?? 'all days' }),
    num(r.distance_km.toFixed(1)),
    num(duration(r.driving_s)),
    num(duration(r.idle_s)),
    num(duration(r.stopped_s)),
    num(r.max_speed_kmh.toFixed(0)),
    num(r.avg_speed_kmh.toFixed(0)),
    num(duration(r.overspeed_s)),
    num(r.fuel_used_pct.toFixed(1)),
    num(String(r.trips)),
    num(String(r.harsh_events)),
    num(r.score.toFixed(0)),
  );
  return tr;
}

export async function startReportsPage(): Promise<void> {
  const session = await loadSession();
  if (!session) return;
  mountUserBar(session, byId('top'));
  const from = byId<HTMLInputElement>('report-from');
  const to = byId<HTMLInputElement>('report-to');
  const vehicle = byId<HTMLSelectElement>('report-vehicle');
  const group = byId<HTMLSelectElement>('report-group');
  const csv = byId<HTMLAnchorElement>('report-csv');
  const note = byId('report-note');
  const body = byId<HTMLTableSectionElement>('report-rows');
  const figure = byId('report-chart');
  const params = new URLSearchParams(location.search);
  const today = Date.now();
  from.value = params.get('from') ?? dayOf(today - 6 * DAY_MS);
  to.value = params.get('to') ?? dayOf(today);
  group.value = params.get('group_by') === 'none' ? 'none' : 'day';

  const query = (format: 'json' | 'csv'): URLSearchParams => {
    const q = new URLSearchParams({
      from: from.value,
      to: to.value,
      group_by: group.value,
      format,
    });
    if (vehicle.value) q.set('device_id', vehicle.value);
    return q;
  };
  const load = async (): Promise<void> => {
    note.textContent = 'loading…';
    csv.href = `/api/reports/summary?${query('csv')}`;
    const page = new URL(location.href);
    page.search = query('json').toString();
    page.searchParams.delete('format');
    history.replaceState(null, '', page);
    const res = await fetch(`/api/reports/summary?${query('json')}`);
    if (!res.ok) {
      const reason = ((await res.json().catch(() => ({}))) as { message?: string }).message;
      note.textContent = `Could not load the report${reason ? `: ${reason}` : ''}.`;
      body.replaceChildren();
      return;
    }
    const rows = (await res.json()) as SummaryRow[];
    body.replaceChildren(...rows.map(row));
    const days: string[] = [];
    for (
      let d = Date.parse(from.value);
      d <= Date.parse(to.value) && days.length < 400;
      d += DAY_MS
    )
      days.push(dayOf(d));
    figure.querySelector('svg')?.remove();
    figure.hidden = group.value !== 'day';
    if (group.value === 'day') figure.append(distanceChart(rows, days));
    note.textContent =
      rows.length === 0
        ? 'No rows in this range.'
        : `${rows.length} row${rows.length === 1 ? '' : 's'}`;
    document.body.dataset.rows = String(rows.length);
  };

  const res = await fetch('/api/devices/status');
  if (res.ok) {
    const ids = Object.keys((await res.json()) as DevicesStatusBody).sort(compareIds);
    vehicle.append(...ids.map((id) => el('option', { text: id, attrs: { value: id } })));
  }
  const chosen = params.get('device_id');
  if (chosen && Array.from(vehicle.options).some((o) => o.value === chosen)) vehicle.value = chosen;
  byId<HTMLFormElement>('report-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void load();
  });
  await load();
}
