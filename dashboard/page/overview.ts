// The fleet overview (/): summary, the live map, the virtualized vehicle table, a paged chart grid, alarms; receives only what it shows (`view`).
import { DEVICE_ID_PATTERN } from '../../core/contract.js';
import type {
  DevicesStatusBody,
  FleetSortKey,
  FleetStatusFilter,
} from '../../core/dashboard-contract.js';
import { AlarmPanel } from './alarm-panel.js';
import { ChartGrid, GRID_PAGE } from './chart-grid.js';
import { CommandPanels } from './command-panel.js';
import type { CardContext } from './device-card.js';
import { byId } from './dom.js';
import { FleetMap } from './fleet-map.js';
import { FleetSummaryView } from './fleet-summary.js';
import { FleetTable } from './fleet-table.js';
import { LateNotes } from './late-notes.js';
import { isRange, RangeState } from './range-state.js';
import { loadSession, mayAct, mountUserBar, writeAuth } from './session.js';
import { SocketLink } from './socket-link.js';
import { SparkHistory } from './sparkline.js';

/**
 * GET /api/devices again when the fleet's size changes, at most once a second, and at 1,000 and
 * more vehicles at most once per 1,000 of them per second (the list is the whole fleet).
 */
const listGapMs = (vehicles: number): number => Math.max(1000, vehicles);

