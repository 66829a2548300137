// The vehicle page's other signals: a small chart for each one the vehicle sends (seen in /latest or in a live reading), booleans as bands first, and the last position as text.
import type { TelemetryPayload } from '../../core/contract.js';
import type { LatestBody, LatestPosition, LatestSignal } from '../../core/dashboard-contract.js';
import type { SignalValue } from '../../core/signals/catalog.js';
import type { CardContext } from './device-card.js';
import { BUILTIN_PAGE_SIGNALS, loadSignals, type PageSignal } from './page-signals.js';
import type { PositionView } from './position-view.js';
import { SignalChart } from './signal-chart.js';

/** /latest with every signal (older dashboards answer speed, timestamp and seq only). */
type LatestWithSignals = LatestBody & {
  signals?: Record<string, LatestSignal>;
  position?: LatestPosition | null;
};

/** Values of unknown keys held while the catalog loads. */
const MAX_HELD = 500;
/** Keys of a payload that are not signals, besides `position`. */
const NOT_SIGNALS: ReadonlySet<string> = new Set([
  'device_id',
  'seq',
  'timestamp',
  'position',
  'position_flag',
]);

const latestPath = (deviceId: string): string =>
  `/api/devices/${encodeURIComponent(deviceId)}/latest`;

export class VehicleSignals {
  /** Chart signals by key, with their place on the page. */
  private byKey = new Map<string, { signal: PageSignal; order: number }>();
  /** Every key of the catalog in hand (speed and the position's included). */
  private known: ReadonlySet<string> = new Set();
  private catalog: 'builtin' | 'loading' | 'loaded' = 'builtin';
  /** Values of keys the built-in catalog does not know, held until the catalog in force is in. */
  private held: Array<{ key: string; value: SignalValue; at: number; live: boolean }> = [];
  private readonly charts = new Map<string, SignalChart>();

  constructor(
    private readonly deviceId: string,
    private readonly root: HTMLElement,
    private readonly empty: HTMLElement,
    private readonly position: PositionView,
    private readonly ctx: CardContext,
  ) {
    this.setCatalog(BUILTIN_PAGE_SIGNALS);
  }

  /** What the store has: every signal's newest value, the last valid fix. */
  async start(): Promise<void> {
    await this.loadLatest();
  }

  private setCatalog(signals: readonly PageSignal[]): void {
    // Bands (ignition) first, then the numbers, each in catalog order; speed has its own chart.
    const ranked = signals
      .filter((s) => !s.position && s.key !== 'speed')
      .map((s, i) => ({ signal: s, order: (s.type === 'boolean' ? 0 : 1_000) + i }));
    this.byKey = new Map(ranked.map((r) => [r.signal.key, r]));
    this.known = new Set(signals.map((s) => s.key));
  }

  /**
   * A value of a signal: to its chart; a key the built-in catalog lacks (a custom signal of
   * SIGNALS_FILE) waits for GET /api/signals, asked only then (most vehicles send built-ins only).
   */
  private value(key: string, value: SignalValue, at: number, live: boolean): void {
    if (!this.known.has(key) && this.catalog !== 'loaded') {
      if (this.held.length < MAX_HELD) this.held.push({ key, value, at, live });
      void this.loadCatalog();
      return;
    }
    const chart = this.chartOf(key);
    if (live) chart?.add(at, value);
    else chart?.setValue(value, at);
  }

  private async loadCatalog(): Promise<void> {
    if (this.catalog !== 'builtin') return;
    this.catalog = 'loading';
    this.setCatalog(await loadSignals());
    this.catalog = 'loaded';
    const held = this.held;
    this.held = [];
    for (const h of held) this.value(h.key, h.value, h.at, h.live);
  }

  /** Every signal's newest value and the last valid fix, as stored (the page may open on a parked vehicle). */
  async loadLatest(): Promise<void> {
    let body: LatestWithSignals;
    try {
      const res = await fetch(latestPath(this.deviceId));
      if (!res.ok) return; // 404: nothing stored yet
      body = (await res.json()) as LatestWithSignals;
    } catch {
      return;
    }
    for (const [key, s] of Object.entries(body.signals ?? {})) {
      this.value(key, s.value, Date.parse(s.timestamp), false);
    }
    const p = body.position;
    if (p && typeof p.lat === 'number' && typeof p.lon === 'number') {
      const { timestamp, ...fix } = p;
      this.position.set({ ...fix, at: Date.parse(timestamp) }, this.ctx.now());
    }
  }

  /** The chart of a signal the vehicle sends, created (and its history loaded) when first seen. */
  private chartOf(key: string): SignalChart | undefined {
    const existing = this.charts.get(key);
    if (existing) return existing;
    const entry = this.byKey.get(key);
    if (!entry) return undefined;
    const chart = new SignalChart(this.deviceId, entry.signal, this.ctx);
    chart.element.dataset.order = String(entry.order);
    const after = [...this.charts.values()]
      .map((c) => c.element)
      .filter((e) => Number(e.dataset.order) > entry.order)
      .sort((a, b) => Number(a.dataset.order) - Number(b.dataset.order))[0];
    this.root.insertBefore(chart.element, after ?? null);
    this.charts.set(key, chart);
    this.empty.hidden = true;
    chart.mount();
    void chart.load();
    return chart;
  }

  /** A live reading of this vehicle: every signal it carries, and its fix unless flagged. */
  reading(r: TelemetryPayload): void {
    const at = Date.parse(r.timestamp);
    for (const key of Object.keys(r)) {
      if (NOT_SIGNALS.has(key)) continue;
      const value = r[key];
      if (typeof value === 'number' || typeof value === 'boolean') this.value(key, value, at, true);
    }
    const p = r.position;
    if (!p || typeof p.lat !== 'number' || typeof p.lon !== 'number') return;
    if (r.position_flag !== undefined) this.position.flagged(r.position_flag, at);
    else this.position.set({ ...p, at }, this.ctx.now());
  }

  /** A new range (or a reconnect): every chart's history again. */
  load(): void {
    for (const c of this.charts.values()) void c.load();
  }

  renderDirty(): void {
    for (const c of this.charts.values()) if (c.dirty) c.render();
  }

  /** Every second: the time axes slide, the fix's age grows. */
  render(now: number): void {
    for (const c of this.charts.values()) c.render();
    this.position.render(now);
  }
}
