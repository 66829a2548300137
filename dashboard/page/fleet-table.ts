// The fleet table: virtualized (only the rows on screen exist), sorted and filtered by the server, one link per vehicle.
import {
  type FleetRow,
  type FleetRowsBody,
  type FleetSortKey,
  type FleetTableQuery,
  MAX_VIEW_ROWS,
  vehiclePagePath,
} from '../../core/dashboard-contract.js';
import { el, formatLag, formatSpeed, formatTime } from './dom.js';
import { createSparkline, type SparkHistory, sparkPoints } from './sparkline.js';

/** Row height in px; style.css gives every row exactly this. */
export const ROW_HEIGHT = 36;
/** Rows asked for above and below the visible ones, so a short scroll shows rows at once. */
const OVERSCAN = 15;
/** Columns of index.html's table (the spacer rows span them all). */
const COLUMNS = '12';
/**
 * The first order of a column: what a fleet manager looks for first (fastest, most alarms,
 * ignition on; lowest fuel and battery, stalest fix, as ascending gives).
 */
const DESC_FIRST: ReadonlySet<FleetSortKey> = new Set(['speed', 'alarms', 'ignition']);

interface RowView {
  tr: HTMLTableRowElement;
  name: HTMLElement;
  status: HTMLElement;
  speed: HTMLElement;
  time: HTMLElement;
  seen: HTMLElement;
  fuel: HTMLElement;
  battery: HTMLElement;
  ignition: HTMLElement;
  fix: HTMLElement;
  alarms: HTMLElement;
  spark: SVGPolylineElement;
}

export type TableFilter = Omit<FleetTableQuery, 'offset' | 'limit'>;

export class FleetTable {
  readonly filter: TableFilter = {
    sort: 'id',
    order: 'asc',
    text: '',
    status: 'all',
    alarm: false,
  };
  private window = { offset: 0, limit: 0 };
  private data: FleetRowsBody = { total: 0, offset: 0, rows: [], vehicles: [] };
  private readonly views = new Map<string, RowView>();
  private readonly late = new Set<string>();
  /** Rows above and below the window, as tall as the rows they stand for (one cell: a row needs one to have a height). */
  private readonly topCell = el('td', { attrs: { colspan: COLUMNS } });
  private readonly bottomCell = el('td', { attrs: { colspan: COLUMNS } });
  private readonly top = el(
    'tr',
    { className: 'spacer', attrs: { 'aria-hidden': 'true' } },
    this.topCell,
  );
  private readonly bottom = el(
    'tr',
    { className: 'spacer', attrs: { 'aria-hidden': 'true' } },
    this.bottomCell,
  );
  private scheduled = false;

  constructor(
    private readonly scroller: HTMLElement,
    private readonly body: HTMLTableSectionElement,
    private readonly sparks: SparkHistory,
    private readonly now: () => number,
    /** The table needs other rows than it has: send a new view. */
    private readonly changed: () => void,
  ) {}

  start(): void {
    this.scroller.addEventListener('scroll', () => this.schedule(), { passive: true });
    new ResizeObserver(() => this.schedule()).observe(this.scroller);
    this.window = this.visibleWindow();
  }

  /** The query for the `view` event. */
  query(): FleetTableQuery {
    return { ...this.filter, ...this.window };
  }

  setFilter(change: Partial<TableFilter>): void {
    Object.assign(this.filter, change);
    this.scroller.scrollTop = 0;
    this.window = this.visibleWindow();
    this.changed();
  }

  /** Same column again flips the order; another column starts with its DESC_FIRST order. */
  sortBy(key: FleetSortKey): void {
    const order =
      this.filter.sort === key
        ? this.filter.order === 'asc'
          ? 'desc'
          : 'asc'
        : DESC_FIRST.has(key)
          ? 'desc'
          : 'asc';
    this.setFilter({ sort: key, order });
  }

  setLate(deviceId: string, late: boolean): void {
    if (late) this.late.add(deviceId);
    else this.late.delete(deviceId);
    this.views.get(deviceId)?.tr.classList.toggle('late', late);
  }

  get total(): number {
    return this.data.total;
  }