export async function startOverview(): Promise<void> {
  const session = await loadSession();
  if (!session) return;
  mountUserBar(session, byId('top'));
  const link = new SocketLink();
  const { socket, now } = link;
  const initial = new URLSearchParams(location.search).get('range');
  const range = new RangeState({ kind: 'preset', key: isRange(initial) ? initial : '5m' }, now);
  const ctx: CardContext = {
    rangeLabel: () => range.label(),
    historyQuery: () => range.historyQuery(),
    span: () => range.span(),
    now,
    offlineAfterMs: () => link.offlineAfterMs,
  };
  const notes = new LateNotes(byId('late-note'), byId<HTMLUListElement>('late-list'));
  const token = writeAuth(session);
  const acts = mayAct(session);
  const accounts = session.auth_mode !== 'none';
  const commandPanels = new CommandPanels(() => token.headers(), accounts);
  const alarms = new AlarmPanel(
    {
      list: byId<HTMLUListElement>('alarm-list'),
      empty: byId('alarm-empty'),
      count: byId('alarm-count'),
      note: byId('alarm-note'),
    },
    token,
    acts,
    accounts,
  );
  const sparks = new SparkHistory();
  const summary = new FleetSummaryView();
  let viewSent = false;
  const sendView = () => {
    if (!socket.connected) return;
    viewSent = true;
    socket.emit('view', { table: table.query(), vehicles: grid.shown() });
  };
  const table = new FleetTable(
    byId('table-scroll'),
    byId<HTMLTableSectionElement>('latest-body'),
    sparks,
    now,
    sendView,
  );
  const grid = new ChartGrid(
    byId('charts'),
    ctx,
    (card) => {
      // Viewers get no command controls (the server would refuse them anyway).
      if (acts) commandPanels.attach(card.deviceId, card.element);
      card.setAlarms(alarms.activeOf(card.deviceId));
    },
    sendView,
  );
  alarms.onChange((byDevice) => {
    for (const [id, card] of grid.cards) card.setAlarms(byDevice.get(id) ?? []);
  });

  // The list of vehicles for the grid: on start, and when the fleet's size changes.
  let listedCount = -1;
  let listing = false;
  let listedAt = 0;
  let listTimer: number | undefined;
  const scheduleList = (): void => {
    if (listTimer !== undefined) return;
    const wait = Math.max(0, listedAt + listGapMs(listedCount) - Date.now());
    listTimer = window.setTimeout(() => {
      listTimer = undefined;
      void loadList();
    }, wait);
  };
  const loadList = async (): Promise<void> => {
    if (listing) return;
    listing = true;
    try {
      // The live board's vehicles, as the table has them (GET /api/devices also reads the store per vehicle: slower).
      const res = await fetch('/api/devices/status');
      if (!res.ok) return;
      const ids = Object.keys((await res.json()) as DevicesStatusBody).filter((id) =>
        DEVICE_ID_PATTERN.test(id),
      );
      listedCount = ids.length;
      listedAt = Date.now();
      grid.setIds(ids);
    } finally {
      listing = false;
    }
  };

  // Controls: range, sort headers, filters.
  const rangeButtons = Array.from(document.querySelectorAll<HTMLButtonElement>('#range button'));
  const selectRange = (key: string | null): void => {
    if (!isRange(key)) return;
    range.range = { kind: 'preset', key };
    for (const b of rangeButtons) b.setAttribute('aria-pressed', String(b.dataset.range === key));
    const url = new URL(location.href);
    url.searchParams.set('range', key);
    history.replaceState(null, '', url);
    for (const c of grid.cards.values()) void c.load();
  };
  for (const b of rangeButtons)
    b.addEventListener('click', () => selectRange(b.dataset.range ?? null));
  selectRange(range.label());
  const sortButtons = Array.from(
    document.querySelectorAll<HTMLButtonElement>('#fleet-table thead button'),
  );
  for (const b of sortButtons) {
    b.addEventListener('click', () => {
      table.sortBy(b.dataset.sort as FleetSortKey);
      for (const other of sortButtons) {
        const th = other.closest('th');
        const on = other.dataset.sort === table.filter.sort;
        th?.setAttribute(
          'aria-sort',
          on ? (table.filter.order === 'asc' ? 'ascending' : 'descending') : 'none',
        );
      }
    });
  }
  const text = byId<HTMLInputElement>('filter-text');
  let typing: number | undefined;
  text.addEventListener('input', () => {
    clearTimeout(typing);
    typing = window.setTimeout(() => table.setFilter({ text: text.value.slice(0, 100) }), 150);
  });
  const status = byId<HTMLSelectElement>('filter-status');
  status.addEventListener('change', () =>
    table.setFilter({ status: status.value as FleetStatusFilter }),
  );
  const withAlarm = byId<HTMLInputElement>('filter-alarm');
  withAlarm.addEventListener('change', () => table.setFilter({ alarm: withAlarm.checked }));
  byId<HTMLFormElement>('fleet-filter').addEventListener('submit', (e) => e.preventDefault());

  // Live data.
  socket.on('fleet_summary', (s) => {
    summary.update(s);
    if (s.devices !== listedCount) scheduleList();
  });
  socket.on('fleet_rows', (rows) => {
    table.apply(rows);
    // Until the vehicle list is in, the first rows by id are the grid's first page already.
    const f = table.filter;
    if (
      listedCount < 0 &&
      rows.offset === 0 &&
      f.sort === 'id' &&
      f.order === 'asc' &&
      f.text === '' &&
      f.status === 'all' &&
      !f.alarm
    )
      grid.setIds(rows.rows.slice(0, GRID_PAGE).map((r) => r.device_id));
    byId('fleet-count').textContent = `${rows.total} shown`;
    for (const r of rows.vehicles) {
      const card = grid.cards.get(r.device_id);
      card?.setStatus(r.status);
      card?.setSpeed(r.speed);
    }
    document.body.dataset.rowsAt = String(Date.now());
  });
  // Legacy events arrive until the first `view` is in: ignored, the view answers at once.
  socket.on('command', (c) => commandPanels.update(c));
  socket.on('alarm', (alarm) => alarms.apply(alarm));
  socket.on('health', (h) => grid.cards.get(h.device_id)?.setHealth(h));
  socket.on('reading', (r) => {
    if (!viewSent) return;
    const card = grid.cards.get(r.device_id);
    if (!card) return;
    const at = Date.parse(r.timestamp);
    if (typeof r.speed === 'number') card.addReading(at, r.speed);
    if (notes.observe(r.device_id, now() - at, link.lateAfterMs, now())) {
      card.setLate(true);
      table.setLate(r.device_id, true);
    }
  });
  const fleetMap = new FleetMap(byId('fleet-map'), socket, (id) =>
    location.assign(`/vehicles/${encodeURIComponent(id)}`),
  );
  socket.on('hello', (hello) => fleetMap.setBasemap(hello.map_tile_url));
  fleetMap.start();
  link.start((again) => {
    sendView();
    fleetMap.sendView();
    // After an outage the charts have a hole: history fills it; alarms may have changed meanwhile.
    if (again) for (const c of grid.cards.values()) void c.load();
    void alarms.load();
  });
  table.start();
  grid.start();
  void loadList();

  // Charts with new readings redraw up to 4 times a second; all visible ones every second so the
  // time axis slides (a silent device's line visibly stops).
  setInterval(() => {
    for (const c of grid.cards.values()) if (c.dirty) c.render();
  }, 250);
  let redraws = 0;
  setInterval(() => {
    const started = performance.now();
    notes.render(now());
    for (const c of grid.cards.values()) {
      const late = notes.isLate(c.deviceId);
      c.setLate(late);
      table.setLate(c.deviceId, late);
      c.render();
    }
    // How long redrawing the charts took: the test reads it, anyone can inspect it. uPlot draws in
    // a microtask queued by setData, so this one (queued after them all) runs once they are done.
    queueMicrotask(() => {
      document.body.dataset.redrawMs = (performance.now() - started).toFixed(1);
      document.body.dataset.redraws = String(++redraws);
    });
  }, 1000);
}
