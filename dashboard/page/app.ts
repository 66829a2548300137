// The dashboard page: Socket.IO for live data, REST for history, one card per vehicle (with its command controls), table, notes, range.
import { io, type Socket } from 'socket.io-client';
import { DEVICE_ID_PATTERN } from '../../core/contract.js';
import {
  type ClientToServerEvents,
  LATE_AFTER_MS,
  RANGES,
  type RangeKey,
  type ServerToClientEvents,
} from '../../core/dashboard-contract.js';
import { durationMs } from '../../core/duration.js';
import { AlarmPanel } from './alarm-panel.js';
import { ApiTokenField } from './api-token.js';
import { CommandPanels } from './command-panel.js';
import { type CardContext, DeviceCard } from './device-card.js';
import { byId, compareIds } from './dom.js';
import { LateNotes } from './late-notes.js';
import { LatestTable } from './latest-table.js';

const isRange = (v: string | null): v is RangeKey => v !== null && Object.hasOwn(RANGES, v);

const initial = new URLSearchParams(location.search).get('range');
let range: RangeKey = isRange(initial) ? initial : '5m';
/** Server clock minus ours: lateness is judged on the server's clock, as the server sends it. */
let clockOffset = 0;
let offlineAfterMs = 10_000;
let lateAfterMs = LATE_AFTER_MS;
const now = (): number => Date.now() + clockOffset;

const ctx: CardContext = {
  range: () => range,
  rangeMs: () => durationMs(RANGES[range]) ?? 300_000,
  now,
  offlineAfterMs: () => offlineAfterMs,
};
const cards = new Map<string, DeviceCard>();
const grid = byId<HTMLElement>('charts');
const table = new LatestTable(byId<HTMLTableSectionElement>('latest-body'));
const notes = new LateNotes(byId('late-note'), byId<HTMLUListElement>('late-list'));
const connection = byId('connection');
const token = new ApiTokenField(
  byId<HTMLFormElement>('token-form'),
  byId<HTMLInputElement>('api-token'),
  byId<HTMLButtonElement>('token-forget'),
  byId('token-state'),
);
token.start();
const commandPanels = new CommandPanels(() => token.headers());
const alarms = new AlarmPanel(
  {
    list: byId<HTMLUListElement>('alarm-list'),
    empty: byId('alarm-empty'),
    count: byId('alarm-count'),
    note: byId('alarm-note'),
  },
  token,
);
/** Devices with a badge now: a cleared alarm removes it. */
let badged = new Set<string>();
alarms.onChange((byDevice) => {
  for (const id of new Set([...badged, ...byDevice.keys()]))
    card(id)?.setAlarms(byDevice.get(id) ?? []);
  badged = new Set(byDevice.keys());
});
// tsconfig has no DOM.Iterable (server code shares it): Array.from makes the NodeList iterable.
const rangeButtons = Array.from(document.querySelectorAll<HTMLButtonElement>('#range button'));

/** The card for a device, created (sorted, history loaded) on first sight. */
function card(deviceId: string): DeviceCard | undefined {
  // The server validates every id; the page does not build anything from one that slipped through.
  if (!DEVICE_ID_PATTERN.test(deviceId)) return undefined;
  const existing = cards.get(deviceId);
  if (existing) return existing;
  const created = DeviceCard.create(deviceId, ctx);
  const next = [...cards.keys()].sort(compareIds).find((id) => compareIds(id, deviceId) > 0);
  grid.insertBefore(
    created.element,
    next === undefined ? null : (cards.get(next)?.element ?? null),
  );
  cards.set(deviceId, created);
  created.mount();
  commandPanels.attach(deviceId, created.element);
  void created.load();
  return created;
}

function setConnection(state: 'connecting' | 'connected' | 'disconnected'): void {
  connection.dataset.state = state;
  connection.textContent = state;
  document.body.dataset.connection = state;
}

function selectRange(next: RangeKey): void {
  range = next;
  for (const button of rangeButtons) {
    button.setAttribute('aria-pressed', String(button.dataset.range === next));
  }
  const url = new URL(location.href);
  url.searchParams.set('range', next);
  history.replaceState(null, '', url);
  for (const c of cards.values()) void c.load();
}

for (const button of rangeButtons) {
  const value = button.dataset.range ?? null;
  if (isRange(value)) button.addEventListener('click', () => selectRange(value));
}
selectRange(range);

const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io();
let connectedBefore = false;
setConnection('connecting');
socket.on('connect', () => {
  setConnection('connected');
  // After an outage the charts have a hole: history fills it; alarms may have changed meanwhile.
  if (connectedBefore) for (const c of cards.values()) void c.load();
  connectedBefore = true;
  void alarms.load();
});
socket.on('disconnect', () => setConnection('disconnected'));
socket.io.on('reconnect_attempt', () => setConnection('connecting'));
/** After a refusal by the server (its per-address connection limit), try again this much later. */
const REFUSED_RETRY_MS = 30_000;
socket.on('connect_error', (err) => {
  // Transport errors are retried by Socket.IO itself (socket.active); a server refusal is not.
  if (socket.active) return;
  setConnection('disconnected');
  connection.textContent = `refused: ${err.message}`;
  setTimeout(() => socket.connect(), REFUSED_RETRY_MS);
});

socket.on('hello', (hello) => {
  clockOffset = Date.parse(hello.server_time) - Date.now();
  offlineAfterMs = hello.offline_after_s * 1000;
  lateAfterMs = hello.late_after_ms;
});

socket.on('latest_data', (data) => {
  for (const [deviceId, entry] of Object.entries(data)) {
    const c = card(deviceId);
    if (!c) continue;
    c.setStatus(entry.status);
    table.setStatus(deviceId, entry.status);
    if (table.setReading(deviceId, entry.speed, entry.timestamp)) c.setSpeed(entry.speed);
  }
});

socket.on('command', (c) => commandPanels.update(c));

socket.on('alarm', (alarm) => alarms.apply(alarm));

socket.on('health', (h) => card(h.device_id)?.setHealth(h));

socket.on('reading', (r) => {
  const c = card(r.device_id);
  if (!c) return;
  const at = Date.parse(r.timestamp);
  c.addReading(at, r.speed);
  if (table.setReading(r.device_id, r.speed, r.timestamp)) c.setSpeed(r.speed);
  if (notes.observe(r.device_id, now() - at, lateAfterMs, now())) {
    c.setLate(true);
    table.setLate(r.device_id, true);
  }
});

// Charts with new readings redraw up to 4 times a second; all of them every second so the time axis
// slides (a silent device's line visibly stops).
setInterval(() => {
  for (const c of cards.values()) if (c.dirty) c.render();
}, 250);
let redraws = 0;
setInterval(() => {
  const started = performance.now();
  notes.render(now());
  for (const c of cards.values()) {
    const late = notes.isLate(c.deviceId);
    c.setLate(late);
    table.setLate(c.deviceId, late);
    c.render();
  }
  // How long redrawing every chart took: the test reads it, anyone can inspect it. uPlot draws in
  // a microtask queued by setData, so this one (queued after them all) runs once they are done.
  queueMicrotask(() => {
    document.body.dataset.redrawMs = (performance.now() - started).toFixed(1);
    document.body.dataset.redraws = String(++redraws);
  });
}, 1000);
