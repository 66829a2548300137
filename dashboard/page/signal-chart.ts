// One signal's small chart on the vehicle page: its current value, its history over the page's range (history?signal=), then live; a number as a line with its min/max band, a boolean (ignition) as an on/off band.
import uPlot from 'uplot';
import { historyPath, type SignalHistoryBody } from '../../core/dashboard-contract.js';
import type { SignalValue } from '../../core/signals/catalog.js';
import type { CardContext } from './device-card.js';
import { HISTORY_POINTS } from './device-card.js';
import { el } from './dom.js';
import { formatNumber, formatValue, type PageSignal } from './page-signals.js';
import { WindowSeries } from './series.js';
import { timeAxis } from './time-axis.js';

const LINE_HEIGHT = 110;
const BAND_HEIGHT = 64;
const HISTORY_RETRY_MS = 5000;
/** Teal for other signals' lines (the speed chart is blue); green for an "on" band: both ≥ 4.5:1 on white. */
const LINE = '#0f766e';
const LINE_BAND = 'rgba(15, 118, 110, 0.18)';
export const ON_COLOR = '#15803d';
const ON_FILL = 'rgba(21, 128, 61, 0.55)';

/** uPlot's padded range, but a flat line gets a band around its value, not 0 … 2 × value. */
function yRange(_u: uPlot, min: number | null, max: number | null): uPlot.Range.MinMax {
  if (min === null || max === null) return [0, 1];
  if (min === max) {
    const pad = Math.max(1, Math.abs(min) * 0.05);
    return [min - pad, max + pad];
  }
  return uPlot.rangeNum(min, max, 0.1, true);
}

/** A history answer that will not change by asking again (the signal unknown to an older dashboard). */
class PermanentError extends Error {}

export class SignalChart {
  readonly series = new WindowSeries();
  readonly element: HTMLElement;
  private readonly value: HTMLElement;
  private readonly note: HTMLElement;
  private readonly chart: HTMLDivElement;
  private plot: uPlot | undefined;
  private resize: ResizeObserver | undefined;
  private loadToken = 0;
  /** Device time of the value shown: an older (late) reading does not replace it. */
  private valueAt = Number.NEGATIVE_INFINITY;
  dirty = true;

  constructor(
    readonly deviceId: string,
    readonly signal: PageSignal,
    private readonly ctx: CardContext,
  ) {
    const band = signal.type === 'boolean';
    this.value = el('span', { className: 'signal-value', text: '–' });
    this.note = el('p', { className: 'card-note', attrs: { hidden: '' } });
    this.chart = el('div', {
      className: band ? 'signal-plot signal-band' : 'signal-plot',
      attrs: { 'data-points': '0', 'aria-hidden': 'true' },
    });
    const title = signal.unit === '' || band ? signal.label : `${signal.label} (${signal.unit})`;
    this.element = el(
      'figure',
      {
        className: band ? 'signal-chart band' : 'signal-chart',
        attrs: { 'data-signal': signal.key },
      },
      el('figcaption', {}, el('span', { className: 'signal-label', text: title }), this.value),
      this.note,
      this.chart,
    );
  }

  private get boolean(): boolean {
    return this.signal.type === 'boolean';
  }

  private get height(): number {
    return this.boolean ? BAND_HEIGHT : LINE_HEIGHT;
  }

  /** Creates the chart once the element is in the document (uPlot measures its container). */
  mount(): void {
    const chart = this.chart;
    const empty: uPlot.AlignedData = this.boolean ? [[], []] : [[], [], [], []];
    this.plot = new uPlot(this.options(chart.clientWidth || 240), empty, chart);
    this.resize = new ResizeObserver(() => {
      const width = chart.clientWidth;
      if (width > 0 && this.plot) this.plot.setSize({ width, height: this.height });
    });
    this.resize.observe(chart);
  }

  destroy(): void {
    this.loadToken += 1;
    this.resize?.disconnect();
    this.plot?.destroy();
    this.plot = undefined;
    this.element.remove();
  }

