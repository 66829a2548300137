// One vehicle's card: status, alarm badge, health, current speed and a uPlot time-series chart preloaded from history, then live.
import uPlot from 'uplot';
import type { Alarm, HealthMessage } from '../../core/contract.js';
import {
  type DeviceState,
  type HistoryBody,
  historyPath,
  vehiclePagePath,
} from '../../core/dashboard-contract.js';
import { el, formatSpeed } from './dom.js';
import { WindowSeries } from './series.js';
import { timeAxis } from './time-axis.js';

/** Windows asked per history request: 5 m → 1 s windows, 1 h → 10 s, 24 h → 5 min. */
export const HISTORY_POINTS = 600;
/** Chart height on a card of the grid; the vehicle page asks for a taller one. */
const CHART_HEIGHT = 150;
const HISTORY_RETRY_MS = 5000;
const LINE = '#2563eb';

export interface CardContext {
  /** What the chart's data-range says: a range key, or `custom`. */
  rangeLabel: () => string;
  /** The history request's range: `duration=5m`, or `from=…&to=…`. */
  historyQuery: () => string;
  /** The x axis, ms: [now - range, now], or a custom [from, to]. */
  span: () => [number, number];
  /** Server-aligned clock, ms. */
  now: () => number;
  /** Silence longer than this breaks the line (offline threshold). */
  offlineAfterMs: () => number;
  /** Chart height in px (default 150). */
  chartHeight?: number;
}

interface CardParts {
  root: HTMLElement;
  status: HTMLElement;
  speed: HTMLElement;
  late: HTMLElement;
  badge: HTMLElement;
  health: HTMLElement;
  note: HTMLElement;
  chart: HTMLDivElement;
}

export class DeviceCard {
  readonly series = new WindowSeries();
  private plot: uPlot | undefined;
  private resize: ResizeObserver | undefined;
  private loadToken = 0;
  dirty = true;
  /** On screen (IntersectionObserver, see chart-grid.ts): only visible charts draw. */
  visible = true;

  constructor(
    readonly deviceId: string,
    private readonly parts: CardParts,
    private readonly ctx: CardContext,
  ) {}

  static create(deviceId: string, ctx: CardContext): DeviceCard {
    const status = el('span', { className: 'status', text: 'unknown' });
    const speed = el('span', { className: 'speed', text: '–' });
    const late = el('span', { className: 'late-badge', text: 'late', attrs: { hidden: '' } });
    const badge = el('span', { className: 'alarm-badge', attrs: { hidden: '' } });
    const health = el('p', { className: 'health', text: 'health: –' });
    const note = el('p', { className: 'card-note', attrs: { hidden: '' } });
    const chart = el('div', { className: 'chart', attrs: { 'data-points': '0' } });
    const root = el(
      'article',
      { className: 'card', attrs: { 'data-device': deviceId, 'data-status': 'unknown' } },
      el(
        'header',
        {},
        el('h2', {}, el('a', { text: deviceId, attrs: { href: vehiclePagePath(deviceId) } })),
        status,
        late,
        badge,
        speed,
      ),
      health,
      note,
      chart,
    );
    return new DeviceCard(deviceId, { root, status, speed, late, badge, health, note, chart }, ctx);
  }

  private get height(): number {
    return this.ctx.chartHeight ?? CHART_HEIGHT;
  }

  get mounted(): boolean {
    return this.plot !== undefined;
  }

  get element(): HTMLElement {
    return this.parts.root;
  }

  /** Creates the chart once the card is in the document (uPlot measures its container). */
  mount(): void {
    const chart = this.parts.chart;
    this.plot = new uPlot(this.options(chart.clientWidth || 300), [[], [], [], []], chart);
    this.resize = new ResizeObserver(() => {
      const width = chart.clientWidth;
      if (width > 0 && this.plot) this.plot.setSize({ width, height: this.height });
    });
    this.resize.observe(chart);
  }

  /** Leaves the page: the chart and its observer go; a pending history answer is ignored. */
  destroy(): void {
    this.loadToken += 1;
    this.resize?.disconnect();
    this.plot?.destroy();
    this.plot = undefined;
    this.parts.root.remove();
  }

