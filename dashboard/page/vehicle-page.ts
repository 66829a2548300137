// One vehicle's page (/vehicles/:id): live speed chart with min/max band, the range's track with a replay, a small chart per other signal it sends, its last position, ranges 5 m…1 y and custom, health, alarms, commands, exports.
import { DEVICE_ID_PATTERN } from '../../core/contract.js';
import type { DeviceListEntry } from '../../core/dashboard-contract.js';
import { readingsPath } from '../../core/dashboard-contract.js';
import { CommandPanels } from './command-panel.js';
import { DeviceCard } from './device-card.js';
import { byId } from './dom.js';
import { PositionView } from './position-view.js';
import { isRange, type Range, RangeState } from './range-state.js';
import { loadSession, mayAct, mountUserBar, writeAuth } from './session.js';
import { SocketLink } from './socket-link.js';
import { TrackView } from './track-view.js';
import { VehicleAlarms } from './vehicle-alarms.js';
import { VehicleSignals } from './vehicle-signals.js';

/** `<input type="datetime-local">` value for a time, local. */
function localInput(ms: number): string {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

export async function startVehiclePage(): Promise<void> {
  const session = await loadSession();
  if (!session) return;
  mountUserBar(session, byId('top'));
  const deviceId = decodeURIComponent(location.pathname.split('/')[2] ?? '');
  const title = byId('vehicle-title');
  if (!DEVICE_ID_PATTERN.test(deviceId)) {
    title.textContent = 'Unknown vehicle';
    return;
  }
  title.textContent = deviceId;
  document.title = `${deviceId} · Vehicle telemetry`;
  const link = new SocketLink();
  const { socket, now } = link;
  const params = new URLSearchParams(location.search);
  const from = Date.parse(params.get('from') ?? '');
  const to = Date.parse(params.get('to') ?? '');
  const key = params.get('range');
  const initial: Range =
    Number.isFinite(from) && Number.isFinite(to) && from < to
      ? { kind: 'custom', from, to }
      : { kind: 'preset', key: isRange(key) ? key : '5m' };
  const range = new RangeState(initial, now);
  const ctx = {
    rangeLabel: () => range.label(),
    historyQuery: () => range.historyQuery(),
    span: () => range.span(),
    now,
    offlineAfterMs: () => link.offlineAfterMs,
  };
  const card = DeviceCard.create(deviceId, { ...ctx, chartHeight: 320 });
  byId('vehicle-chart').append(card.element);
  card.mount();
  const signals = new VehicleSignals(
    deviceId,
    byId('signal-charts'),
    byId('signals-empty'),
    new PositionView(),
    ctx,
  );
  const token = writeAuth(session);
  const commands = new CommandPanels(() => token.headers(), session.auth_mode !== 'none');
  if (mayAct(session)) commands.attach(deviceId, card.element);
  const alarms = new VehicleAlarms(
    deviceId,
    byId<HTMLUListElement>('vehicle-alarms'),
    byId('vehicle-alarms-empty'),
  );

  const track = new TrackView(deviceId);
  socket.on('hello', (hello) => track.setBasemap(hello.map_tile_url));

  const csv = byId<HTMLAnchorElement>('export-csv');
  const ndjson = byId<HTMLAnchorElement>('export-ndjson');
  /** Export links for the range on screen (a preset's "now" moves: refreshed every second). */
  const exportLinks = (): void => {
    const [f, t] = range.span();
    const q = (format: string) =>
      `${readingsPath(deviceId)}?${new URLSearchParams({ format, from: new Date(f).toISOString(), to: new Date(t).toISOString() })}`;
    csv.href = q('csv');
    csv.download = '';
    ndjson.href = q('ndjson');
    ndjson.download = '';
  };

  const rangeButtons = Array.from(document.querySelectorAll<HTMLButtonElement>('#range button'));
  const fromInput = byId<HTMLInputElement>('custom-from');
  const toInput = byId<HTMLInputElement>('custom-to');
  const apply = (next: Range): void => {
    range.range = next;
    const label = range.label();
    for (const b of rangeButtons) b.setAttribute('aria-pressed', String(b.dataset.range === label));
    const [f, t] = range.span();
    fromInput.value = localInput(f);
    toInput.value = localInput(t);
    const url = new URL(location.href);
    url.search =
      next.kind === 'preset'
        ? `?range=${next.key}`
        : `?${new URLSearchParams({ from: new Date(next.from).toISOString(), to: new Date(next.to).toISOString() })}`;
    history.replaceState(null, '', url);
    exportLinks();
    void card.load();
    signals.load();
    void track.load(f, t);
  };
  for (const b of rangeButtons) {
    b.addEventListener('click', () => {
      const k = b.dataset.range ?? null;
      if (isRange(k)) apply({ kind: 'preset', key: k });
    });
  }
  const customNote = byId('custom-note');
  byId<HTMLFormElement>('custom-range').addEventListener('submit', (e) => {
    e.preventDefault();
    const f = new Date(fromInput.value).getTime();
    const t = new Date(toInput.value).getTime();
    const ok = Number.isFinite(f) && Number.isFinite(t) && f < t;
    customNote.textContent = ok ? '' : 'From must be before To.';
    if (ok) apply({ kind: 'custom', from: f, to: t });
  });
  apply(initial);

  void fetch('/api/devices').then(async (res) => {
    if (!res.ok) return;
    const entry = ((await res.json()) as DeviceListEntry[]).find((d) => d.device_id === deviceId);
    byId('vehicle-name').textContent =
      entry?.name ?? (entry ? '' : 'not known to this dashboard yet');
  });

  socket.on('fleet_rows', (rows) => {
    const row = rows.vehicles[0];
    if (!row) return;
    card.setStatus(row.status);
    card.setSpeed(row.speed);
    document.body.dataset.status = row.status;
  });
  socket.on('reading', (r) => {
    if (r.device_id !== deviceId) return;
    if (typeof r.speed === 'number') card.addReading(Date.parse(r.timestamp), r.speed);
    signals.reading(r);
  });
  socket.on('health', (h) => {
    if (h.device_id === deviceId) card.setHealth(h);
  });
  socket.on('alarm', (a) => {
    alarms.apply(a);
    card.setAlarms(alarms.active());
  });
  socket.on('command', (c) => commands.update(c));
  link.start((again) => {
    socket.emit('view', { table: null, vehicles: [deviceId] });
    if (again) {
      void card.load();
      signals.load();
      void signals.loadLatest();
    }
    void alarms.load().then(() => card.setAlarms(alarms.active()));
  });
  void signals.start();
  setInterval(() => {
    if (card.dirty) card.render();
    signals.renderDirty();
  }, 250);
  setInterval(() => {
    card.render();
    signals.render(now());
    if (range.range.kind === 'preset') exportLinks();
  }, 1000);
}