  apply(data: FleetRowsBody): void {
    this.data = data;
    for (const r of data.rows) {
      if (r.spark) this.sparks.seed(r.device_id, r.spark, r.timestamp);
      else this.sparks.add(r.device_id, r.speed, r.timestamp);
    }
    this.render();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      const next = this.visibleWindow();
      const have = this.window;
      // Ask again only when the rows on screen are not all inside what was asked for.
      const first = Math.floor(this.scroller.scrollTop / ROW_HEIGHT);
      const last = first + Math.ceil(this.scroller.clientHeight / ROW_HEIGHT);
      if (first < have.offset || last > have.offset + have.limit || next.limit > have.limit) {
        this.window = next;
        this.changed();
      }
    });
  }

  private visibleWindow(): { offset: number; limit: number } {
    const first = Math.floor(this.scroller.scrollTop / ROW_HEIGHT);
    const visible = Math.ceil((this.scroller.clientHeight || 600) / ROW_HEIGHT) + 1;
    const offset = Math.max(0, first - OVERSCAN);
    return { offset, limit: Math.min(MAX_VIEW_ROWS, first - offset + visible + OVERSCAN) };
  }

  private render(): void {
    const { total, offset, rows } = this.data;
    const now = this.now();
    const trs: HTMLTableRowElement[] = [];
    const keep = new Set<string>();
    for (const row of rows) {
      const view = this.views.get(row.device_id) ?? this.create(row.device_id);
      this.update(view, row, now);
      keep.add(row.device_id);
      trs.push(view.tr);
    }
    for (const id of this.views.keys()) if (!keep.has(id)) this.views.delete(id);
    const below = Math.max(0, total - offset - rows.length);
    this.topCell.style.height = `${offset * ROW_HEIGHT}px`;
    this.bottomCell.style.height = `${below * ROW_HEIGHT}px`;
    this.top.hidden = offset === 0;
    this.bottom.hidden = below === 0;
    // Re-inserting a row blurs what has focus in it: a keyboard user's place is given back.
    const focused = document.activeElement;
    const inBody = focused instanceof HTMLElement && this.body.contains(focused) ? focused : null;
    this.body.replaceChildren(this.top, ...trs, this.bottom);
    if (inBody?.isConnected && document.activeElement !== inBody)
      inBody.focus({ preventScroll: true });
  }

  private create(deviceId: string): RowView {
    const status = el('span', { className: 'status', text: 'unknown' });
    const alarms = el('span', { className: 'alarm-badge', attrs: { hidden: '' } });
    const { svg, line } = createSparkline();
    const name = el('td', { className: 'col-name' });
    const speed = el('td', { className: 'speed', text: '–' });
    const time = el('td', { className: 'time col-time', text: '–' });
    const seen = el('td', { className: 'seen col-seen', text: '–' });
    const fuel = el('td', { className: 'num col-fuel', text: '–' });
    const battery = el('td', { className: 'num col-battery', text: '–' });
    const ignition = el('td', { className: 'col-ignition', text: '–' });
    const fix = el('td', { className: 'col-fix', text: '–' });
    const tr = el(
      'tr',
      { attrs: { 'data-device': deviceId, 'data-status': 'unknown' } },
      el(
        'th',
        { attrs: { scope: 'row' } },
        el('a', { text: deviceId, attrs: { href: vehiclePagePath(deviceId) } }),
      ),
      name,
      el('td', { className: 'col-status' }, status),
      speed,
      time,
      seen,
      fuel,
      battery,
      ignition,
      fix,
      el('td', { className: 'alarms col-alarms' }, alarms),
      el('td', { className: 'col-spark' }, svg),
    );
    if (this.late.has(deviceId)) tr.classList.add('late');
    const view: RowView = {
      tr,
      name,
      status,
      speed,
      time,
      seen,
      fuel,
      battery,
      ignition,
      fix,
      alarms,
      spark: line,
    };
    this.views.set(deviceId, view);
    return view;
  }

  private update(v: RowView, row: FleetRow, now: number): void {
    setText(v.name, row.name ?? '');
    if (v.tr.dataset.status !== row.status) v.tr.dataset.status = row.status;
    setText(v.status, row.status);
    setText(v.speed, formatSpeed(row.speed));
    setText(v.time, formatTime(row.timestamp));
    setText(v.seen, ago(row.last_seen, now));
    setText(v.fuel, row.fuel_pct === null ? '–' : row.fuel_pct.toFixed(0));
    setText(v.battery, row.battery_v === null ? '–' : row.battery_v.toFixed(1));
    setText(v.ignition, row.ignition === null ? '–' : row.ignition ? 'on' : 'off');
    if (v.ignition.dataset.on !== String(row.ignition))
      v.ignition.dataset.on = String(row.ignition);
    setText(v.fix, row.fix_at === null ? '–' : ago(row.fix_at, now));
    v.alarms.hidden = row.alarms === 0;
    setText(v.alarms, row.alarms === 0 ? '' : `${row.alarms} alarm${row.alarms > 1 ? 's' : ''}`);
    v.tr.dataset.alarms = String(row.alarms);
    v.spark.setAttribute('points', sparkPoints(this.sparks.of(row.device_id)));
  }
}

/** "12 s ago" for a server or device time; never: "never". */
function ago(iso: string | null, now: number): string {
  return iso === null ? 'never' : `${formatLag(Math.max(0, now - Date.parse(iso)))} ago`;
}

/** Writes only on change: a second's update of 50 unchanged rows costs no layout. */
function setText(node: HTMLElement, text: string): void {
  if (node.textContent !== text) node.textContent = text;
}