  private options(width: number): uPlot.Options {
    const time = timeAxis(this.ctx.span);
    return {
      width,
      height: this.height,
      legend: { show: false },
      cursor: { drag: { x: false, y: false, setScale: false } },
      scales: {
        x: time.scale,
        y: { range: (_u, _min, max) => [0, Math.max(120, Math.ceil((max ?? 0) / 20) * 20)] },
      },
      axes: [time.axis, { size: 36 }],
      series: [
        {},
        { label: 'km/h', stroke: LINE, width: 1.5, points: { show: false } },
        { label: 'min', stroke: 'transparent', points: { show: false } },
        { label: 'max', stroke: 'transparent', points: { show: false } },
      ],
      // The min..max band of each window: visible once windows hold several readings (1 h, 24 h).
      bands: [{ series: [3, 2], fill: 'rgba(37, 99, 235, 0.18)' }],
    };
  }

  setStatus(status: DeviceState): void {
    this.parts.root.dataset.status = status;
    this.parts.status.textContent = status;
  }

  /** The vehicle's active alarms: a badge with their rule names (hidden when none). */
  setAlarms(alarms: readonly Alarm[]): void {
    const badge = this.parts.badge;
    badge.hidden = alarms.length === 0;
    badge.textContent = alarms.map((a) => a.rule).join(', ');
    badge.dataset.count = String(alarms.length);
    badge.dataset.state = alarms.some((a) => a.state === 'open') ? 'open' : 'acknowledged';
  }

  setHealth(h: HealthMessage): void {
    const p = this.parts.health;
    p.textContent = `queue ${h.queue_depth} · reconnects ${h.reconnects} · dropped ${h.dropped_total} · ${h.firmware}`;
    p.dataset.queue = String(h.queue_depth);
    p.dataset.reconnects = String(h.reconnects);
  }

  setSpeed(speed: number | null): void {
    this.parts.speed.textContent = speed === null ? '–' : `${formatSpeed(speed)} km/h`;
  }

  setLate(late: boolean): void {
    this.parts.late.hidden = !late;
  }

  addReading(at: number, speed: number): void {
    this.series.add(at, speed);
    this.dirty = true;
  }

  /** (Re)loads history for the current range; a newer load makes an older answer irrelevant. */
  async load(): Promise<void> {
    const range = this.ctx.rangeLabel();
    const token = ++this.loadToken;
    this.series.beginLoad();
    const url = `${historyPath(this.deviceId)}?${this.ctx.historyQuery()}&points=${HISTORY_POINTS}`;
    try {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`history: HTTP ${res.status}`);
      const body = (await res.json()) as HistoryBody;
      if (token !== this.loadToken) return;
      this.series.loadHistory(body);
      this.parts.note.hidden = true;
      this.parts.chart.dataset.range = range;
      this.parts.chart.dataset.windowMs = String(body.window_ms);
    } catch (err) {
      if (token !== this.loadToken) return;
      this.series.abortLoad();
      this.parts.note.textContent = `History unavailable (${(err as Error).message}); showing live data, retrying.`;
      this.parts.note.hidden = false;
      // E.g. the store is not there yet (503): try again unless another load superseded this one.
      window.setTimeout(() => {
        if (token === this.loadToken) void this.load();
      }, HISTORY_RETRY_MS);
    }
    this.dirty = true;
    this.render();
  }

  /** Redraws with the x axis ending now; called a few times a second when dirty, and every second. */
  render(): void {
    const plot = this.plot;
    if (!plot) return;
    const windowMs = this.series.windowMs;
    this.series.trim(this.ctx.span()[0] - windowMs);
    this.parts.chart.dataset.points = String(this.series.size);
    if (!this.visible) return; // drawn when it scrolls into view
    plot.setData(this.series.toChartData(Math.max(3 * windowMs, this.ctx.offlineAfterMs())));
    // Drawn with data at least once (the UI benchmark's "page ready" waits for it).
    if (this.series.size > 0) this.parts.chart.dataset.drawn = 'true';
    this.dirty = false;
  }
}