  private options(width: number): uPlot.Options {
    const time = timeAxis(this.ctx.span);
    const base = {
      width,
      height: this.height,
      legend: { show: false },
      cursor: { drag: { x: false, y: false, setScale: false } },
    };
    if (this.boolean) {
      return {
        ...base,
        scales: { x: time.scale, y: { range: [0, 1] } },
        axes: [
          time.axis,
          {
            size: 40,
            splits: () => [0, 1],
            values: (_u, splits) => splits.map((v) => (v >= 1 ? 'on' : 'off')),
          },
        ],
        series: [
          {},
          {
            label: this.signal.label,
            stroke: ON_COLOR,
            fill: ON_FILL,
            width: 1,
            points: { show: false },
            // The fraction of each window it was on, held until the next window.
            ...(uPlot.paths.stepped ? { paths: uPlot.paths.stepped({ align: 1 }) } : {}),
          },
        ],
      };
    }
    return {
      ...base,
      axes: [
        time.axis,
        {
          values: (_u, splits) => splits.map(formatNumber),
          // Wide enough for the longest label (an odometer's 12034.5), ~7 px a character.
          size: (_u, values) => 14 + 7 * Math.max(2, ...(values ?? []).map((v) => v.length)),
        },
      ],
      scales: { x: time.scale, y: { range: yRange } },
      series: [
        {},
        { label: this.signal.label, stroke: LINE, width: 1.5, points: { show: false } },
        { label: 'min', stroke: 'transparent', points: { show: false } },
        { label: 'max', stroke: 'transparent', points: { show: false } },
      ],
      bands: [{ series: [3, 2], fill: LINE_BAND }],
    };
  }

  /** The newest value (from /latest or a live reading), measured at `at` (device time, ms). */
  setValue(value: SignalValue, at: number): void {
    if (at < this.valueAt) return;
    this.valueAt = at;
    this.value.textContent = formatValue(this.signal, value);
    this.element.dataset.value = String(value);
  }

  /** A live reading's value: shown, and merged into its window. */
  add(at: number, value: SignalValue): void {
    this.setValue(value, at);
    this.series.add(at, typeof value === 'boolean' ? Number(value) : value);
    this.dirty = true;
  }

  /** (Re)loads this signal's history for the page's range; a newer load makes an older answer irrelevant. */
  async load(): Promise<void> {
    const range = this.ctx.rangeLabel();
    const token = ++this.loadToken;
    this.series.beginLoad();
    const url = `${historyPath(this.deviceId)}?${this.ctx.historyQuery()}&points=${HISTORY_POINTS}&signal=${encodeURIComponent(this.signal.name)}`;
    try {
      const res = await fetch(url);
      if (res.status >= 400 && res.status < 500 && res.status !== 429) {
        throw new PermanentError(`history: HTTP ${res.status}`);
      }
      if (!res.ok) throw new Error(`history: HTTP ${res.status}`);
      const body = (await res.json()) as SignalHistoryBody;
      if (token !== this.loadToken) return;
      this.series.loadWindows(body.window_ms, body.to, body.data_points);
      this.note.hidden = true;
      this.chart.dataset.range = range;
      this.chart.dataset.windowMs = String(body.window_ms);
    } catch (err) {
      if (token !== this.loadToken) return;
      this.series.abortLoad();
      const permanent = err instanceof PermanentError;
      this.note.textContent = `History unavailable (${(err as Error).message}); showing live data${permanent ? '' : ', retrying'}.`;
      this.note.hidden = false;
      if (!permanent) {
        window.setTimeout(() => {
          if (token === this.loadToken) void this.load();
        }, HISTORY_RETRY_MS);
      }
    }
    this.dirty = true;
    this.render();
  }

  /** Redraws with the x axis ending now. */
  render(): void {
    const plot = this.plot;
    if (!plot) return;
    const windowMs = this.series.windowMs;
    this.series.trim(this.ctx.span()[0] - windowMs);
    this.chart.dataset.points = String(this.series.size);
    this.chart.dataset.readings = String(this.series.readings);
    const gapMs = Math.max(3 * windowMs, this.ctx.offlineAfterMs());
    plot.setData(this.boolean ? this.series.toBandData(gapMs) : this.series.toChartData(gapMs));
    if (this.series.size > 0) this.chart.dataset.drawn = 'true';
    this.dirty = false;
  }
}
